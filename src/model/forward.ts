/**
 * The forward pass, in the model's five steps: embed the token ids (and add
 * position vectors, if the model has them), attend, apply the feed-forward
 * network, project to the vocabulary, and turn the scores into
 * probabilities. It returns every intermediate matrix so that the inspector
 * and the CLI can show them.
 */
import { selfAttention } from './attention';
import { feedForward } from './feedForward';
import { KernelStages, wasmForward } from './kernels/forwardKernel';
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
  const T = ids.length;
  for (let t = 0; t < T; t++) {
    const id = ids[t];
    if (!Number.isInteger(id) || id < 0 || id >= vocabularySize) {
      throw new RangeError(
        `token id ${id} at position ${t} is outside the vocabulary of ${vocabularySize}`,
      );
    }
  }
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
    // Views into the kernels' memory come back as the same object each pass, and so does their trace.
    const known = tracesOfViews.get(fast);
    if (known !== undefined) {
      return known;
    }
    const trace = kernelTrace(fast, T, heads);
    if (options.reuseMemory === true) {
      tracesOfViews.set(fast, trace);
    }
    return trace;
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

const tracesOfViews = new WeakMap<KernelStages, Trace>();

/** Wraps the kernels' stages of T tokens in tensors. */
function kernelTrace(stages: KernelStages, T: number, heads: number): Trace {
  const matrix = (data: Float32Array): Tensor => ({
    shape: [T, T === 0 ? 0 : data.length / T],
    data,
  });
  return {
    embeddings: matrix(stages.embeddings),
    ...(stages.positions === undefined ? {} : { positions: matrix(stages.positions) }),
    queries: matrix(stages.queries),
    keys: matrix(stages.keys),
    values: matrix(stages.values),
    scores: { shape: [heads, T, T], data: stages.scores },
    weights: { shape: [heads, T, T], data: stages.weights },
    context: matrix(stages.context),
    attention: matrix(stages.attention),
    residual: matrix(stages.residual),
    hidden: matrix(stages.hidden),
    feedForward: matrix(stages.feedForward),
    output: matrix(stages.output),
    logits: matrix(stages.logits),
    probabilities: matrix(stages.probabilities),
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
