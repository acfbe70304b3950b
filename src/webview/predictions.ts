/**
 * The prediction at every position: what the model would say comes next
 * after each prefix of the text. For a trained model, comparing it with the
 * token that does come next shows where the model has learned the text.
 */
import type { RunJson } from '../model/serialize';
import { element } from './dom';

/** Draws rows `first ..` of the per-position prediction table. */
export function predictionsTable(run: RunJson, first: number): HTMLElement {
  const probabilities = run.stages.probabilities;
  const [count, vocabularySize] = probabilities.shape;
  const body = element('tbody');
  let correct = 0;

  for (let t = 0; t < count; t++) {
    // Argmax of row t; a tie goes to the lowest id, as in the model.
    let best = 0;
    for (let id = 1; id < vocabularySize; id++) {
      if (
        probabilities.data[t * vocabularySize + id] > probabilities.data[t * vocabularySize + best]
      ) {
        best = id;
      }
    }
    const actual = t + 1 < count ? run.tokens[t + 1].text : undefined;
    const matches = actual === run.vocabulary[best];
    if (matches) {
      correct++;
    }
    if (t < first) {
      continue;
    }
    body.append(
      element(
        'tr',
        { attributes: { 'data-row': String(t) } },
        element('th', { text: run.tokens[t].text, attributes: { scope: 'row' } }),
        element('td', { className: 'word', text: run.vocabulary[best] }),
        element('td', {
          text: `${(probabilities.data[t * vocabularySize + best] * 100).toFixed(1)}%`,
        }),
        element('td', {
          className: 'word',
          text: actual === undefined ? '(end of text)' : `${actual} ${matches ? '✓' : '✗'}`,
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
    (first > 0 ? ` (showing the last ${count - first} positions)` : '');
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
