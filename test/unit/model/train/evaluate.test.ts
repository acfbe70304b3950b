/**
 * Running a trained model: unknown words map to <unk>, the accuracy count
 * agrees with predicting each prefix one by one, and generation continues
 * the training text.
 */
import * as assert from 'node:assert/strict';
import { EmptyTextError } from '../../../../src/model/run';
import { joinWords } from '../../../../src/model/train/generate';
import {
  TrainedModel,
  evaluateAccuracy,
  runTrainedModel,
  sampleNextWords,
  trainModel,
} from '../../../../src/model/train/train';

const TEXT = 'one fish two fish red fish blue fish . this one has a little star .';
const SMALL = { embeddingSize: 16, heads: 2, feedForwardSize: 32, contextLength: 6 };

describe('trained model', () => {
  let model: TrainedModel;
  before(() => {
    model = trainModel(TEXT, { ...SMALL, epochs: 80, learningRate: 0.02 });
  });

  it('maps unknown words to <unk>', () => {
    const run = runTrainedModel('one zebra fish', model);
    assert.deepEqual(
      run.tokens.map((token) => token.id),
      [1, 0, 2],
    );
    assert.equal(run.tokens[1].text, 'zebra');
    assert.equal(run.vocabulary[0], '<unk>');
    assert.deepEqual(run.vocabulary, model.vocabulary);
  });

  it('keeps the last contextLength tokens', () => {
    const run = runTrainedModel('a b c d e f g h', model);
    assert.equal(run.tokens.length, 6);
    assert.equal(run.droppedCharacters, 'a b '.length);
    assert.deepEqual([...run.trace.logits.shape], [6, model.vocabulary.length]);
  });

  it('rejects text without tokens', () => {
    assert.throws(() => runTrainedModel('   ', model), EmptyTextError);
  });

  for (const causalMask of [true, false]) {
    it(`accuracy counts prefix predictions, causal mask ${causalMask}`, () => {
      const trained =
        causalMask === model.config.causalMask
          ? model
          : trainModel(TEXT, { ...SMALL, epochs: 5, causalMask });
      const words = TEXT.split(' ');
      let correct = 0;
      for (let i = 1; i < words.length; i++) {
        const run = runTrainedModel(words.slice(0, i).join(' '), trained);
        if (run.prediction.word === words[i]) {
          correct++;
        }
      }
      const report = evaluateAccuracy(TEXT, trained);
      assert.equal(report.total, words.length - 1);
      assert.equal(report.correct, correct);
      assert.equal(report.accuracy, correct / (words.length - 1));
    });
  }

  it('training info records the accuracy', () => {
    assert.equal(model.info.accuracy, evaluateAccuracy(TEXT, model).accuracy);
    assert.ok((model.info.accuracy ?? 0) > 0.9, `accuracy ${model.info.accuracy}`);
  });

  it('greedy generation continues the text', () => {
    const words = sampleNextWords('one fish two', model, { count: 3 });
    assert.deepEqual(
      words.map((word) => word.word),
      ['fish', 'red', 'fish'],
    );
    assert.ok(words.every((word) => word.probability > 0 && word.probability <= 1));
  });

  it('sampling is reproducible with a seed', () => {
    const options = { count: 8, temperature: 1.5, seed: 3 };
    const a = sampleNextWords('one', model, options);
    const b = sampleNextWords('one', model, options);
    assert.deepEqual(a, b);
    assert.ok(a.every((word) => word.word !== '<unk>'));
  });

  it('top-k of 1 samples the greedy words', () => {
    const sampled = sampleNextWords('this one', model, { count: 4, temperature: 2, topK: 1 });
    const greedy = sampleNextWords('this one', model, { count: 4 });
    assert.deepEqual(sampled, greedy);
  });

  const badOptions: [string, object, RegExp][] = [
    ['negative count', { count: -1 }, /count is -1/],
    ['negative temperature', { count: 1, temperature: -0.5 }, /temperature is -0.5/],
    ['fractional top-k', { count: 1, topK: 1.5 }, /topK is 1.5/],
  ];
  for (const [name, options, message] of badOptions) {
    it(`generation rejects ${name}`, () => {
      assert.throws(() => sampleNextWords('one', model, options as { count: number }), message);
    });
  }

  it('joinWords spaces words but not punctuation', () => {
    assert.equal(
      joinWords('Hello', ['world', ',', 'how', '(', 'really', ')', '?']),
      ' world, how (really)?',
    );
    assert.equal(joinWords('Hello ', ['world']), 'world');
    assert.equal(joinWords('', ['a', 'b']), 'a b');
  });
});
