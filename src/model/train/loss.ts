/**
 * Softmax cross-entropy, the training loss of next-token prediction. It
 * starts from the logits rather than the forward pass's float32
 * probabilities, because a probability that rounds to 0 would make the loss
 * Infinity where the exact value is finite.
 */
import { Tensor, matrixSize } from '../tensor';

export interface LossResult {
  /** Mean over the T positions of -log p(target). */
  readonly loss: number;
  /** Gradient of the loss with respect to the logits: (softmax(L) - onehot(target)) / T. */
  readonly dLogits: Tensor; // [T, V]
}

/**
 * Returns the mean cross-entropy of `logits` [T, V] against `targets` (one
 * id per row) and its gradient. Each row's log-sum-exp is computed in
 * float64 after subtracting the row's maximum, so large logits do not
 * overflow.
 */
export function crossEntropy(logits: Tensor, targets: readonly number[]): LossResult {
  const [T, V] = matrixSize(logits, 'logits');
  if (targets.length !== T) {
    throw new RangeError(`${targets.length} targets given for ${T} rows of logits`);
  }
  const dLogits = new Float32Array(T * V); // [T, V]
  const probabilities = new Float64Array(V);
  let total = 0;

  for (let t = 0; t < T; t++) {
    const target = targets[t];
    if (!Number.isInteger(target) || target < 0 || target >= V) {
      throw new RangeError(
        `target id ${target} at position ${t} is outside the vocabulary of ${V}`,
      );
    }
    const offset = t * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) {
      max = Math.max(max, logits.data[offset + j]);
    }
    let sum = 0;
    for (let j = 0; j < V; j++) {
      probabilities[j] = Math.exp(logits.data[offset + j] - max);
      sum += probabilities[j];
    }
    // -log softmax(L)[target] = log(sum) + max - L[target]
    total += Math.log(sum) + max - logits.data[offset + target];
    for (let j = 0; j < V; j++) {
      const p = probabilities[j] / sum;
      dLogits[offset + j] = (p - (j === target ? 1 : 0)) / T;
    }
  }
  return { loss: total / T, dLogits: { shape: [T, V], data: dLogits } };
}
