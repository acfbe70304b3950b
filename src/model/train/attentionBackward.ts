/**
 * Backpropagation through multi-head self-attention, from the gradient of
 * the attention output back to the gradient of the block's input X. Each
 * head repeats the forward pass's steps in reverse: output projection,
 * weighted sum of values, masked softmax, scaled dot products, and the
 * query, key and value projections.
 */
import { AttentionTrace } from '../attention';
import { add, matmul, matmulTransposed } from '../matrix';
import { Tensor, matrixSize } from '../tensor';
import { transpose } from './tensorOps';

/** Gradients of the attention weights and of the block's input. */
export interface AttentionGradients {
  readonly queryWeight: Tensor; // [d, d]
  readonly keyWeight: Tensor; // [d, d]
  readonly valueWeight: Tensor; // [d, d]
  readonly outputWeight: Tensor; // [d, d]
  /** Gradient with respect to the attention input X. */
  readonly input: Tensor; // [T, d]
}

export interface AttentionWeights {
  readonly queryWeight: Tensor;
  readonly keyWeight: Tensor;
  readonly valueWeight: Tensor;
  readonly outputWeight: Tensor;
}

/**
 * Returns the gradients of attention given `dAttention` = dLoss/d(C W_o).
 * `x` is the attention input and `trace` the forward pass's attention stages.
 * The causal mask needs no handling here: masked weights are 0 in the
 * trace, so no gradient flows through them.
 */
export function attentionBackward(
  dAttention: Tensor,
  x: Tensor,
  trace: AttentionTrace,
  weights: AttentionWeights,
  heads: number,
): AttentionGradients {
  // attention = C W_o, so dW_o = C^T dA and dC = dA W_o^T.
  const outputWeight = matmul(transpose(trace.context), dAttention); // [d, d]
  const dContext = matmulTransposed(dAttention, weights.outputWeight); // [T, d]

  const { dQueries, dKeys, dValues } = headsBackward(dContext, trace, heads);

  // Q = X W_q, K = X W_k, V = X W_v: each adds its share to dX.
  const xT = transpose(x); // [d, T]
  const dInput = add(
    add(
      matmulTransposed(dQueries, weights.queryWeight),
      matmulTransposed(dKeys, weights.keyWeight),
    ),
    matmulTransposed(dValues, weights.valueWeight),
  ); // [T, d]
  return {
    queryWeight: matmul(xT, dQueries), // [d, d]
    keyWeight: matmul(xT, dKeys), // [d, d]
    valueWeight: matmul(xT, dValues), // [d, d]
    outputWeight,
    input: dInput,
  };
}

/**
 * Backpropagates dC through every head's softmax-weighted sum and scaled
 * dot products, and returns dQ, dK and dV with the heads side by side. It
 * computes what `referenceHeadsBackward` computes, as matrix products that
 * the kernels run: per head, dA = dC V^T, dV = A^T dC, the softmax's
 * dS = A ⊙ (dA - rowsum(A ⊙ dA)) times the scale, dQ = dS K and dK = dS^T Q.
 * Masked weights are 0, so their dS is 0 too.
 */
export function headsBackward(
  dContext: Tensor,
  trace: AttentionTrace,
  heads: number,
): { dQueries: Tensor; dKeys: Tensor; dValues: Tensor } {
  const [T, d] = matrixSize(trace.queries, 'queries');
  const dHead = d / heads;
  const scale = 1 / Math.sqrt(dHead);
  const dQ = new Float32Array(T * d); // [T, d]
  const dK = new Float32Array(T * d); // [T, d]
  const dV = new Float32Array(T * d); // [T, d]

  for (let head = 0; head < heads; head++) {
    const column = head * dHead;
    const q = headColumns(trace.queries.data, T, d, column, dHead);
    const k = headColumns(trace.keys.data, T, d, column, dHead);
    const v = headColumns(trace.values.data, T, d, column, dHead);
    const dC = headColumns(dContext.data, T, d, column, dHead);
    const weights: Tensor = {
      shape: [T, T],
      data: trace.weights.data.subarray(head * T * T, (head + 1) * T * T),
    };
    const a = weights.data;

    const dA = matmulTransposed(dC, v).data; // [T, T]
    const dS = new Float32Array(T * T); // [T, T]
    for (let i = 0, row = 0; i < T; i++, row += T) {
      let weighted = 0;
      for (let j = 0; j < T; j++) {
        weighted += a[row + j] * dA[row + j];
      }
      for (let j = 0; j < T; j++) {
        dS[row + j] = a[row + j] * (dA[row + j] - weighted) * scale;
      }
    }
    const scores: Tensor = { shape: [T, T], data: dS };
    setHeadColumns(dV, matmul(transpose(weights), dC).data, T, d, column, dHead);
    setHeadColumns(dQ, matmul(scores, k).data, T, d, column, dHead);
    setHeadColumns(dK, matmul(transpose(scores), q).data, T, d, column, dHead);
  }
  return {
    dQueries: { shape: [T, d], data: dQ },
    dKeys: { shape: [T, d], data: dK },
    dValues: { shape: [T, d], data: dV },
  };
}

