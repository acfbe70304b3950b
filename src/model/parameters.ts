/**
 * The model's weights: one transformer block between an embedding table and
 * a projection to the vocabulary. Fresh weights are drawn from seeded normal
 * streams (see random.ts); biases start at zero.
 */
import { ModelConfig } from './config';
import { fillNormal } from './random';
import { Tensor, zeros } from './tensor';

export interface Parameters {
  /** One row per token id. [V, d] */
  readonly embeddings: Tensor;
  /** [d, d] each */
  readonly queryWeight: Tensor;
  readonly keyWeight: Tensor;
  readonly valueWeight: Tensor;
  /** Attention output projection, applied to the heads' joined context. [d, d] */
  readonly outputWeight: Tensor;
  /** [d, d_ff] and [d_ff] */
  readonly w1: Tensor;
  readonly b1: Tensor;
  /** [d_ff, d] and [d] */
  readonly w2: Tensor;
  readonly b2: Tensor;
  /** One column per token id. [d, V] and [V] */
  readonly vocabularyWeight: Tensor;
  readonly vocabularyBias: Tensor;
  /**
   * Learned position vectors, one row per position. [contextLength, d] when
   * the configuration's positions are 'learned', and [0, d] otherwise.
   */
  readonly positions: Tensor;
}

/** Names of the parameter groups, in the order the model file stores them. */
export const PARAMETER_NAMES = [
  'embeddings',
  'queryWeight',
  'keyWeight',
  'valueWeight',
  'outputWeight',
  'w1',
  'b1',
  'w2',
  'b2',
  'vocabularyWeight',
  'vocabularyBias',
  'positions',
] as const satisfies readonly (keyof Parameters)[];

export type ParameterName = (typeof PARAMETER_NAMES)[number];

/** Draws fresh weights for a vocabulary of `vocabularySize` tokens. */
export function initParameters(config: ModelConfig, vocabularySize: number): Parameters {
  const d = config.embeddingSize;
  const dFF = config.feedForwardSize;
  const seed = config.seed;

  const square = (name: string): Tensor => {
    const weight = zeros([d, d]);
    fillNormal(weight.data, seed, name, 1 / Math.sqrt(d));
    return weight;
  };

  const embeddings = zeros([vocabularySize, d]);
  const vocabularyWeight = zeros([d, vocabularySize]);
  const column = new Float32Array(d);
  for (let id = 0; id < vocabularySize; id++) {
    fillNormal(embeddings.data.subarray(id * d, (id + 1) * d), seed, `embedding:${id}`, 1);
    fillNormal(column, seed, `output:${id}`, 1 / Math.sqrt(d));
    for (let i = 0; i < d; i++) {
      vocabularyWeight.data[i * vocabularySize + id] = column[i];
    }
  }

  const w1 = zeros([d, dFF]);
  fillNormal(w1.data, seed, 'feedForward.w1', 1 / Math.sqrt(d));
  const w2 = zeros([dFF, d]);
  fillNormal(w2.data, seed, 'feedForward.w2', 1 / Math.sqrt(dFF));

  const positionRows = config.positions === 'learned' ? config.contextLength : 0;
  const positions = zeros([positionRows, d]);
  for (let t = 0; t < positionRows; t++) {
    fillNormal(positions.data.subarray(t * d, (t + 1) * d), seed, `position:${t}`, 1);
  }

  return {
    embeddings,
    queryWeight: square('attention.query'),
    keyWeight: square('attention.key'),
    valueWeight: square('attention.value'),
    outputWeight: square('attention.output'),
    w1,
    b1: zeros([dFF]),
    w2,
    b2: zeros([d]),
    vocabularyWeight,
    vocabularyBias: zeros([vocabularySize]),
    positions,
  };
}
