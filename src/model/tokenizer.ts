/**
 * Splits text into word and punctuation tokens and numbers them. Word
 * boundaries come from the platform's Unicode segmentation (UAX #29 through
 * `Intl.Segmenter`). It keeps letters, marks and digits of any script
 * together and an apostrophe between letters inside its word. It also splits
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
const WHITESPACE_CHARACTER = /\s/u;

/**
 * Characters segmented in one call. V8's Intl.Segmenter takes time that
 * grows with the square of the string's length (about 2 s for 128 KB in
 * Node 20), so long text is segmented in pieces of about this size.
 */
const CHUNK_SIZE = 4096;
/** How far past (or before) the nominal cut a chunk boundary is searched for. */
const CUT_SEARCH = 1024;

/** Returns the tokens of `text[start, end)` in order, with offsets into `text`. */
export function tokenize(text: string, start = 0, end = text.length): Token[] {
  const tokens: Token[] = [];
  let from = start;
  while (from < end) {
    const to = end - from <= CHUNK_SIZE ? end : findCut(text, from + CHUNK_SIZE, 1, end);
    tokenizeChunk(text.slice(from, to), from, tokens);
    from = to;
  }
  return tokens;
}

/**
 * Returns the last `count` tokens of `text`, segmenting only as much of its
 * end as needed, so a 10 MB document costs about as much as its last page.
 */
export function tokenizeTail(text: string, count: number): Token[] {
  // Trailing whitespace gives no token, so it is skipped rather than segmented.
  let end = text.length;
  while (end > 0 && WHITESPACE_CHARACTER.test(text[end - 1])) {
    end--;
  }
  let span = Math.max(CHUNK_SIZE, count * 16);
  for (;;) {
    const from = span >= end ? 0 : findCut(text, end - span, -1, end);
    const tokens = tokenize(text, from, end);
    if (tokens.length >= count || from === 0) {
      return tokens.slice(Math.max(0, tokens.length - count));
    }
    span *= 2;
  }
}

/**
 * Returns an offset near `position` where the text can be cut without
 * changing its tokens: just before a whitespace character that follows a
 * non-whitespace one, since no word or grapheme spans that point. Searches
 * in `direction` for up to CUT_SEARCH characters.
 */
function findCut(text: string, position: number, direction: 1 | -1, end: number): number {
  for (let step = 0; step < CUT_SEARCH; step++) {
    const q = position + step * direction;
    // No token spans the start or the end of the text, so both are safe cuts.
    if (q <= 0) {
      return 0;
    }
    if (q >= end) {
      return end;
    }
    if (WHITESPACE_CHARACTER.test(text[q]) && !WHITESPACE_CHARACTER.test(text[q - 1])) {
      return q;
    }
  }
  // NOTE: text with no whitespace for CUT_SEARCH characters (long runs of
  // Chinese, Japanese or Thai, say) is cut at a grapheme boundary instead,
  // which may split the one word that spans the cut into two tokens.
  const q = Math.min(Math.max(position, 1), end - 1);
  const window = text.slice(Math.max(0, q - 64), q + 64);
  let cut = q;
  for (const grapheme of graphemeSegmenter.segment(window)) {
    const offset = Math.max(0, q - 64) + grapheme.index;
    if (offset >= q) {
      cut = offset;
      break;
    }
  }
  return cut;
}

function tokenizeChunk(chunk: string, offset: number, tokens: Token[]): void {
  for (const word of wordSegmenter.segment(chunk)) {
    const start = offset + word.index;
    if (word.isWordLike) {
      tokens.push({ text: word.segment, start, end: start + word.segment.length });
      continue;
    }
    for (const grapheme of graphemeSegmenter.segment(word.segment)) {
      if (WHITESPACE.test(grapheme.segment)) {
        continue;
      }
      const graphemeStart = start + grapheme.index;
      tokens.push({
        text: grapheme.segment,
        start: graphemeStart,
        end: graphemeStart + grapheme.segment.length,
      });
    }
  }
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
