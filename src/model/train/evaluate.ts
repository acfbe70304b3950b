/**
 * Runs a trained model: on a text, to predict the next word (the same
 * `ModelRun` that runModel returns for the untrained model), and over a whole
 * text, to measure how many next tokens it predicts right.
 */
import { Trace, argmax, forward } from '../forward';
import { ModelRun, assembleRun, lastRow, readContext } from '../run';
import { Vocabulary, tokenize } from '../tokenizer';
import { TrainedModel, encodeWords } from './trainedModel';

/**
 * Tokenizes `text`, keeps the last `contextLength` tokens and runs the
 * trained model on them. Words outside the model's vocabulary get the id of
 * `<unk>`, 0, and keep their own text in `tokens`.
 */
export function runTrainedModel(text: string, model: TrainedModel): ModelRun {
  const { config } = model;
  const contextTokens = readContext(text, config.contextLength);
  const ids = encodeWords(
    contextTokens.map((token) => token.text),
    model.vocabulary,
  );
  const tokens = contextTokens.map((token, index) => ({ ...token, id: ids[index] }));
  const trace = predictIds(ids, model);

  return assembleRun(text, config, tokens, Vocabulary.fromWords(model.vocabulary), trace);
}

/** Runs the forward pass of `model` on token ids. */
export function predictIds(ids: readonly number[], model: TrainedModel): Trace {
  const { config } = model;
  return forward(ids, model.parameters, config.heads, config.causalMask, config.positions);
}

export interface AccuracyReport {
  /** Number of next tokens predicted right. */
  readonly correct: number;
  /** Number of next tokens predicted: the text's token count minus 1. */
  readonly total: number;
  /** correct / total, from 0 to 1. */
  readonly accuracy: number;
}

/**
 * Measures next-token accuracy on `text`: for every token after the first,
 * whether the argmax of the model's prediction from the tokens before it
 * (the last `contextLength` of them) is that token. This is what
 * runTrainedModel would predict for the text cut just before the token.
 * `beforeEachRun` is called before each forward pass, so a caller can
 * cancel by throwing from it.
 */
export function evaluateAccuracy(
  text: string,
  model: TrainedModel,
  beforeEachRun: () => void = () => {},
): AccuracyReport {
  const ids = encodeWords(
    tokenize(text).map((token) => token.text),
    model.vocabulary,
  );
  if (ids.length < 2) {
    throw new RangeError(`accuracy needs a text of at least 2 tokens, but it has ${ids.length}`);
  }
  const { contextLength, causalMask } = model.config;
  const V = model.vocabulary.length;
  let correct = 0;

  // With the causal mask, row i of one run over the first tokens attends to
  // exactly tokens 0..i, so a single run predicts all of them.
  let next = 0;
  if (causalMask) {
    const length = Math.min(contextLength, ids.length - 1);
    beforeEachRun();
    const probabilities = predictIds(ids.slice(0, length), model).probabilities.data; // [T, V]
    for (let i = 0; i < length; i++) {
      if (argmax(probabilities.subarray(i * V, (i + 1) * V)) === ids[i + 1]) {
        correct++;
      }
    }
    next = length;
  }

  // Every later position needs a run of its own over the tokens before it.
  for (let i = next; i < ids.length - 1; i++) {
    const start = Math.max(0, i + 1 - contextLength);
    beforeEachRun();
    const probabilities = predictIds(ids.slice(start, i + 1), model).probabilities.data;
    if (argmax(lastRow(probabilities, V)) === ids[i + 1]) {
      correct++;
    }
  }

  const total = ids.length - 1;
  return { correct, total, accuracy: correct / total };
}
