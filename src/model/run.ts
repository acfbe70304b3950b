/**
 * Runs the whole model on a piece of text: tokenize, keep the last
 * `contextLength` tokens, number them, draw seeded weights and run the
 * forward pass. The extension, the CLI and the tests all call `runModel`, so
 * they agree on every number for the same text and configuration.
 */
import { ModelConfig } from './config';
import { Trace, argmax, forward } from './forward';
import { initParameters } from './parameters';
import { Token, Vocabulary, tokenizeTail } from './tokenizer';

export interface ModelToken extends Token {
  /** The token's vocabulary id. */
  readonly id: number;
}

export interface Candidate {
  readonly word: string;
  readonly id: number;
  readonly probability: number;
}

export interface ModelRun {
  readonly config: ModelConfig;
  /** The tokens the model read, with offsets into the original text. */
  readonly tokens: readonly ModelToken[];
  readonly vocabulary: readonly string[];
  /**
   * Characters before the first token read, when the text contains more tokens
   * than the context; 0 when the model read every token.
   */
  readonly droppedCharacters: number;
  readonly trace: Trace;
  /** The most likely next word after the last token. */
  readonly prediction: Candidate;
  /** The most likely next words, most likely first. */
  readonly topCandidates: readonly Candidate[];
}

/** Number of candidates a run reports beside the prediction. */
export const TOP_CANDIDATES = 10;

/** Thrown when the text contains no token, so there is nothing to predict from. */
export class EmptyTextError extends Error {
  constructor() {
    super('the text contains no words or punctuation to predict from');
    this.name = 'EmptyTextError';
  }
}

/**
 * Returns the last `contextLength` tokens of `text`, tokenizing only as much
 * of its end as they need. Throws EmptyTextError when there is no token.
 */
export function readContext(text: string, contextLength: number): Token[] {
  const tokens = tokenizeTail(text, contextLength);
  if (tokens.length === 0) {
    throw new EmptyTextError();
  }
  return tokens;
}

/** Returns how many characters precede `kept` when they hold a token the context dropped, else 0. */
export function droppedCharacters(text: string, kept: readonly Token[]): number {
  const start = kept[0].start;
  return /\S/u.test(text.slice(0, start)) ? start : 0;
}

/** Tokenizes `text` and runs the untrained model on it. */
export function runModel(text: string, config: ModelConfig): ModelRun {
  const kept = readContext(text, config.contextLength);

  const vocabulary = Vocabulary.fromWords(kept.map((token) => token.text));
  const tokens = kept.map((token) => ({ ...token, id: vocabulary.add(token.text) }));
  const parameters = initParameters(config, vocabulary.size);
  const trace = forward(
    tokens.map((token) => token.id),
    parameters,
    config.heads,
    config.causalMask,
    config.positions,
  );

  return assembleRun(text, config, tokens, vocabulary, trace);
}

/** Ranks the next-word candidates of a finished forward pass and returns the run. */
export function assembleRun(
  text: string,
  config: ModelConfig,
  tokens: readonly ModelToken[],
  vocabulary: Vocabulary,
  trace: Trace,
): ModelRun {
  const candidates = rankCandidates(lastRow(trace.probabilities.data, vocabulary.size), vocabulary);
  return {
    config,
    tokens,
    vocabulary: vocabulary.words,
    droppedCharacters: droppedCharacters(text, tokens),
    trace,
    prediction: candidates[0],
    topCandidates: candidates.slice(0, TOP_CANDIDATES),
  };
}

/** Returns the last `width` entries of `data`: the last row of a [T, width] matrix. */
export function lastRow(data: Float32Array, width: number): Float32Array {
  return data.subarray(data.length - width);
}

/** Sorts the vocabulary by probability, highest first; ties by lowest id. */
export function rankCandidates(probabilities: Float32Array, vocabulary: Vocabulary): Candidate[] {
  const best = argmax(probabilities);
  const order = Array.from(probabilities.keys()).sort(
    (a, b) => probabilities[b] - probabilities[a] || a - b,
  );
  // The argmax leads even if a NaN made the sort order meaningless.
  const ranked = [best, ...order.filter((id) => id !== best)];
  return ranked.map((id) => ({ word: vocabulary.wordOf(id), id, probability: probabilities[id] }));
}