/** Returns columns column .. column + width - 1 of the [T, d] matrix `data` as a [T, width] tensor. */
function headColumns(
  data: Float32Array,
  T: number,
  d: number,
  column: number,
  width: number,
): Tensor {
  const out = new Float32Array(T * width);
  for (let t = 0; t < T; t++) {
    out.set(data.subarray(t * d + column, t * d + column + width), t * width);
  }
  return { shape: [T, width], data: out };
}

/** Writes the [T, width] matrix `head` into columns column .. of the [T, d] matrix `data`. */
function setHeadColumns(
  data: Float32Array,
  head: Float32Array,
  T: number,
  d: number,
  column: number,
  width: number,
): void {
  for (let t = 0; t < T; t++) {
    data.set(head.subarray(t * width, (t + 1) * width), t * d + column);
  }
}

/**
 * Computes `headsBackward` with the readable loops, position by position,
 * summing in float64.
 */
export function referenceHeadsBackward(
  dContext: Tensor,
  trace: AttentionTrace,
  heads: number,
  causalMask: boolean,
): { dQueries: Tensor; dKeys: Tensor; dValues: Tensor } {
  const [T, d] = matrixSize(trace.queries, 'queries');
  const dHead = d / heads;
  const scale = 1 / Math.sqrt(dHead);
  const q = trace.queries.data;
  const k = trace.keys.data;
  const v = trace.values.data;
  const a = trace.weights.data; // [h, T, T]
  const dC = dContext.data;

  // Sums run in float64 and are rounded to float32 once, as matrix.ts does.
  const dQ = new Float64Array(T * d); // [T, d]
  const dK = new Float64Array(T * d); // [T, d]
  const dV = new Float64Array(T * d); // [T, d]
  const dA = new Float64Array(T); // row i of [T, T]

  for (let head = 0; head < heads; head++) {
    const column = head * dHead;
    const block = head * T * T;

    for (let i = 0; i < T; i++) {
      // Masked entries have weight 0 and no gradient, so row i stops at `visible`.
      const visible = causalMask ? i + 1 : T;
      const row = block + i * T;
      const rowI = i * d + column;

      // C_i = sum_j A_ij V_j, so dA_ij = dC_i · V_j and dV_j += A_ij dC_i.
      let weighted = 0;
      for (let j = 0; j < visible; j++) {
        const rowJ = j * d + column;
        const aij = a[row + j];
        let dot = 0;
        for (let c = 0; c < dHead; c++) {
          dot += dC[rowI + c] * v[rowJ + c];
          dV[rowJ + c] += aij * dC[rowI + c];
        }
        dA[j] = dot;
        weighted += aij * dot;
      }

      // Softmax: dS_ij = A_ij (dA_ij - sum_k A_ik dA_ik).
      // S = scale Q K^T, so dQ_i += scale dS_ij K_j and dK_j += scale dS_ij Q_i.
      for (let j = 0; j < visible; j++) {
        const dScore = a[row + j] * (dA[j] - weighted) * scale;
        const rowJ = j * d + column;
        for (let c = 0; c < dHead; c++) {
          dQ[rowI + c] += dScore * k[rowJ + c];
          dK[rowJ + c] += dScore * q[rowI + c];
        }
      }
    }
  }
  return {
    dQueries: { shape: [T, d], data: Float32Array.from(dQ) },
    dKeys: { shape: [T, d], data: Float32Array.from(dK) },
    dValues: { shape: [T, d], data: Float32Array.from(dV) },
  };
}
