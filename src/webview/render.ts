/**
 * Draws one run as the five steps of the model, top to bottom: tokens,
 * embedding, attention, feed-forward and output. Each stage shows its
 * formula, its shapes, a plain explanation and its numbers.
 */
import type { InspectorRun } from '../messages';
import {
  InspectorPayload,
  MAX_DRAWN_TOKENS,
  MatrixStage,
  MatrixView,
  SquareView,
} from '../inspector/payload';
import { element } from './dom';
import {
  CAUSAL_MASK_NOTE,
  NO_MASK_NOTE,
  POSITION_NOTE,
  STAGE_TEXT,
  StageText,
  TRAINED_STAGE_TEXT,
  UNTRAINED_NOTICE,
} from './explanations';
import { CanvasHeatmap, canvasHeatmap } from './heatmapCanvas';
import { predictionsTable } from './predictions';
import { heatmapTable, matrixTable } from './tables';

/** Head value that shows every head side by side. */
export const ALL_HEADS = -1;

/** The reader's choices that survive a redraw. */
export interface ViewState {
  /** The attention head shown, or ALL_HEADS. */
  head: number;
}

export interface RenderCallbacks {
  readonly onTokenClick: (index: number) => void;
  readonly onTokenHover: (index: number | null) => void;
  readonly onHeadChange: (head: number) => void;
  readonly onExport: (kind: 'json' | 'svg' | 'png') => void;
}

/** Handles to a drawn run, for its caller. */
export interface RenderedRun {
  /** The full-size canvas heatmap of the shown head, when the run is too long for a table. */
  readonly canvas: CanvasHeatmap | undefined;
}

/** Replaces the content of `root` with the drawing of `inspectorRun`. */
export function renderRun(
  root: HTMLElement,
  inspectorRun: InspectorRun,
  view: ViewState,
  callbacks: RenderCallbacks,
): RenderedRun {
  const { payload: run, source } = inspectorRun;
  const { config } = run;
  const labels = run.tokens.map((token) => token.text);
  const T = run.tokens.length;
  const d = config.embeddingSize;
  const h = config.heads;
  const dHead = d / h;
  const dFF = config.feedForwardSize;
  const V = run.vocabulary.length;
  const head =
    view.head === ALL_HEADS && h > 1 ? ALL_HEADS : Math.max(0, Math.min(view.head, h - 1));
  const canvas =
    T > MAX_DRAWN_TOKENS && head !== ALL_HEADS
      ? canvasHeatmap(run.weights, head, labels, config.causalMask)
      : undefined;

  const stageText = run.training === undefined ? STAGE_TEXT : TRAINED_STAGE_TEXT;
  const sections: HTMLElement[] = [
    header(run, source.fileName, source.description, callbacks.onExport),
    section(
      1,
      stageText.tokens,
      `${T} tokens, vocabulary of ${V}`,
      tokenChips(run, callbacks),
      vocabularyTable(run),
    ),
    section(
      2,
      stageText.embeddings,
      `ids [${T}] → ${T}×${d}`,
      matrixTable(matrix(run, 'embeddings'), labels, 'Embedding vectors, one row per token'),
      ...positionsStage(run, labels, T, d),
    ),
    attentionSection(run, labels, head, canvas, callbacks.onHeadChange, {
      T,
      d,
      h,
      dHead,
    }),
    section(
      4,
      STAGE_TEXT.hidden,
      `${T}×${d} @ ${d}×${dFF} + ${dFF} → ${T}×${dFF}`,
      matrixTable(matrix(run, 'hidden'), labels, 'Hidden vectors after ReLU'),
      subStage(STAGE_TEXT.feedForward, `${T}×${dFF} @ ${dFF}×${d} + ${d} → ${T}×${d}`),
      matrixTable(matrix(run, 'feedForward'), labels, 'Feed-forward output F'),
      matrixTable(matrix(run, 'output'), labels, 'Final vectors Y = R + F'),
    ),
    section(
      5,
      STAGE_TEXT.output,
      `1×${d} @ ${d}×${V} + ${V} → 1×${V}`,
      candidateChart(run),
      predictionsTable(run),
    ),
  ];
  if (T > MAX_DRAWN_TOKENS) {
    const tables =
      `The model read ${T} tokens. To keep the panel responsive, the tables below show the ` +
      `last ${MAX_DRAWN_TOKENS} and the heatmap canvas shows all ${T}; the prediction used all.`;
    sections.splice(1, 0, notice(tables));
  }
  if (run.droppedCharacters > 0) {
    const context =
      `The text is longer than the context of ${config.contextLength} tokens, so the model ` +
      `kept its last ${T} tokens and left out the first ` +
      `${run.droppedCharacters.toLocaleString('en')} characters.`;
    sections.splice(1, 0, notice(context));
  }
  root.replaceChildren(...sections);
  return { canvas };
}

