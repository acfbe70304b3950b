/**
 * Backpropagation through multi-head self-attention, from the gradient of
 * the attention output back to the gradient of the block's input X. Each
 * head repeats the forward pass's steps in reverse: output projection,
 * weighted sum of values, masked softmax, scaled dot products, and the
 * query, key and value projections.
 */
import { AttentionTrace } from '../attention';
import { add, matmul } from '../matrix';
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
 */
export function attentionBackward(
  dAttention: Tensor,
  x: Tensor,
  trace: AttentionTrace,
  weights: AttentionWeights,
  heads: number,
  causalMask: boolean,
): AttentionGradients {
  // attention = C W_o, so dW_o = C^T dA and dC = dA W_o^T.
  const outputWeight = matmul(transpose(trace.context), dAttention); // [d, d]
  const dContext = matmul(dAttention, transpose(weights.outputWeight)); // [T, d]

  const { dQueries, dKeys, dValues } = headsBackward(dContext, trace, heads, causalMask);

  // Q = X W_q, K = X W_k, V = X W_v: each adds its share to dX.
  const xT = transpose(x); // [d, T]
  const dInput = add(
    add(
      matmul(dQueries, transpose(weights.queryWeight)),
      matmul(dKeys, transpose(weights.keyWeight)),
    ),
    matmul(dValues, transpose(weights.valueWeight)),
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
 * dot products, and returns dQ, dK and dV with the heads side by side.
 */
function headsBackward(
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
