/**
 * Trains the model on a text by next-token prediction. The vocabulary is
 * `<unk>` at id 0 followed by the text's tokens. Each step runs the forward
 * pass on one window of tokens and takes the cross-entropy of every
 * position's logits against the token that follows it. It then
 * backpropagates and applies one Adam update. Training is synchronous and
 * touches nothing outside its arguments, so it can run inside a worker
 * thread.
 */
import { ModelConfig, validateConfig } from '../config';
import { forward } from '../forward';
import { PARAMETER_NAMES, Parameters, initParameters } from '../parameters';
import { PositionEncoding } from '../positions';
import { tokenize } from '../tokenizer';
import { Adam } from './adam';
import { backward } from './backward';
import { TrainingCancelledError, TrainingDivergedError } from './errors';
import { evaluateAccuracy } from './evaluate';
import { crossEntropy } from './loss';
import { allFinite } from './tensorOps';
import { TrainedModel, buildTrainedVocabulary, encodeWords } from './trainedModel';
import { planWindows } from './windows';

export { TrainingCancelledError, TrainingDivergedError } from './errors';
export { evaluateAccuracy, runTrainedModel } from './evaluate';
export type { AccuracyReport } from './evaluate';
export { MAX_GENERATED_WORDS, joinWords, sampleNextWords } from './generate';
export type { GeneratedWord, SampleOptions } from './generate';
export { UNKNOWN_ID, UNKNOWN_TOKEN } from './trainedModel';
export type { TrainedModel, TrainingInfo } from './trainedModel';

export interface TrainOptions {
  readonly epochs: number;
  /** Adam's step size at the first step. It falls linearly to near 0 by the last step. */
  readonly learningRate: number;
  /** Window length in tokens, and the longest input the trained model reads. */
  readonly contextLength: number;
  readonly embeddingSize: number;
  readonly heads: number;
  readonly feedForwardSize: number;
  /** Seed of the initial weights and of the window order. */
  readonly seed: number;
  readonly causalMask: boolean;
  readonly positions: PositionEncoding;
  /** Name of the training text, stored in the model's training info. */
  readonly document: string;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 40,
  learningRate: 0.01,
  contextLength: 32,
  embeddingSize: 32,
  heads: 4,
  feedForwardSize: 64,
  seed: 42,
  causalMask: true,
  positions: 'sinusoidal',
  document: 'untitled',
};

/** Maximum number of epochs a training run accepts. */
export const MAX_EPOCHS = 100000;

export interface EpochReport {
  /** Number of the epoch just finished, from 1. */
  readonly epoch: number;
  readonly epochs: number;
  /** Mean loss over the epoch's targets. */
  readonly loss: number;
  /** Number of optimizer steps taken so far. */
  readonly step: number;
  /** Number of optimizer steps the whole run takes. */
  readonly steps: number;
}

export interface TrainCallbacks {
  /** Called after every epoch. */
  onEpoch?(report: EpochReport): void;
  /** Polled before every step and every accuracy run. Returning true cancels the run. */
  shouldStop?(): boolean;
}

/**
 * A step loss above this many times max(ln V, first step's loss) counts as
 * divergence. ln V is the loss of a uniform guess, so a loss ten times
 * larger means the weights are running away rather than learning.
 */
export const DIVERGENCE_FACTOR = 10;

/**
 * Trains a fresh model on `text` and returns it with its vocabulary and
 * training info. Options left out take DEFAULT_TRAIN_OPTIONS.
 * Throws a RangeError for invalid options or a text of fewer than 2 tokens,
 * TrainingCancelledError when `shouldStop` returns true, and
 * TrainingDivergedError when the loss diverges.
 */
