/**
 * The backward pass: the gradient of the loss with respect to every
 * parameter, written out by hand one stage at a time, in the reverse order
 * of forward.ts. Each function takes the gradient of its stage's output and
 * the forward pass's stored stages, and returns the gradients of its
 * weights and of its input.
 */
import { ModelConfig } from '../config';
import { Trace } from '../forward';
import { add, matmul, matmulTransposed } from '../matrix';
import { PARAMETER_NAMES, ParameterName, Parameters } from '../parameters';
import { Tensor, matrixSize, zeros } from '../tensor';
import { attentionBackward } from './attentionBackward';
import { accumulate, columnSums, transpose } from './tensorOps';

/** One gradient per parameter group, each with its parameter's shape. */
export type Gradients = Record<ParameterName, Tensor>;

/** Returns zero gradients shaped like `parameters`. */
export function zeroGradients(parameters: Parameters): Gradients {
  const gradients = {} as Gradients;
  for (const name of PARAMETER_NAMES) {
    gradients[name] = zeros(parameters[name].shape);
  }
  return gradients;
}

/**
 * Returns the gradient of the loss with respect to every parameter, given
 * `dLogits` = dLoss/dL and the forward pass `trace` of token `ids`. With
 * `sum`, it adds the gradients into `sum` and returns it, which saves a
 * zeroed gradient per call when a batch's gradients are summed.
 */
export function backward(
  ids: readonly number[],
  trace: Trace,
  dLogits: Tensor,
  parameters: Parameters,
  config: Pick<ModelConfig, 'heads' | 'positions'>,
  sum?: Gradients,
): Gradients {
  const gradients = sum ?? zeroGradients(parameters);

  // 4. Vocabulary projection: L = Y W_out + b_out.
  const vocabulary = linearBackward(dLogits, trace.output, parameters.vocabularyWeight);
  const dOutput = vocabulary.input; // [T, d]

  // 3. Y = R + F: the residual passes dY to both R and F unchanged.
  const ff = feedForwardBackward(dOutput, trace, parameters);
  const dResidual = add(dOutput, ff.input); // [T, d]

  // 2. R = X + attention: again both branches get dR.
  const x =
    trace.positions === undefined ? trace.embeddings : add(trace.embeddings, trace.positions);
  const attention = attentionBackward(dResidual, x, trace, parameters, config.heads);
  const dInput = add(dResidual, attention.input); // [T, d]

  // 1. X = E[ids] + P: scatter each row of dX back to its token and position.
  embeddingBackward(dInput, ids, gradients.embeddings);
  if (config.positions === 'learned') {
    positionsBackward(dInput, gradients.positions);
  }

  const dense: Omit<Gradients, 'embeddings' | 'positions'> = {
    vocabularyWeight: vocabulary.weight,
    vocabularyBias: vocabulary.bias,
    w1: ff.w1,
    b1: ff.b1,
    w2: ff.w2,
    b2: ff.b2,
    queryWeight: attention.queryWeight,
    keyWeight: attention.keyWeight,
    valueWeight: attention.valueWeight,
    outputWeight: attention.outputWeight,
  };
  if (sum === undefined) {
    return { ...gradients, ...dense };
  }
  for (const [name, gradient] of Object.entries(dense) as [ParameterName, Tensor][]) {
    accumulate(sum[name].data, gradient.data);
  }
  return sum;
}

/**
 * Backpropagates through `out = input W + b`: dW = input^T dOut,
 * db = column sums of dOut and dInput = dOut W^T.
 */
export function linearBackward(
  dOut: Tensor,
  input: Tensor,
  weight: Tensor,
): { weight: Tensor; bias: Tensor; input: Tensor } {
  return {
    weight: matmul(transpose(input), dOut), // [n, m]
    bias: columnSums(dOut), // [m]
    input: matmulTransposed(dOut, weight), // [T, n]
  };
}

/**
 * Backpropagates through `F = ReLU(R W_1 + b_1) W_2 + b_2`. ReLU passes the
 * gradient where its output H is positive and blocks it elsewhere, because
 * H > 0 exactly where the pre-activation is positive.
 */
export function feedForwardBackward(
  dFeedForward: Tensor,
  trace: Trace,
  parameters: Parameters,
): { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor; input: Tensor } {
  const second = linearBackward(dFeedForward, trace.hidden, parameters.w2);
  const dHidden = second.input; // [T, d_ff]
  const dPreActivation = new Float32Array(dHidden.data.length); // [T, d_ff]
  for (let i = 0; i < dPreActivation.length; i++) {
    dPreActivation[i] = trace.hidden.data[i] > 0 ? dHidden.data[i] : 0;
  }
  const first = linearBackward(
    { shape: dHidden.shape, data: dPreActivation },
    trace.residual,
    parameters.w1,
  );
  return {
    w1: first.weight,
    b1: first.bias,
    w2: second.weight,
    b2: second.bias,
    input: first.input,
  };
}

/** Adds row t of `dInput` [T, d] to row ids[t] of the embedding gradient [V, d]. */
export function embeddingBackward(
  dInput: Tensor,
  ids: readonly number[],
  dEmbeddings: Tensor,
): void {
  const [T, d] = matrixSize(dInput, 'input gradient');
  for (let t = 0; t < T; t++) {
    const row = ids[t] * d;
    for (let c = 0; c < d; c++) {
      dEmbeddings.data[row + c] += dInput.data[t * d + c];
    }
  }
}

/** Adds row t of `dInput` [T, d] to row t of the position table's gradient. */
export function positionsBackward(dInput: Tensor, dPositions: Tensor): void {
  const [T, d] = matrixSize(dInput, 'input gradient');
  for (let i = 0; i < T * d; i++) {
    dPositions.data[i] += dInput.data[i];
  }
}
