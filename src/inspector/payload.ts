/**
 * The data the inspector's webview receives for one run: the numbers it
 * draws and nothing more. Vector stages keep only the rows the tables draw, the
 * scores only the drawn window, and the output only each position's
 * prediction. A 2,048-token run then sends about 17 MB of float32 per head,
 * for the canvas heatmap's attention weights, instead of hundreds of MB of
 * JSON. Typed arrays cross postMessage without conversion to text.
 */
import { STAGE_NAMES, StageName, argmax } from '../model/forward';
import { ModelConfig } from '../model/config';
import { Candidate, ModelRun, ModelToken } from '../model/run';
import { Tensor } from '../model/tensor';
import { TrainingInfo, UNKNOWN_ID } from '../model/train/trainedModel';

/** Largest number of token rows (and heatmap columns) drawn in one table. */
export const MAX_DRAWN_TOKENS = 48;

/** The rows `firstRow ..` of a [rows, columns] stage. */
export interface MatrixView {
  readonly rows: number;
  readonly columns: number;
  readonly firstRow: number;
  readonly data: Float32Array;
}

/** The [h, T, T] scores or weights for tokens `first ..` on both axes. */
export interface SquareView {
  readonly heads: number;
  readonly size: number;
  readonly first: number;
  /** [h, size - first, size - first] */
  readonly data: Float32Array;
}

/** Stages shaped [h, T, T] or [T, V]; every other stage has one row per token. */
const NON_MATRIX_STAGES = ['scores', 'weights', 'logits', 'probabilities'] as const;

type TokenRowStage = Exclude<StageName, (typeof NON_MATRIX_STAGES)[number]>;

export type MatrixStage = TokenRowStage | 'positions';

export const MATRIX_STAGES = STAGE_NAMES.filter(
  (name): name is TokenRowStage => !(NON_MATRIX_STAGES as readonly string[]).includes(name),
);

export interface InspectorPayload {
  readonly config: ModelConfig;
  /** Record of the training run, or undefined for seeded random weights. */
  readonly training: TrainingInfo | undefined;
  /** Id of the unknown-word token, for a trained model; undefined otherwise. */
  readonly unknownId: number | undefined;
  /** Tokens with offsets into the document. */
  readonly tokens: readonly ModelToken[];
  readonly vocabulary: readonly string[];
  /** Characters before the first token read, when the text was longer than the context. */
  readonly droppedCharacters: number;
  readonly prediction: Candidate;
  readonly topCandidates: readonly Candidate[];
  /** First token the tables draw. */
  readonly firstRow: number;
  readonly matrices: Partial<Record<MatrixStage, MatrixView>>;
  readonly scores: SquareView;
  /** Every head's full weights, for the canvas heatmap. */
  readonly weights: SquareView;
  /** Logits of the last position. [V] */
  readonly lastLogits: Float32Array;
  /** For each position, the most likely next token's id and probability. [T] */
  readonly positionPredictions: { readonly ids: Int32Array; readonly probabilities: Float32Array };
}

/** Returns the first token drawn when only the last MAX_DRAWN_TOKENS of `count` fit. */
export function firstDrawnToken(count: number): number {
  return Math.max(0, count - MAX_DRAWN_TOKENS);
}

/** Builds the payload of `run`, whose token offsets start at `offset` in the document. */
export function toInspectorPayload(
  run: ModelRun,
  offset: number,
  training: TrainingInfo | undefined,
): InspectorPayload {
  const { trace } = run;
  const count = run.tokens.length;
  const firstRow = firstDrawnToken(count);
  const heads = run.config.heads;

  const matrices: Partial<Record<MatrixStage, MatrixView>> = {};
  for (const name of MATRIX_STAGES) {
    matrices[name] = matrixView(trace[name], firstRow);
  }
  if (trace.positions !== undefined) {
    matrices.positions = matrixView(trace.positions, firstRow);
  }

  const vocabularySize = run.vocabulary.length;
  const ids = new Int32Array(count);
  const probabilities = new Float32Array(count);
  for (let t = 0; t < count; t++) {
    const row = trace.probabilities.data.subarray(t * vocabularySize, (t + 1) * vocabularySize);
    ids[t] = argmax(row);
    probabilities[t] = row[ids[t]];
  }

  return {
    config: run.config,
    training,
    unknownId: training === undefined ? undefined : UNKNOWN_ID,
    tokens: run.tokens.map((token) => ({
      ...token,
      start: token.start + offset,
      end: token.end + offset,
    })),
    vocabulary: run.vocabulary,
    droppedCharacters: run.droppedCharacters,
    prediction: run.prediction,
    topCandidates: run.topCandidates,
    firstRow,
    matrices,
    scores: squareWindow(trace.scores.data, heads, count, firstRow),
    weights: { heads, size: count, first: 0, data: trace.weights.data },
    lastLogits: trace.logits.data.slice((count - 1) * vocabularySize),
    positionPredictions: { ids, probabilities },
  };
}

function matrixView(tensor: Tensor, firstRow: number): MatrixView {
  const [rows, columns] = tensor.shape;
  return { rows, columns, firstRow, data: tensor.data.slice(firstRow * columns) };
}

function squareWindow(data: Float32Array, heads: number, size: number, first: number): SquareView {
  const drawn = size - first;
  const window = new Float32Array(heads * drawn * drawn);
  for (let k = 0; k < heads; k++) {
    for (let i = 0; i < drawn; i++) {
      const from = k * size * size + (first + i) * size + first;
      window.set(data.subarray(from, from + drawn), (k * drawn + i) * drawn);
    }
  }
  return { heads, size, first, data: window };
}

/** Returns the value at (row, column) of a matrix view; `row` counts from the first token. */
export function matrixValue(view: MatrixView, row: number, column: number): number {
  return view.data[(row - view.firstRow) * view.columns + column];
}

/** Returns head `head`'s value at (i, j) of a square view; i and j count from the first token. */
export function squareValue(view: SquareView, head: number, i: number, j: number): number {
  const drawn = view.size - view.first;
  return view.data[(head * drawn + (i - view.first)) * drawn + (j - view.first)];
}
