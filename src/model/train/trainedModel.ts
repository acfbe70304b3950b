/**
 * A trained model: its configuration, its vocabulary and its weights, plus a
 * record of the training run. A trained vocabulary starts with `<unk>` at id
 * 0, so that a word the training text never contained still has an id.
 */
import { ModelConfig } from '../config';
import { Parameters } from '../parameters';

/** The token that stands for every word outside the trained vocabulary. */
export const UNKNOWN_TOKEN = '<unk>';
export const UNKNOWN_ID = 0;

/** Record of a training run: the text's name, the step counts, the final loss and the accuracy. */
export interface TrainingInfo {
  /** Name of the training text, for example its file name. */
  readonly document: string;
  /** Number of optimizer steps taken. */
  readonly steps: number;
  readonly epochs: number;
  /** Mean loss over the last epoch. */
  readonly finalLoss: number;
  /** Share of next-token predictions on the training text that were right, 0 to 1. */
  readonly accuracy?: number;
}

export interface TrainedModel {
  readonly config: ModelConfig;
  /** Token strings by id; id 0 is `<unk>`. */
  readonly vocabulary: string[];
  readonly parameters: Parameters;
  readonly info: TrainingInfo;
}

/** Returns `<unk>` followed by the distinct `words` in order of first appearance. */
export function buildTrainedVocabulary(words: Iterable<string>): string[] {
  const vocabulary = [UNKNOWN_TOKEN];
  const seen = new Set(vocabulary);
  for (const word of words) {
    if (!seen.has(word)) {
      seen.add(word);
      vocabulary.push(word);
    }
  }
  return vocabulary;
}

/** Returns the id of each word in `vocabulary`, with `<unk>`'s id 0 for unknown words. */
export function encodeWords(words: readonly string[], vocabulary: readonly string[]): number[] {
  const ids = new Map<string, number>();
  vocabulary.forEach((word, id) => {
    if (!ids.has(word)) {
      ids.set(word, id);
    }
  });
  return words.map((word) => ids.get(word) ?? UNKNOWN_ID);
}