function header(
  run: InspectorPayload,
  fileName: string,
  description: string,
  onExport: RenderCallbacks['onExport'],
): HTMLElement {
  const { prediction } = run;
  const button = (text: string, kind: 'json' | 'svg' | 'png'): HTMLElement => {
    const node = element('button', {
      text,
      attributes: { type: 'button', 'data-testid': `export-${kind}` },
    });
    node.addEventListener('click', () => onExport(kind));
    return node;
  };
  return element(
    'header',
    {},
    element('h1', { text: 'Attention Inspector' }),
    element(
      'div',
      { className: 'toolbar', attributes: { role: 'toolbar', 'aria-label': 'Export' } },
      button('Export trace (JSON)', 'json'),
      button('Heatmap as SVG', 'svg'),
      button('Heatmap as PNG', 'png'),
    ),
    element('p', { className: 'source', text: `${description} of ${fileName}` }),
    element(
      'div',
      { className: 'prediction', attributes: { role: 'status' } },
      element('span', { className: 'label', text: 'Predicted next word' }),
      element('span', {
        className: 'word',
        text: prediction.word,
        attributes: { 'data-testid': 'prediction-word' },
      }),
      element('span', {
        className: 'probability',
        text: `${(prediction.probability * 100).toFixed(1)}% · id ${prediction.id}`,
      }),
    ),
    modelStatus(run),
  );
}

/** Returns the position vectors' table when the model has them, else a note on why word order is invisible. */
function positionsStage(run: InspectorPayload, labels: readonly string[], T: number, d: number) {
  const positions = run.matrices.positions;
  if (positions === undefined) {
    return [element('p', { className: 'note', text: POSITION_NOTE })];
  }
  return [
    subStage(STAGE_TEXT.positions, `${T}×${d} + ${T}×${d} → ${T}×${d}`),
    matrixTable(positions, labels, 'Position vectors P, one row per position'),
  ];
}

/** Says whether the weights are random or trained, and on what. */
function modelStatus(run: InspectorPayload): HTMLElement {
  const training = run.training;
  if (training === undefined) {
    return element('p', {
      className: 'untrained',
      text: UNTRAINED_NOTICE,
      attributes: { 'data-testid': 'model-status' },
    });
  }
  const accuracy =
    training.accuracy === undefined
      ? ''
      : `, and it predicts ${(training.accuracy * 100).toFixed(1)}% of that text's next words right`;
  return element('p', {
    className: 'trained',
    text:
      `Trained on ${training.document}: ${training.steps} steps over ${training.epochs} epochs, ` +
      `final loss ${training.finalLoss.toFixed(3)}${accuracy}. Words it never saw read as ` +
      '<unk>. Tiny LLM: Reset Model returns to random weights.',
    attributes: { 'data-testid': 'model-status' },
  });
}

function notice(text: string): HTMLElement {
  return element('p', { className: 'notice', text, attributes: { role: 'note' } });
}

function section(
  step: number,
  text: StageText,
  shapes: string,
  ...content: HTMLElement[]
): HTMLElement {
  return element(
    'section',
    { attributes: { 'aria-labelledby': `step-${step}` } },
    element('h2', { text: `${step}. ${text.title}`, attributes: { id: `step-${step}` } }),
    stageFacts(text, shapes),
    ...content,
  );
}

