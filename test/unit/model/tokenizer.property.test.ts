/**
 * Property-based tests of the tokenizer: random Unicode text, thousands of
 * cases, checking the invariants every caller relies on.
 */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { Token, Vocabulary, tokenize, tokenizeTail } from '../../../src/model/tokenizer';

/** Pieces that stress segmentation: scripts without spaces, emoji sequences, marks, line breaks. */
const PIECES = [
  'word',
  'Hello',
  'niño',
  'e\u0301',
  "don't",
  'well-known',
  '3.14',
  '北京',
  '我喜欢',
  'ภาษาไทย',
  'שלום',
  'مرحبا',
  '👨‍👩‍👧',
  '🇯🇵',
  '👍🏽',
  '<img src=x>',
  '&amp;',
  ',',
  '.',
  '!',
  '"',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\u00a0',
  '\u200b',
  '\u3000',
];

const mixedText = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'grapheme', maxLength: 4 })), {
    maxLength: 40,
  })
  .map((pieces) => pieces.join(''));

const HIGH_SURROGATE = /[\uD800-\uDBFF]$/u;

/** Checks that tokens are ordered, cover exactly their text, and leave only whitespace between them. */
function assertCovers(text: string, tokens: readonly Token[]): void {
  let previousEnd = 0;
  for (const token of tokens) {
    assert.equal(text.slice(token.start, token.end), token.text);
    assert.ok(token.start >= previousEnd, `token ${JSON.stringify(token.text)} overlaps`);
    assert.ok(token.end > token.start, 'empty token');
    assert.match(text.slice(previousEnd, token.start), /^\s*$/u, 'a gap holds a non-space');
    previousEnd = token.end;
  }
  assert.match(text.slice(previousEnd), /^\s*$/u, 'text after the last token holds a non-space');
}

/** Returns the tokens of the tokenizer's rule applied in one segmenter call, as a reference. */
function tokenizeInOnePiece(text: string): Token[] {
  const words = new Intl.Segmenter('en', { granularity: 'word' });
  const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
  const tokens: Token[] = [];
  for (const word of words.segment(text)) {
    if (word.isWordLike) {
      tokens.push({ text: word.segment, start: word.index, end: word.index + word.segment.length });
      continue;
    }
    for (const grapheme of graphemes.segment(word.segment)) {
      if (!/^\s+$/u.test(grapheme.segment)) {
        const start = word.index + grapheme.index;
        tokens.push({ text: grapheme.segment, start, end: start + grapheme.segment.length });
      }
    }
  }
  return tokens;
}

describe('tokenizer properties', function () {
  // Thousands of cases each; a loaded 2-core machine needs more than mocha's default 2 s.
  this.timeout(60_000);

  it('offsets cover the text exactly', () => {
    fc.assert(
      fc.property(fc.oneof(mixedText, fc.string({ unit: 'binary' })), (text) => {
        assertCovers(text, tokenize(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('never splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.oneof(mixedText, fc.string({ unit: 'binary' })), (text) => {
        for (const token of tokenize(text)) {
          assert.ok(!HIGH_SURROGATE.test(text.slice(0, token.start)), 'token starts inside a pair');
          assert.ok(!HIGH_SURROGATE.test(token.text), 'token ends inside a pair');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('ids are stable and in first-seen order', () => {
    fc.assert(
      fc.property(mixedText, (text) => {
        const words = tokenize(text).map((token) => token.text);
        const vocabulary = Vocabulary.fromWords(words);
        assert.deepEqual(
          Vocabulary.fromWords(tokenize(text).map((token) => token.text)).words,
          vocabulary.words,
        );
        assert.deepEqual(vocabulary.words, [...new Set(words)]);
        for (const word of words) {
          assert.equal(vocabulary.words[vocabulary.idOf(word) ?? -1], word);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('CRLF gives the same tokens as LF', () => {
    fc.assert(
      fc.property(mixedText, (text) => {
        const lf = text.replace(/\r\n/g, '\n');
        const crlf = lf.replace(/\n/g, '\r\n');
        assert.deepEqual(
          tokenize(crlf).map((token) => token.text),
          tokenize(lf).map((token) => token.text),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('chunked long text matches one-piece segmentation', () => {
    // Texts past the 4,096-character chunk size, with whitespace often enough
    // that every cut falls on a whitespace boundary.
    const longText = fc
      .array(mixedText, { minLength: 150, maxLength: 400 })
      .map((parts) => parts.join(' '));
    fc.assert(
      fc.property(longText, (text) => {
        assert.deepEqual(tokenize(text), tokenizeInOnePiece(text));
      }),
      { numRuns: 40 },
    );
  });

  it('tokenizeTail equals the end of tokenize', () => {
    // Some texts end in whitespace of every kind, which tokenizeTail skips.
    const trailing = fc
      .array(fc.constantFrom(' ', '\n', '\r\n', '\t', '\u00a0', '\u3000'), { maxLength: 20 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc
          .tuple(fc.array(mixedText, { maxLength: 300 }), trailing)
          .map(([parts, end]) => parts.join(' ') + end),
        fc.integer({ min: 1, max: 300 }),
        (text, count) => {
          const all = tokenize(text);
          assert.deepEqual(tokenizeTail(text, count), all.slice(Math.max(0, all.length - count)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
