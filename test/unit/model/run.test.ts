import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/model/config';
import { STAGE_NAMES } from '../../../src/model/forward';
import { EmptyTextError, runModel } from '../../../src/model/run';
import {
  ForwardCase,
  STAGE_TOLERANCE,
  assertClose,
  assertTensorClose,
  loadFixture,
} from '../fixtures';

describe('runModel', () => {
  for (const testCase of loadFixture<ForwardCase[]>('forward.json')) {
    it(`"${testCase.name}" matches numpy at every stage`, () => {
      const run = runModel(testCase.text, testCase.config);
      assert.deepEqual(run.vocabulary, testCase.vocabulary);
      assert.deepEqual(
        run.tokens.map((token) => token.id),
        testCase.ids,
      );
      for (const name of STAGE_NAMES) {
        assertTensorClose(run.trace[name], testCase.stages[name], STAGE_TOLERANCE, name);
      }
      assert.equal(run.prediction.id, testCase.prediction.id);
      assert.equal(run.prediction.word, testCase.prediction.word);
      assertClose(
        [run.prediction.probability],
        [testCase.prediction.probability],
        STAGE_TOLERANCE,
        'probability',
      );
    });
  }

  it('gives the same numbers on every run', () => {
    const a = runModel('The cat sat on the mat.', DEFAULT_CONFIG);
    const b = runModel('The cat sat on the mat.', DEFAULT_CONFIG);
    assert.deepEqual(a.trace.probabilities.data, b.trace.probabilities.data);
  });

  it('single token attends to itself with weight 1', () => {
    const run = runModel('Hello', DEFAULT_CONFIG);
    assert.deepEqual([...run.trace.weights.shape], [1, 1, 1]);
    assert.equal(run.trace.weights.data[0], 1);
  });

  it('causal weights are zero above the diagonal', () => {
    const run = runModel('a b c d', DEFAULT_CONFIG);
    const w = run.trace.weights.data;
    for (let i = 0; i < 4; i++) {
      for (let j = i + 1; j < 4; j++) {
        assert.equal(w[i * 4 + j], 0, `weight (${i}, ${j})`);
      }
    }
  });

  it('keeps the last tokens beyond the context length', () => {
    const run = runModel('one two three four five', { ...DEFAULT_CONFIG, contextLength: 2 });
    assert.deepEqual(
      run.tokens.map((token) => token.text),
      ['four', 'five'],
    );
    assert.equal(run.droppedCharacters, 'one two three '.length);
    assert.equal(run.tokens[0].start, 'one two three '.length);
  });

  it('ranks candidates by probability', () => {
    const run = runModel('Hello how are you hello', DEFAULT_CONFIG);
    const probabilities = run.topCandidates.map((candidate) => candidate.probability);
    assert.deepEqual(
      probabilities,
      [...probabilities].sort((a, b) => b - a),
    );
    assert.equal(run.topCandidates[0].id, run.prediction.id);
  });

  it('runs on punctuation alone', () => {
    const run = runModel('?!...', DEFAULT_CONFIG);
    assert.deepEqual(run.vocabulary, ['?', '!', '.']);
    assert.equal(run.tokens.length, 5);
  });

  it('reads only the end of a 10 MB text', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(230_000);
    assert.ok(text.length > 10_000_000);
    const run = runModel(text, DEFAULT_CONFIG);
    assert.equal(run.tokens.length, DEFAULT_CONFIG.contextLength);
    assert.equal(run.tokens[run.tokens.length - 1].end, text.trimEnd().length);
    assert.equal(run.droppedCharacters, run.tokens[0].start);
  });

  it('rejects text without tokens', () => {
    assert.throws(() => runModel(' \n\t ', DEFAULT_CONFIG), EmptyTextError);
  });
});
