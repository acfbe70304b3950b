/**
 * Text generation with a trained model: predict a word, append it, and
 * repeat. Greedy decoding takes the most likely word each time. Sampling
 * draws from the probabilities, sharpened or flattened by a temperature and
 * cut to the k most likely words. Its draws come from a seeded stream, so
 * the same seed gives the same words.
 */
import { argmax } from '../forward';
import { lastRow } from '../run';
import { openStream } from '../random';
import { softmaxRow } from '../softmax';
import { tokenize } from '../tokenizer';
import { predictIds } from './evaluate';
import { TrainedModel, UNKNOWN_ID, encodeWords } from './trainedModel';

export interface SampleOptions {
  /** Number of words to generate. */
  readonly count: number;
  /** 0 picks the most likely word; above 0 samples from softmax(logits / temperature). */
  readonly temperature?: number;
  /** Sample only among the k most likely words; 0 means all of them. */
  readonly topK?: number;
  /** Seed of the sampling stream. */
  readonly seed?: number;
}

export interface GeneratedWord {
  readonly word: string;
  readonly id: number;
  /** The model's probability of the word (at temperature 1), before any cut. */
  readonly probability: number;
}

/** Maximum number of words one call generates. */
export const MAX_GENERATED_WORDS = 1000;

/**
 * Generates `count` words that continue `text`. `<unk>` is never generated,
 * because it stands for no particular word. Throws a RangeError for invalid
 * options or a text without tokens.
 */
export function sampleNextWords(
  text: string,
  model: TrainedModel,
  options: SampleOptions,
): GeneratedWord[] {
  const { count, temperature = 0, topK = 0, seed = 0 } = options;
  if (!Number.isInteger(count) || count < 0 || count > MAX_GENERATED_WORDS) {
    throw new RangeError(
      `count is ${count}, but it must be a whole number from 0 to ${MAX_GENERATED_WORDS}`,
    );
  }
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new RangeError(`temperature is ${temperature}, but it must be 0 or a positive number`);
  }
  if (!Number.isInteger(topK) || topK < 0) {
    throw new RangeError(`topK is ${topK}, but it must be a whole number, 0 for no limit`);
  }
  const ids = encodeWords(
    tokenize(text).map((token) => token.text),
    model.vocabulary,
  );
  if (ids.length === 0) {
    throw new RangeError('the text contains no words or punctuation to continue');
  }

  const V = model.vocabulary.length;
  const random = openStream(seed, 'sample');
  const generated: GeneratedWord[] = [];
  for (let n = 0; n < count; n++) {
    const context = ids.slice(Math.max(0, ids.length - model.config.contextLength));
    const trace = predictIds(context, model);
    const logits = lastRow(trace.logits.data, V);
    const probabilities = lastRow(trace.probabilities.data, V);

    const id =
      temperature === 0
        ? mostLikely(probabilities)
        : sample(logits, temperature, topK, random.next());
    generated.push({ word: model.vocabulary[id], id, probability: probabilities[id] });
    ids.push(id);
  }
  return generated;
}

/** Returns the argmax of `probabilities` other than `<unk>`. */
function mostLikely(probabilities: Float32Array): number {
  const masked = Float32Array.from(probabilities);
  masked[UNKNOWN_ID] = -Infinity;
  return argmax(masked);
}

/**
 * Draws an id from softmax(logits / temperature) over the `topK` largest
 * logits (all when topK is 0), with `<unk>` left out. `uniform` is in [0, 1).
 */
function sample(logits: Float32Array, temperature: number, topK: number, uniform: number): number {
  const candidates = Array.from(logits.keys())
    .filter((id) => id !== UNKNOWN_ID)
    .sort((a, b) => logits[b] - logits[a] || a - b);
  const shortlist = topK > 0 ? candidates.slice(0, topK) : candidates;

  const scaled = Float32Array.from(shortlist, (id) => logits[id] / temperature);
  const weights = new Float32Array(shortlist.length);
  softmaxRow(scaled, weights, 0, shortlist.length);

  let cumulative = 0;
  for (let i = 0; i < shortlist.length; i++) {
    cumulative += weights[i];
    if (uniform < cumulative) {
      return shortlist[i];
    }
  }
  // Rounding can leave the cumulative sum just below 1.
  return shortlist[shortlist.length - 1];
}

/** Characters that attach to the word before them, with no space in between. */
const CLOSING = /^[.,;:!?%)\]}”’]$/u;
const OPENING = /^[([{“‘]$/u;

/**
 * Joins generated words into text to append after `previous`: a space
 * before each word, except before closing punctuation and after opening
 * brackets and quotes.
 */
export function joinWords(previous: string, words: readonly string[]): string {
  let text = '';
  let before = previous.length > 0 ? previous[previous.length - 1] : '';
  for (const word of words) {
    const needsSpace =
      before !== '' && !/\s/u.test(before) && !CLOSING.test(word) && !OPENING.test(before);
    text += (needsSpace ? ' ' : '') + word;
    before = word[word.length - 1];
  }
  return text;
}