export function trainModel(
  text: string,
  options: Partial<TrainOptions> = {},
  callbacks: TrainCallbacks = {},
): TrainedModel {
  const settings = withDefaults(options);
  const config = validateTrainOptions(settings);
  const words = tokenize(text).map((token) => token.text);
  const vocabulary = buildTrainedVocabulary(words);
  const ids = encodeWords(words, vocabulary);
  const plan = planWindows(ids.length, config.contextLength, settings.epochs, config.seed);
  const steps = plan.reduce((sum, windows) => sum + windows.length, 0);

  const parameters = initParameters(config, vocabulary.length);
  const adam = new Adam(parameters);
  let lossBound = Infinity;
  let step = 0;
  let finalLoss = NaN;

  for (let epoch = 0; epoch < plan.length; epoch++) {
    let lossSum = 0;
    let targetCount = 0;
    for (const window of plan[epoch]) {
      if (callbacks.shouldStop?.()) {
        throw new TrainingCancelledError(step);
      }
      const inputs = ids.slice(window.start, window.start + window.length);
      const targets = ids.slice(window.start + 1, window.start + window.length + 1);
      const trace = forward(inputs, parameters, config.heads, config.causalMask, config.positions, {
        reuseMemory: true,
      });
      const { loss, dLogits } = crossEntropy(trace.logits, targets, trace.probabilities);
      step++;

      if (step === 1) {
        lossBound = DIVERGENCE_FACTOR * Math.max(Math.log(vocabulary.length), loss);
      }
      checkLoss(loss, lossBound, step, settings.learningRate);
      const gradients = backward(inputs, trace, dLogits, parameters, config);
      // The step size falls linearly from learningRate to learningRate / steps.
      adam.update(parameters, gradients, settings.learningRate * (1 - (step - 1) / steps));
      checkWeights(parameters, step, settings.learningRate);

      lossSum += loss * window.length;
      targetCount += window.length;
    }
    finalLoss = lossSum / targetCount;
    callbacks.onEpoch?.({ epoch: epoch + 1, epochs: plan.length, loss: finalLoss, step, steps });
  }

  const model: TrainedModel = {
    config,
    vocabulary,
    parameters,
    info: { document: settings.document, steps, epochs: plan.length, finalLoss },
  };
  const { accuracy } = evaluateAccuracy(text, model, () => {
    if (callbacks.shouldStop?.()) {
      throw new TrainingCancelledError(step);
    }
  });
  return { ...model, info: { ...model.info, accuracy } };
}

/** Returns `options` with every missing or undefined value replaced by its default. */
function withDefaults(options: Partial<TrainOptions>): TrainOptions {
  const defined = Object.entries(options).filter(([, value]) => value !== undefined);
  return { ...DEFAULT_TRAIN_OPTIONS, ...Object.fromEntries(defined) };
}

/** Checks every option and returns the model configuration they describe. */
function validateTrainOptions(options: TrainOptions): ModelConfig {
  const { epochs, learningRate, document } = options;
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > MAX_EPOCHS) {
    throw new RangeError(
      `epochs is ${describeValue(epochs)}, but it must be a whole number from 1 to ${MAX_EPOCHS}`,
    );
  }
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw new RangeError(
      `learningRate is ${describeValue(learningRate)}, but it must be a positive number`,
    );
  }
  if (typeof document !== 'string') {
    throw new RangeError(`document is ${describeValue(document)}, but it must be a string`);
  }
  const { config, problems } = validateConfig({
    embeddingSize: options.embeddingSize,
    heads: options.heads,
    feedForwardSize: options.feedForwardSize,
    seed: options.seed,
    causalMask: options.causalMask,
    contextLength: options.contextLength,
    positions: options.positions,
  });
  if (problems.length > 0) {
    throw new RangeError(problems[0].message);
  }
  return config;
}

/** Formats an option's value for a message. Numbers print as themselves, so NaN is NaN. */
function describeValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

function checkLoss(loss: number, bound: number, step: number, learningRate: number): void {
  if (!Number.isFinite(loss) || loss > bound) {
    const value = Number.isFinite(loss)
      ? `${loss.toPrecision(4)}, above ${bound.toPrecision(4)}`
      : String(loss);
    throw new TrainingDivergedError(
      `training diverged at step ${step}: the loss is ${value}. ` +
        `Lower the learning rate (now ${learningRate}), for example to ${learningRate / 10}`,
      step,
    );
  }
}

function checkWeights(parameters: Parameters, step: number, learningRate: number): void {
  for (const name of PARAMETER_NAMES) {
    if (!allFinite(parameters[name].data)) {
      throw new TrainingDivergedError(
        `training diverged at step ${step}: ${name} has a NaN or infinite value. ` +
          `Lower the learning rate (now ${learningRate}), for example to ${learningRate / 10}`,
        step,
      );
    }
  }
}