function subStage(text: StageText, shapes: string): HTMLElement {
  return element(
    'div',
    { className: 'substage' },
    element('h3', { text: text.title }),
    stageFacts(text, shapes),
  );
}

function stageFacts(text: StageText, shapes: string): HTMLElement {
  return element(
    'div',
    { className: 'facts' },
    element('code', { className: 'formula', text: text.formula }),
    element('span', { className: 'shape', text: shapes, title: 'shapes: inputs → output' }),
    element('p', { text: text.explanation }),
    element(
      'p',
      { className: 'readable-code' },
      element('span', { text: 'Readable code: ' }),
      ...text.readableCode.flatMap(({ file, functions }, index) => [
        element('span', { text: index === 0 ? '' : '; ' }),
        element('code', { text: functions.join(', ') }),
        element('span', { text: ` in ${file}` }),
      ]),
    ),
  );
}

function tokenChips(run: InspectorPayload, callbacks: RenderCallbacks): HTMLElement {
  const list = element('ol', {
    className: 'tokens',
    attributes: { 'aria-label': 'Tokens with their ids' },
  });
  run.tokens.forEach((token, index) => {
    const chip = element(
      'button',
      {
        className: 'token',
        title: `Select “${token.text}” in the editor`,
        attributes: {
          'data-testid': 'token',
          'data-id': String(token.id),
          'data-row': String(index),
          type: 'button',
        },
      },
      element('span', { className: 'token-text', text: token.text }),
      element('span', {
        className: 'token-id',
        text:
          token.id === run.unknownId ? `${token.id} ${run.vocabulary[token.id]}` : String(token.id),
      }),
    );
    if (token.id === run.unknownId) {
      chip.classList.add('unknown');
      chip.title = `“${token.text}” is not in the trained vocabulary, so the model reads it as ${run.vocabulary[token.id]}`;
    }
    chip.addEventListener('click', () => callbacks.onTokenClick(index));
    chip.addEventListener('mouseenter', () => callbacks.onTokenHover(index));
    chip.addEventListener('focus', () => callbacks.onTokenHover(index));
    chip.addEventListener('mouseleave', () => callbacks.onTokenHover(null));
    chip.addEventListener('blur', () => callbacks.onTokenHover(null));
    list.append(element('li', {}, chip));
  });
  return list;
}

function vocabularyTable(run: InspectorPayload): HTMLElement {
  const body = element('tbody');
  run.vocabulary.forEach((word, id) => {
    body.append(
      element('tr', {}, element('td', { text: String(id) }), element('td', { text: word })),
    );
  });
  return element(
    'details',
    { className: 'vocabulary' },
    element('summary', { text: `Vocabulary: ${run.vocabulary.length} distinct tokens` }),
    element(
      'table',
      {},
      element(
        'thead',
        {},
        element(
          'tr',
          {},
          element('th', { text: 'id', attributes: { scope: 'col' } }),
          element('th', { text: 'token', attributes: { scope: 'col' } }),
        ),
      ),
      body,
    ),
  );
}

interface Sizes {
  readonly T: number;
  readonly d: number;
  readonly h: number;
  readonly dHead: number;
}

