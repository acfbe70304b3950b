/**
 * Tables of numbers: a plain matrix table for vectors, and the attention
 * heatmap with tokens on both axes. Large inputs are cut to a fixed number
 * of rows and columns so the panel stays responsive; the caller shows a
 * notice when that happens.
 */
import {
  MatrixView,
  SquareView,
  firstDrawnToken,
  matrixValue,
  squareValue,
} from '../inspector/payload';
import { element } from './dom';

/** Largest number of vector columns drawn in one table. */
export const MAX_DRAWN_COLUMNS = 64;

function formatNumber(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : String(value);
}

/**
 * Draws the rows a matrix view holds, each labelled with `rowLabels[row]`,
 * up to `MAX_DRAWN_COLUMNS` columns.
 */
export function matrixTable(
  view: MatrixView,
  rowLabels: readonly string[],
  caption: string,
): HTMLElement {
  const { rows, columns, firstRow } = view;
  const drawnColumns = Math.min(columns, MAX_DRAWN_COLUMNS);

  const headerRow = element(
    'tr',
    {},
    element('th', { text: 'token', attributes: { scope: 'col' } }),
  );
  for (let c = 0; c < drawnColumns; c++) {
    headerRow.append(element('th', { text: String(c), attributes: { scope: 'col' } }));
  }
  const body = element('tbody');
  for (let r = firstRow; r < rows; r++) {
    const row = element(
      'tr',
      { attributes: { 'data-row': String(r) } },
      element('th', { text: rowLabels[r], attributes: { scope: 'row' } }),
    );
    for (let c = 0; c < drawnColumns; c++) {
      const value = matrixValue(view, r, c);
      row.append(element('td', { text: formatNumber(value), title: String(value) }));
    }
    body.append(row);
  }
  const notes: string[] = [];
  if (firstRow > 0) {
    notes.push(`last ${rows - firstRow} of ${rows} rows`);
  }
  if (drawnColumns < columns) {
    notes.push(`first ${drawnColumns} of ${columns} columns`);
  }
  const fullCaption =
    notes.length > 0 ? `${caption} (showing the ${notes.join(' and the ')})` : caption;
  return element(
    'div',
    { className: 'table-scroll', attributes: { tabindex: '0' } },
    element(
      'table',
      { className: 'matrix' },
      element('caption', { text: fullCaption }),
      element('thead', {}, headerRow),
      body,
    ),
  );
}

export interface HeatmapOptions {
  /** Scores or weights; the table draws the window `view.first ..`. */
  readonly view: SquareView;
  readonly head: number;
  readonly tokens: readonly string[];
  readonly causalMask: boolean;
  /** Colour cells by value; only the weights, which lie in [0, 1], are coloured. */
  readonly colour: boolean;
  readonly caption: string;
  /** `data-testid` of the table; each value cell gets this with `-cell` appended. */
  readonly testId: string;
}

/** Draws one head's T×T table with query tokens as rows and key tokens as columns. */
export function heatmapTable(options: HeatmapOptions): HTMLElement {
  const { view, head, tokens, causalMask } = options;
  const count = tokens.length;
  // The table draws the last tokens, at most as many as a scores window holds.
  const first = Math.max(view.first, firstDrawnToken(count));

  const headerRow = element(
    'tr',
    {},
    element('td', { className: 'corner', text: 'query ↓ key →' }),
  );
  for (let j = first; j < count; j++) {
    headerRow.append(
      element('th', { text: tokens[j], attributes: { scope: 'col', 'data-column': String(j) } }),
    );
  }
  const body = element('tbody');
  for (let i = first; i < count; i++) {
    const row = element(
      'tr',
      { attributes: { 'data-row': String(i) } },
      element('th', { text: tokens[i], attributes: { scope: 'row' } }),
    );
    for (let j = first; j < count; j++) {
      const value = squareValue(view, head, i, j);
      const masked = causalMask && j > i;
      const cell = element('td', {
        className: masked ? 'masked' : 'value',
        text: masked ? '–' : formatNumber(value),
        title: `${tokens[i]} → ${tokens[j]}: ${masked ? 'masked' : value.toFixed(4)}`,
        attributes: { 'data-testid': `${options.testId}-cell`, 'data-column': String(j) },
      });
      if (options.colour && !masked && Number.isFinite(value)) {
        cell.style.setProperty('--weight', String(Math.min(1, Math.max(0, value))));
      }
      row.append(cell);
    }
    body.append(row);
  }
  const caption =
    first > 0 ? `${options.caption} (last ${count - first} of ${count} tokens)` : options.caption;
  return element(
    'div',
    { className: 'table-scroll', attributes: { tabindex: '0' } },
    element(
      'table',
      {
        className: options.colour ? 'heatmap' : 'scores',
        attributes: { 'data-testid': options.testId },
      },
      element('caption', { text: caption }),
      element('thead', {}, headerRow),
      body,
    ),
  );
}
