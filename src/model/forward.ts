/**
 * The forward pass, in the model's five steps: embed the token ids (and add
 * position vectors, if the model has them), attend, apply the feed-forward
 * network, project to the vocabulary, and turn the scores into
 * probabilities. It returns every intermediate matrix so that the inspector
 * and the CLI can show them.
 */
import { selfAttention } from './attention';
import { feedForward } from './feedForward';
import { wasmForward } from './kernels/forwardKernel';
import { add, addBiasInPlace, matmul } from './matrix';
import { Parameters } from './parameters';
import { PositionEncoding, positionVectors } from './positions';
import { softmaxRow } from './softmax';
import { Tensor, matrixSize } from './tensor';

/** Names of the stages in the order the forward pass computes them. */
export const STAGE_NAMES = [
  'embeddings',
  'queries',
  'keys',
  'values',
  'scores',
  'weights',
  'context',
  'attention',
  'residual',
  'hidden',
  'feedForward',
  'output',
  'logits',
  'probabilities',
] as const;

export type StageName = (typeof STAGE_NAMES)[number];

/**
 * Every stage of one run. `positions` contains the position vectors P of the
 * T positions and is present only when the model has positions. The block's
 * input is then `embeddings + positions`, so `residual` is that sum plus
 * `attention`.
 */
export type Trace = Readonly<Record<StageName, Tensor>> & { readonly positions?: Tensor };

export interface ForwardOptions {
  /**
   * Returns the stages as views into the kernels' memory, valid only until
   * the next forward pass, instead of copying them out. For callers that
   * read each pass before running the next, such as training: it saves
   * allocating and copying every stage.
   */
  readonly reuseMemory?: boolean;
}

/** Runs the model on `ids` and returns every stage. */
export function forward(
  ids: readonly number[],
  parameters: Parameters,
  heads: number,
  causalMask: boolean,
  positionEncoding: PositionEncoding = 'none',
  options: ForwardOptions = {},
): Trace {
  const [vocabularySize, d] = matrixSize(parameters.embeddings, 'embedding table');
  ids.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabularySize) {
      throw new RangeError(
        `token id ${id} at position ${t} is outside the vocabulary of ${vocabularySize}`,
      );
    }
  });
  const T = ids.length;
  const positions = positionVectors(positionEncoding, T, d, parameters.positions); // [T, d]

  // The kernels run the same steps as below, in their own memory.
  const fast = wasmForward(
    ids,
    parameters,
    heads,
    causalMask,
    positions?.data,
    options.reuseMemory === true,
  );
  if (fast !== undefined) {
    const matrix = (data: Float32Array, columns: number): Tensor => ({ shape: [T, columns], data });
    const stage = (name: Exclude<StageName, 'scores' | 'weights'>): Tensor =>
      matrix(fast[name], fast[name].length / Math.max(1, T));
    return {
      embeddings: stage('embeddings'),
      ...(positions === undefined ? {} : { positions }),
      queries: stage('queries'),
      keys: stage('keys'),
      values: stage('values'),
      scores: { shape: [heads, T, T], data: fast.scores },
      weights: { shape: [heads, T, T], data: fast.weights },
      context: stage('context'),
      attention: stage('attention'),
      residual: stage('residual'),
      hidden: stage('hidden'),
      feedForward: stage('feedForward'),
      output: stage('output'),
      logits: stage('logits'),
      probabilities: stage('probabilities'),
    };
  }

  // 1. Embedding: look up one row per token.
  const embeddings = new Float32Array(T * d); // [T, d]
  ids.forEach((id, t) => {
    embeddings.set(parameters.embeddings.data.subarray(id * d, (id + 1) * d), t * d);
  });
  const tokenEmbeddings: Tensor = { shape: [T, d], data: embeddings };

  // Position vectors make the block's input depend on where each token is.
  const x = positions === undefined ? tokenEmbeddings : add(tokenEmbeddings, positions); // [T, d]

  // 2. Attention, added back onto its input (the residual connection).
  const attention = selfAttention(x, parameters, heads, causalMask);
  const residual = add(x, attention.attention); // [T, d]

  // 3. Feed-forward, again with a residual connection.
  const ff = feedForward(residual, parameters);
  const output = add(residual, ff.feedForward); // [T, d]

  // 4. Output: one score (logit) per vocabulary word at every position.
  const logits = addBiasInPlace(
    matmul(output, parameters.vocabularyWeight),
    parameters.vocabularyBias.data,
  ); // [T, V]

  // 5. Softmax turns each position's logits into probabilities.
  const probabilities = new Float32Array(logits.data.length); // [T, V]
  for (let t = 0; t < T; t++) {
    softmaxRow(logits.data, probabilities, t * vocabularySize, vocabularySize);
  }

  return {
    embeddings: tokenEmbeddings,
    ...(positions === undefined ? {} : { positions }),
    ...attention,
    residual,
    ...ff,
    output,
    logits,
    probabilities: { shape: [T, vocabularySize], data: probabilities },
  };
}

/** Returns the index of the largest value in `row`; a tie goes to the lowest index. */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) {
    if (row[i] > row[best]) {
      best = i;
    }
  }
  return best;
}