function attentionSection(
  run: InspectorPayload,
  labels: readonly string[],
  head: number,
  canvas: CanvasHeatmap | undefined,
  onHeadChange: (head: number) => void,
  { T, d, h, dHead }: Sizes,
): HTMLElement {
  const { config } = run;
  const projection = `${T}×${d} @ ${d}×${d} → ${T}×${d}`;
  const shownHeads = head === ALL_HEADS ? Array.from({ length: h }, (_, k) => k) : [head];
  // One table per shown head, side by side when there are several.
  const heatmaps = (view: SquareView, colour: boolean, name: string, testId: string) =>
    element(
      'div',
      { className: shownHeads.length > 1 ? 'heads' : 'head' },
      ...shownHeads.map((k) =>
        heatmapTable({
          view,
          head: k,
          tokens: labels,
          causalMask: config.causalMask,
          colour,
          caption: `${name}, head ${k + 1} of ${h}`,
          testId,
        }),
      ),
    );
  const scaleNote =
    `Each dot product is multiplied by 1/√${dHead} = ${(1 / Math.sqrt(dHead)).toFixed(4)} ` +
    'before the softmax; the table shows the scaled scores.';

  return section(
    3,
    STAGE_TEXT.attentionBlock,
    `${T}×${d} → ${T}×${d}, ${h} head${h === 1 ? '' : 's'} of ${dHead} columns`,
    headSelector(h, head, onHeadChange),
    subStage(STAGE_TEXT.queries, projection),
    matrixTable(matrix(run, 'queries'), labels, 'Queries Q'),
    subStage(STAGE_TEXT.keys, projection),
    matrixTable(matrix(run, 'keys'), labels, 'Keys K'),
    subStage(STAGE_TEXT.values, projection),
    matrixTable(matrix(run, 'values'), labels, 'Values V'),
    subStage(STAGE_TEXT.scores, `${T}×${dHead} @ ${dHead}×${T} → ${T}×${T} per head`),
    element('p', { className: 'note', text: scaleNote }),
    heatmaps(run.scores, false, 'Scaled scores', 'scores'),
    subStage(STAGE_TEXT.weights, `${T}×${T} → ${T}×${T} per head, rows sum to 1`),
    element('p', { className: 'note', text: config.causalMask ? CAUSAL_MASK_NOTE : NO_MASK_NOTE }),
    canvas?.element ?? element('span'),
    heatmaps(run.weights, true, 'Attention weights', 'heatmap'),
    subStage(
      STAGE_TEXT.context,
      `${T}×${T} @ ${T}×${dHead} → ${T}×${dHead} per head, joined to ${T}×${d}`,
    ),
    matrixTable(matrix(run, 'context'), labels, 'Context vectors C'),
    subStage(STAGE_TEXT.attention, `${projection}, + ${T}×${d}`),
    matrixTable(matrix(run, 'attention'), labels, 'Attention output C @ W_o'),
    matrixTable(matrix(run, 'residual'), labels, 'After the residual connection, R'),
  );
}

function headSelector(heads: number, head: number, onChange: (head: number) => void): HTMLElement {
  if (heads === 1) {
    return element('p', { className: 'note', text: 'One attention head (tinyLlm.heads).' });
  }
  const select = element('select', {
    attributes: { id: 'head-select', 'data-testid': 'head-select' },
  });
  for (let k = 0; k < heads; k++) {
    const option = element('option', { text: `Head ${k + 1}`, attributes: { value: String(k) } });
    option.selected = k === head;
    select.append(option);
  }
  const all = element('option', {
    text: 'All heads side by side',
    attributes: { value: String(ALL_HEADS) },
  });
  all.selected = head === ALL_HEADS;
  select.append(all);
  select.addEventListener('change', () => onChange(Number(select.value)));
  return element('label', { className: 'head-select' }, 'Show attention head ', select);
}

function candidateChart(run: InspectorPayload): HTMLElement {
  const list = element('ol', {
    className: 'candidates',
    attributes: { 'aria-label': 'Most likely next words' },
  });
  for (const candidate of run.topCandidates) {
    const bar = element('span', { className: 'bar' });
    bar.style.setProperty('--probability', String(candidate.probability));
    list.append(
      element(
        'li',
        { className: candidate.id === run.prediction.id ? 'predicted' : undefined },
        element('span', { className: 'candidate-word', text: candidate.word }),
        element('span', { className: 'bar-track' }, bar),
        element('span', {
          className: 'candidate-probability',
          text: `${(candidate.probability * 100).toFixed(1)}%`,
        }),
      ),
    );
  }
  return element(
    'div',
    {},
    list,
    element('p', {
      className: 'note',
      text: `Top ${run.topCandidates.length} of ${run.vocabulary.length} words after the last token.`,
    }),
  );
}

/** Returns the view of a stage the payload always carries. */
function matrix(payload: InspectorPayload, name: MatrixStage): MatrixView {
  const view = payload.matrices[name];
  if (view === undefined) {
    throw new Error(`the run has no ${name} stage`);
  }
  return view;
}
