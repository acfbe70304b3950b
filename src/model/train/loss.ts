/**
 * Softmax cross-entropy, the training loss of next-token prediction. Given
 * the forward pass's probabilities, it reads the loss and its gradient from
 * them and skips computing every exp again. A row whose target probability
 * is too small to trust in float32 still takes its loss from the logits,
 * because a probability that rounds to 0 would make the loss Infinity where
 * the exact value is finite.
 */
import { Tensor, matrixSize } from '../tensor';

export interface LossResult {
  /** Mean over the T positions of -log p(target). */
  readonly loss: number;
  /** Gradient of the loss with respect to the logits: (softmax(L) - onehot(target)) / T. */
  readonly dLogits: Tensor; // [T, V]
}

/**
 * Below this, a float32 probability has lost too many digits to give
 * -log p; the loss of that row comes from the logits instead.
 */
const MIN_TRUSTED_PROBABILITY = 1e-30;

/**
 * Returns the mean cross-entropy of `logits` [T, V] against `targets` (one
 * id per row) and its gradient. Each row's log-sum-exp is computed in
 * float64 after subtracting the row's maximum, so large logits do not
 * overflow. With `probabilities`, the softmax of the same logits from the
 * forward pass, the gradient and loss come from those instead.
 */
export function crossEntropy(
  logits: Tensor,
  targets: readonly number[],
  probabilities?: Tensor,
): LossResult {
  const [T, V] = matrixSize(logits, 'logits');
  if (targets.length !== T) {
    throw new RangeError(`${targets.length} targets given for ${T} rows of logits`);
  }
  if (probabilities !== undefined && probabilities.data.length !== T * V) {
    throw new RangeError(`probabilities must have the logits' shape [${T}, ${V}]`);
  }
  const dLogits = new Float32Array(T * V); // [T, V]
  const row = new Float64Array(V);
  let total = 0;

  for (let t = 0; t < T; t++) {
    const target = targets[t];
    if (!Number.isInteger(target) || target < 0 || target >= V) {
      throw new RangeError(
        `target id ${target} at position ${t} is outside the vocabulary of ${V}`,
      );
    }
    const offset = t * V;
    const forwardProbabilities = probabilities?.data;
    if (forwardProbabilities !== undefined) {
      for (let j = 0; j < V; j++) {
        dLogits[offset + j] = forwardProbabilities[offset + j] / T;
      }
      dLogits[offset + target] = (forwardProbabilities[offset + target] - 1) / T;
      const p = forwardProbabilities[offset + target];
      total +=
        p > MIN_TRUSTED_PROBABILITY ? -Math.log(p) : logSumExpLoss(logits, offset, V, target, row);
      continue;
    }
    total += logSumExpLoss(logits, offset, V, target, row);
    for (let j = 0; j < V; j++) {
      dLogits[offset + j] = (row[j] - (j === target ? 1 : 0)) / T;
    }
  }
  return { loss: total / T, dLogits: { shape: [T, V], data: dLogits } };
}

/**
 * Returns -log softmax(L)[target] for the row of `logits` at `offset`, and
 * leaves the row's softmax in `probabilities`.
 */
function logSumExpLoss(
  logits: Tensor,
  offset: number,
  V: number,
  target: number,
  probabilities: Float64Array,
): number {
  let max = -Infinity;
  for (let j = 0; j < V; j++) {
    max = Math.max(max, logits.data[offset + j]);
  }
  let sum = 0;
  for (let j = 0; j < V; j++) {
    probabilities[j] = Math.exp(logits.data[offset + j] - max);
    sum += probabilities[j];
  }
  for (let j = 0; j < V; j++) {
    probabilities[j] /= sum;
  }
  // -log softmax(L)[target] = log(sum) + max - L[target]
  return Math.log(sum) + max - logits.data[offset + target];
}
