/**
 * The model's sizes and switches, their defaults and their accepted ranges.
 * The extension's settings and the CLI's flags both pass through
 * `validateConfig`, so a bad value is rejected with the same message in
 * either place.
 */
import { POSITION_ENCODINGS, PositionEncoding, isPositionEncoding } from './positions';

export interface ModelConfig {
  /** Length of each embedding vector (`d_model`). */
  readonly embeddingSize: number;
  /** Number of attention heads; must divide `embeddingSize`. */
  readonly heads: number;
  /** Width of the feed-forward layer's hidden vector (`d_ff`). */
  readonly feedForwardSize: number;
  /** Seed of the weights' random number generator. */
  readonly seed: number;
  /** Whether a position may attend only to itself and earlier positions. */
  readonly causalMask: boolean;
  /** Maximum number of tokens the model reads; longer input keeps its end. */
  readonly contextLength: number;
  /** Position vectors added to the embeddings; 'none' leaves the embeddings as they are. */
  readonly positions: PositionEncoding;
}

export const DEFAULT_CONFIG: ModelConfig = {
  embeddingSize: 16,
  heads: 1,
  feedForwardSize: 64,
  seed: 42,
  causalMask: true,
  contextLength: 512,
  positions: 'none',
};

interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/** Accepted range of each integer setting, inclusive. */
export const CONFIG_RANGES: Readonly<
  Record<Exclude<keyof ModelConfig, 'causalMask' | 'positions'>, IntegerRange>
> = {
  embeddingSize: { min: 2, max: 512 },
  heads: { min: 1, max: 16 },
  feedForwardSize: { min: 1, max: 4096 },
  seed: { min: 0, max: 4294967295 },
  contextLength: { min: 1, max: 4096 },
};

/** One rejected value: which setting, what it was, and why. */
export interface ConfigProblem {
  readonly key: keyof ModelConfig;
  readonly value: unknown;
  readonly message: string;
}

export interface ValidatedConfig {
  /** The usable configuration: each rejected value replaced by its default. */
  readonly config: ModelConfig;
  readonly problems: readonly ConfigProblem[];
}

/**
 * Checks every value of `input` and returns a usable configuration. A
 * missing value takes its default silently. A wrong-typed or out-of-range
 * value also takes its default, and adds a problem that names the value and
 * the accepted range.
 */
export function validateConfig(
  input: Partial<Record<keyof ModelConfig, unknown>>,
): ValidatedConfig {
  const problems: ConfigProblem[] = [];
  const integer = (key: keyof typeof CONFIG_RANGES): number => {
    const value = input[key];
    const { min, max } = CONFIG_RANGES[key];
    if (value === undefined) {
      return DEFAULT_CONFIG[key];
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push({
        key,
        value,
        message: `${key} is ${JSON.stringify(value)}, but it must be a whole number from ${min} to ${max}`,
      });
      return DEFAULT_CONFIG[key];
    }
    return value;
  };

  let embeddingSize = integer('embeddingSize');
  let heads = integer('heads');
  const feedForwardSize = integer('feedForwardSize');
  const seed = integer('seed');
  const contextLength = integer('contextLength');

  let causalMask = DEFAULT_CONFIG.causalMask;
  if (input.causalMask !== undefined) {
    if (typeof input.causalMask === 'boolean') {
      causalMask = input.causalMask;
    } else {
      problems.push({
        key: 'causalMask',
        value: input.causalMask,
        message: `causalMask is ${JSON.stringify(input.causalMask)}, but it must be true or false`,
      });
    }
  }

  let positions = DEFAULT_CONFIG.positions;
  if (input.positions !== undefined) {
    if (isPositionEncoding(input.positions)) {
      positions = input.positions;
    } else {
      problems.push({
        key: 'positions',
        value: input.positions,
        message: `positions is ${JSON.stringify(input.positions)}, but it must be one of ${POSITION_ENCODINGS.join(', ')}`,
      });
    }
  }

  if (embeddingSize % heads !== 0) {
    problems.push({
      key: 'heads',
      value: heads,
      message:
        `embeddingSize ${embeddingSize} is not divisible by heads ${heads}. ` +
        'Pick a heads count that divides it',
    });
    embeddingSize = DEFAULT_CONFIG.embeddingSize;
    heads = DEFAULT_CONFIG.heads;
  }

  return {
    config: { embeddingSize, heads, feedForwardSize, seed, causalMask, contextLength, positions },
    problems,
  };
}
