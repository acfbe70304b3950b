/**
 * Draws one run as the five steps of the model, top to bottom: tokens,
 * embedding, attention, feed-forward and output. Each stage shows its
 * formula, its shapes, a plain explanation and its numbers.
 */
import type { InspectorRun } from '../messages';
import type { RunJson, StageJson } from '../model/serialize';
import { element } from './dom';
import {
  CAUSAL_MASK_NOTE,
  NO_MASK_NOTE,
  POSITION_NOTE,
  STAGE_TEXT,
  StageText,
  UNTRAINED_NOTICE,
} from './explanations';
import { MAX_DRAWN_TOKENS, firstDrawnToken, heatmapTable, matrixTable } from './tables';

/** The reader's choices that survive a redraw. */
export interface ViewState {
  head: number;
}

export interface RenderCallbacks {
  readonly onTokenClick: (index: number) => void;
  readonly onHeadChange: (head: number) => void;
}

/** Replaces the content of `root` with the drawing of `inspectorRun`. */
export function renderRun(
  root: HTMLElement,
  inspectorRun: InspectorRun,
  view: ViewState,
  callbacks: RenderCallbacks,
): void {
  const { run, source } = inspectorRun;
  const { config, stages } = run;
  const labels = run.tokens.map((token) => token.text);
  const T = run.tokens.length;
  const d = config.embeddingSize;
  const h = config.heads;
  const dHead = d / h;
  const dFF = config.feedForwardSize;
  const V = run.vocabulary.length;
  const head = Math.min(view.head, h - 1);
  const firstRow = firstDrawnToken(T);

  const sections: HTMLElement[] = [
    header(run, source.fileName, source.description),
    section(
      1,
      STAGE_TEXT.tokens,
      `${T} tokens → ${V} ids`,
      tokenChips(run, callbacks.onTokenClick),
      vocabularyTable(run),
    ),
    section(
      2,
      STAGE_TEXT.embeddings,
      `ids [${T}] → ${T}×${d}`,
      matrixTable(stages.embeddings, labels, firstRow, 'Embedding vectors, one row per token'),
      element('p', { className: 'note', text: POSITION_NOTE }),
    ),
    attentionSection(run, labels, head, firstRow, callbacks.onHeadChange, { T, d, h, dHead }),
    section(
      4,
      STAGE_TEXT.hidden,
      `${T}×${d} @ ${d}×${dFF} + ${dFF} → ${T}×${dFF}`,
      matrixTable(stages.hidden, labels, firstRow, 'Hidden vectors after ReLU'),
      subStage(STAGE_TEXT.feedForward, `${T}×${dFF} @ ${dFF}×${d} + ${d} → ${T}×${d}`),
      matrixTable(stages.feedForward, labels, firstRow, 'Feed-forward output F'),
      matrixTable(stages.output, labels, firstRow, 'Final vectors Y = R + F'),
    ),
    section(5, STAGE_TEXT.output, `1×${d} @ ${d}×${V} + ${V} → 1×${V}`, candidateChart(run)),
  ];
  if (T > MAX_DRAWN_TOKENS) {
    sections.splice(
      1,
      0,
      notice(
        `The model read ${T} tokens. To keep the panel responsive, the tables below show the last ${MAX_DRAWN_TOKENS}; the prediction used all ${T}.`,
      ),
    );
  }
  if (run.droppedTokens > 0) {
    sections.splice(
      1,
      0,
      notice(
        `The text has ${T + run.droppedTokens} tokens, more than the context length of ${config.contextLength}, so the model read only the last ${T}.`,
      ),
    );
  }
  root.replaceChildren(...sections);
}

function header(run: RunJson, fileName: string, description: string): HTMLElement {
  const { prediction } = run;
  return element(
    'header',
    {},
    element('h1', { text: 'Attention Inspector' }),
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
    element('p', { className: 'untrained', text: UNTRAINED_NOTICE }),
  );
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
  );
}

function tokenChips(run: RunJson, onClick: (index: number) => void): HTMLElement {
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
        attributes: { 'data-testid': 'token', 'data-id': String(token.id), type: 'button' },
      },
      element('span', { className: 'token-text', text: token.text }),
      element('span', { className: 'token-id', text: String(token.id) }),
    );
    chip.addEventListener('click', () => onClick(index));
    list.append(element('li', {}, chip));
  });
  return list;
}

function vocabularyTable(run: RunJson): HTMLElement {
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
  run: RunJson,
  labels: readonly string[],
  head: number,
  firstRow: number,
  onHeadChange: (head: number) => void,
  { T, d, h, dHead }: Sizes,
): HTMLElement {
  const { stages, config } = run;
  const projection = `${T}×${d} @ ${d}×${d} → ${T}×${d}`;
  const heatmap = (
    stage: StageJson,
    colour: boolean,
    caption: string,
    testId: string,
  ): HTMLElement =>
    heatmapTable({
      stage,
      head,
      tokens: labels,
      causalMask: config.causalMask,
      colour,
      caption,
      testId,
    });

  return section(
    3,
    {
      title: 'Attention',
      formula: 'softmax(Q @ K.T / sqrt(d_head)) @ V',
      explanation: 'Attention lets each token gather information from the other tokens.',
    },
    `${T}×${d} → ${T}×${d}, ${h} head${h === 1 ? '' : 's'} of ${dHead} columns`,
    headSelector(h, head, onHeadChange),
    subStage(STAGE_TEXT.queries, projection),
    matrixTable(stages.queries, labels, firstRow, 'Queries Q'),
    subStage(STAGE_TEXT.keys, projection),
    matrixTable(stages.keys, labels, firstRow, 'Keys K'),
    subStage(STAGE_TEXT.values, projection),
    matrixTable(stages.values, labels, firstRow, 'Values V'),
    subStage(STAGE_TEXT.scores, `${T}×${dHead} @ ${dHead}×${T} → ${T}×${T} per head`),
    heatmap(stages.scores, false, `Scaled scores, head ${head + 1} of ${h}`, 'scores'),
    subStage(STAGE_TEXT.weights, `${T}×${T} → ${T}×${T} per head, rows sum to 1`),
    element('p', { className: 'note', text: config.causalMask ? CAUSAL_MASK_NOTE : NO_MASK_NOTE }),
    heatmap(stages.weights, true, `Attention weights, head ${head + 1} of ${h}`, 'heatmap'),
    subStage(
      STAGE_TEXT.context,
      `${T}×${T} @ ${T}×${dHead} → ${T}×${dHead} per head, joined to ${T}×${d}`,
    ),
    matrixTable(stages.context, labels, firstRow, 'Context vectors C'),
    subStage(STAGE_TEXT.attention, `${projection}, + ${T}×${d}`),
    matrixTable(stages.attention, labels, firstRow, 'Attention output C @ W_o'),
    matrixTable(stages.residual, labels, firstRow, 'After the residual connection, R'),
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
  select.addEventListener('change', () => onChange(Number(select.value)));
  return element('label', { className: 'head-select' }, 'Show attention head ', select);
}

function candidateChart(run: RunJson): HTMLElement {
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
