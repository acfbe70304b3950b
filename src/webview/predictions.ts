/**
 * The prediction at every position: the word the model would predict next
 * after each prefix of the text. For a trained model, comparing it with the
 * token that does come next shows where the model has learned the text.
 */
import type { InspectorPayload } from '../inspector/payload';
import { element } from './dom';

/** Draws the per-position prediction table for positions `payload.firstRow ..`. */
export function predictionsTable(payload: InspectorPayload): HTMLElement {
  const { ids, probabilities } = payload.positionPredictions;
  const { tokens, vocabulary, firstRow } = payload;
  const count = tokens.length;
  let correct = 0;
  for (let t = 0; t + 1 < count; t++) {
    if (vocabulary[ids[t]] === tokens[t + 1].text) {
      correct++;
    }
  }

  const body = element('tbody');
  for (let t = firstRow; t < count; t++) {
    const predicted = vocabulary[ids[t]];
    const actual = t + 1 < count ? tokens[t + 1].text : undefined;
    body.append(
      element(
        'tr',
        { attributes: { 'data-row': String(t) } },
        element('th', { text: tokens[t].text, attributes: { scope: 'row' } }),
        element('td', { className: 'word', text: predicted }),
        element('td', { text: `${(probabilities[t] * 100).toFixed(1)}%` }),
        element('td', {
          className: 'word',
          text:
            actual === undefined
              ? '(end of text)'
              : `${actual} ${actual === predicted ? '✓' : '✗'}`,
        }),
      ),
    );
  }

  const header = element(
    'tr',
    {},
    ...['after token', 'predicts', 'probability', 'actual next token'].map((text) =>
      element('th', { text, attributes: { scope: 'col' } }),
    ),
  );
  const caption =
    `Next-word prediction after each position: ${correct} of ${Math.max(0, count - 1)} ` +
    'match the actual next token' +
    (firstRow > 0 ? ` (showing the last ${count - firstRow} positions)` : '');
  return element(
    'div',
    { className: 'table-scroll', attributes: { tabindex: '0' } },
    element(
      'table',
      { className: 'predictions', attributes: { 'data-testid': 'predictions' } },
      element('caption', { text: caption }),
      element('thead', {}, header),
      body,
    ),
  );
}
