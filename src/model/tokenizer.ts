/**
 * Splits text into word and punctuation tokens and numbers them. Word
 * boundaries come from the platform's Unicode segmentation (UAX #29 through
 * `Intl.Segmenter`), which keeps letters, marks and digits of any script
 * together, keeps an apostrophe between letters inside its word, and splits
 * Chinese, Japanese and Thai into words although they have no spaces. Every
 * other character is a token of its own grapheme cluster, so emoji
 * sequences and combining marks are never split, and whitespace is dropped.
 * Offsets count UTF-16 code units, as VS Code positions and JavaScript
 * strings do.
 */

export interface Token {
  /** The token's characters, exactly as they appear in the text. */
  readonly text: string;
  /** Offset of the first code unit, inclusive. */
  readonly start: number;
  /** Offset after the last code unit, exclusive. */
  readonly end: number;
}

const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });
const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const WHITESPACE = /^\s+$/u;

/** Returns the tokens of `text` in order. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const word of wordSegmenter.segment(text)) {
    if (word.isWordLike) {
      tokens.push({ text: word.segment, start: word.index, end: word.index + word.segment.length });
      continue;
    }
    for (const grapheme of graphemeSegmenter.segment(word.segment)) {
      if (WHITESPACE.test(grapheme.segment)) {
        continue;
      }
      const start = word.index + grapheme.index;
      tokens.push({ text: grapheme.segment, start, end: start + grapheme.segment.length });
    }
  }
  return tokens;
}

/** Token strings indexed by id, with the reverse lookup. */
export class Vocabulary {
  private readonly idsByWord = new Map<string, number>();
  private readonly wordList: string[] = [];

  /** Builds a vocabulary that numbers `words` in order of first appearance. */
  static fromWords(words: Iterable<string>): Vocabulary {
    const vocabulary = new Vocabulary();
    for (const word of words) {
      vocabulary.add(word);
    }
    return vocabulary;
  }

  /** Returns the id of `word`, giving it the next id if it is new. */
  add(word: string): number {
    const known = this.idsByWord.get(word);
    if (known !== undefined) {
      return known;
    }
    const id = this.wordList.length;
    this.idsByWord.set(word, id);
    this.wordList.push(word);
    return id;
  }

  /** Returns the id of `word`, or undefined when the vocabulary lacks it. */
  idOf(word: string): number | undefined {
    return this.idsByWord.get(word);
  }

  /** Returns the word with id `id`. */
  wordOf(id: number): string {
    const word = this.wordList[id];
    if (word === undefined) {
      throw new RangeError(`token id ${id} is outside the vocabulary of ${this.wordList.length}`);
    }
    return word;
  }

  get size(): number {
    return this.wordList.length;
  }

  get words(): readonly string[] {
    return this.wordList;
  }
}
