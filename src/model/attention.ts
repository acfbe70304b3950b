/**
 * Multi-head self-attention. Each position forms a question (its query),
 * compares it with every position's key, turns the scores into weights that
 * sum to 1, and blends the positions' values with those weights. Head k
 * works on columns k*d_head .. (k+1)*d_head - 1 of the queries, keys and
 * values. `referenceAttentionHeads` contains the readable loops, and the
 * WebAssembly kernel in kernels/attentionKernel.ts computes the same where
 * it is available.
 */
import { AttentionHeads, wasmAttentionHeads } from './kernels/attentionKernel';
import { matmul } from './matrix';
import { Parameters } from './parameters';
import { referenceSoftmaxRow } from './softmax';
import { Tensor, matrixSize } from './tensor';

export interface AttentionTrace {
  readonly queries: Tensor; // [T, d]
  readonly keys: Tensor; // [T, d]
  readonly values: Tensor; // [T, d]
  /** Scaled scores; under the causal mask, entry (i, j) with j > i is -Infinity. */
  readonly scores: Tensor; // [h, T, T]
  readonly weights: Tensor; // [h, T, T]
  /** The heads' blended values side by side, before the output projection. */
  readonly context: Tensor; // [T, d]
  readonly attention: Tensor; // [T, d]
}

/** Runs self-attention over `x` of shape [T, d]. */
export function selfAttention(
  x: Tensor,
  parameters: Parameters,
  heads: number,
  causalMask: boolean,
): AttentionTrace {
  const [T, d] = matrixSize(x, 'attention input');
  if (d % heads !== 0) {
    throw new RangeError(`embedding size ${d} is not divisible by ${heads} heads`);
  }

  // Project every position to a query, a key and a value.
  const queries = matmul(x, parameters.queryWeight); // [T, d]
  const keys = matmul(x, parameters.keyWeight); // [T, d]
  const values = matmul(x, parameters.valueWeight); // [T, d]
  const q = queries.data;
  const k = keys.data;
  const v = values.data;

  const { scores, weights, context } =
    wasmAttentionHeads(q, k, v, T, d, heads, causalMask) ??
    referenceAttentionHeads(q, k, v, T, d, heads, causalMask);

  const contextTensor: Tensor = { shape: [T, d], data: context };
  return {
    queries,
    keys,
    values,
    scores: { shape: [heads, T, T], data: scores },
    weights: { shape: [heads, T, T], data: weights },
    context: contextTensor,
    attention: matmul(contextTensor, parameters.outputWeight), // [T, d]
  };
}

/**
 * Computes every head's scores, weights and context from queries, keys and
 * values of shape [T, d] with the readable loops, summing in float64.
 */
export function referenceAttentionHeads(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  T: number,
  d: number,
  heads: number,
  causalMask: boolean,
): AttentionHeads {
  const dHead = d / heads;
  const scale = 1 / Math.sqrt(dHead);
  const scores = new Float32Array(heads * T * T); // [h, T, T]
  const weights = new Float32Array(heads * T * T); // [h, T, T]
  const context = new Float32Array(T * d); // [T, d]

  for (let head = 0; head < heads; head++) {
    const column = head * dHead;
    const block = head * T * T;

    // Scores: S = Q_h K_h^T / sqrt(d_head), and -Infinity where the mask hides key j from query i.
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        if (causalMask && j > i) {
          scores[block + i * T + j] = -Infinity;
          continue;
        }
        let dot = 0;
        for (let c = 0; c < dHead; c++) {
          dot += q[i * d + column + c] * k[j * d + column + c];
        }
        scores[block + i * T + j] = dot * scale;
      }
    }

    // Weights: softmax of each row; with the causal mask, row i covers columns 0..i.
    for (let i = 0; i < T; i++) {
      const visible = causalMask ? i + 1 : T;
      referenceSoftmaxRow(scores, weights, block + i * T, T, visible);
    }

    // Context: A_h V_h, written into this head's columns.
    for (let i = 0; i < T; i++) {
      for (let c = 0; c < dHead; c++) {
        let sum = 0;
        for (let j = 0; j < T; j++) {
          sum += weights[block + i * T + j] * v[j * d + column + c];
        }
        context[i * d + column + c] = sum;
      }
    }
  }

  return { scores, weights, context };
}
