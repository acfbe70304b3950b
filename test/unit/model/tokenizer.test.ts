import * as assert from 'node:assert/strict';
import { Vocabulary, tokenize, tokenizeTail } from '../../../src/model/tokenizer';
import { ForwardCase, loadFixture } from '../fixtures';

const texts = (text: string): string[] => tokenize(text).map((token) => token.text);

describe('tokenizer', () => {
  it('numbers the seed example in first-seen order', () => {
    const tokens = tokenize('Hello how are you hello');
    const vocabulary = Vocabulary.fromWords(tokens.map((token) => token.text));
    assert.deepEqual(vocabulary.words, ['Hello', 'how', 'are', 'you', 'hello']);
    assert.deepEqual(
      tokens.map((token) => vocabulary.idOf(token.text)),
      [0, 1, 2, 3, 4],
    );
  });

  it('gives a repeated word its first id', () => {
    const vocabulary = Vocabulary.fromWords(texts('the cat and the hat'));
    assert.deepEqual(vocabulary.words, ['the', 'cat', 'and', 'hat']);
    assert.equal(vocabulary.idOf('the'), 0);
  });

  it('keeps accented and umlaut words whole', () => {
    assert.deepEqual(texts('niño fettsäuren Ærøskøbing'), ['niño', 'fettsäuren', 'Ærøskøbing']);
  });

  it('splits punctuation into its own tokens', () => {
    assert.deepEqual(texts('Hello, world!'), ['Hello', ',', 'world', '!']);
  });

  it('keeps inner apostrophes and splits hyphens', () => {
    assert.deepEqual(texts("don't O’Neill well-known"), ["don't", 'O’Neill', 'well', '-', 'known']);
  });

  it('splits quotes at the ends of a word', () => {
    assert.deepEqual(texts("'quoted'"), ["'", 'quoted', "'"]);
  });

  it('never makes whitespace a token', () => {
    assert.deepEqual(texts(' \t a \r\n\u00a0 b \u3000'), ['a', 'b']);
    assert.deepEqual(texts('   \n\t'), []);
  });

  it('offsets cover each token exactly', () => {
    const text = 'Café 👨‍👩‍👧 naïve, 北京!';
    for (const token of tokenize(text)) {
      assert.equal(text.slice(token.start, token.end), token.text);
    }
  });

  it('counts offsets in UTF-16 code units', () => {
    const [emoji, word] = tokenize('😀 hi');
    assert.deepEqual([emoji.start, emoji.end], [0, 2]);
    assert.deepEqual([word.start, word.end], [3, 5]);
  });

  it('keeps emoji sequences whole', () => {
    assert.deepEqual(texts('👨‍👩‍👧 🇯🇵 👍🏽'), ['👨‍👩‍👧', '🇯🇵', '👍🏽']);
  });

  it('splits Chinese into words, not characters', () => {
    const tokens = texts('我喜欢北京');
    assert.ok(tokens.length < 5, `got ${JSON.stringify(tokens)}`);
    assert.equal(tokens.join(''), '我喜欢北京');
  });

  it('treats HTML as plain tokens', () => {
    assert.deepEqual(texts('<img src=x>'), ['<', 'img', 'src', '=', 'x', '>']);
  });

  it('keeps the last word of a long text whole', () => {
    // The first chunk would end at 4,096 characters, inside the last word,
    // and the search for whitespace after it runs into the end of the text.
    const lastWord = 'zebra'.repeat(40);
    const tokens = tokenize(`${'w '.repeat(2000)}${lastWord}`);
    assert.equal(tokens[tokens.length - 1].text, lastWord);
    assert.equal(tokens.length, 2001);
  });

  it('reads the tail of a text that ends in 2 MB of newlines', () => {
    const text = `Four score and seven years ago${'\n'.repeat(2_000_000)}`;
    const tokens = tokenizeTail(text, 3);
    assert.deepEqual(
      tokens.map((token) => token.text),
      ['seven', 'years', 'ago'],
    );
    assert.equal(tokens[2].end, 30);
  });

  it('is case-sensitive', () => {
    assert.equal(Vocabulary.fromWords(['Hello', 'hello']).size, 2);
  });

  it('rejects an id outside the vocabulary', () => {
    assert.throws(() => Vocabulary.fromWords(['a']).wordOf(1), /outside the vocabulary of 1/);
  });

  for (const testCase of loadFixture<ForwardCase[]>('forward.json')) {
    it(`tokenizes the "${testCase.name}" fixture like numpy`, () => {
      const kept = tokenize(testCase.text).slice(-testCase.config.contextLength);
      const vocabulary = Vocabulary.fromWords(kept.map((token) => token.text));
      assert.deepEqual(vocabulary.words, testCase.vocabulary);
      assert.deepEqual(
        kept.map((token) => vocabulary.idOf(token.text)),
        testCase.ids,
      );
    });
  }
});
