/**
 * The position-wise feed-forward network: the same two-layer network applied
 * to every position on its own, `ReLU(x W1 + b1) W2 + b2`.
 */
import { addBias, matmul, relu } from './matrix';
import { Parameters } from './parameters';
import { Tensor } from './tensor';

export interface FeedForwardTrace {
  readonly hidden: Tensor; // [T, d_ff]
  readonly feedForward: Tensor; // [T, d]
}

/** Runs the feed-forward network over `x` of shape [T, d]. */
export function feedForward(x: Tensor, parameters: Parameters): FeedForwardTrace {
  const hidden = relu(addBias(matmul(x, parameters.w1), parameters.b1.data)); // [T, d_ff]
  const output = addBias(matmul(hidden, parameters.w2), parameters.b2.data); // [T, d]
  return { hidden, feedForward: output };
}
