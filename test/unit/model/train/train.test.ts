/**
 * Training end to end on small texts: the loss falls and stays finite, a
 * runaway learning rate stops with an error, cancellation works, and the
 * options are checked.
 */
import * as assert from 'node:assert/strict';
import { PARAMETER_NAMES } from '../../../../src/model/parameters';
import {
  DEFAULT_TRAIN_OPTIONS,
  EpochReport,
  TrainingCancelledError,
  TrainingDivergedError,
  trainModel,
} from '../../../../src/model/train/train';

/** Small sizes that keep each test fast. */
const SMALL = { embeddingSize: 8, heads: 2, feedForwardSize: 16, contextLength: 8 };

describe('trainModel', () => {
  it('keeps a finite loss over 500 steps of "a a a a a"', () => {
    const losses: number[] = [];
    const model = trainModel(
      'a a a a a',
      { ...SMALL, epochs: 500 },
      { onEpoch: (report) => losses.push(report.loss) },
    );
    assert.equal(model.info.steps, 500);
    assert.equal(losses.length, 500);
    assert.ok(
      losses.every((loss) => Number.isFinite(loss)),
      'a loss is not finite',
    );
    assert.ok(model.info.finalLoss < 0.01, `final loss ${model.info.finalLoss}`);
    for (const name of PARAMETER_NAMES) {
      assert.ok(
        model.parameters[name].data.every((value) => Number.isFinite(value)),
        `${name} is not finite`,
      );
    }
  });

  it('builds the vocabulary with <unk> first', () => {
    const model = trainModel('b a b c', { ...SMALL, epochs: 1 });
    assert.deepEqual(model.vocabulary, ['<unk>', 'b', 'a', 'c']);
    assert.deepEqual(model.parameters.embeddings.shape, [4, 8]);
  });

  it('memorises a short sentence', () => {
    const text = 'the quick brown fox jumps over the lazy dog and the quick cat sleeps .';
    const model = trainModel(text, { ...SMALL, epochs: 60, learningRate: 0.02 });
    assert.equal(model.info.accuracy, 1, `accuracy ${model.info.accuracy}`);
    assert.ok(model.info.finalLoss < 0.5, `final loss ${model.info.finalLoss}`);
  });

  it('reports every epoch with a growing step', () => {
    const reports: EpochReport[] = [];
    const model = trainModel(
      'one two three four five six seven eight nine ten eleven twelve',
      { ...SMALL, contextLength: 4, epochs: 5 },
      { onEpoch: (report) => reports.push(report) },
    );
    assert.deepEqual(
      reports.map((report) => report.epoch),
      [1, 2, 3, 4, 5],
    );
    assert.ok(reports.every((report) => report.epochs === 5));
    assert.ok(reports.every((report) => report.steps === model.info.steps));
    assert.equal(reports[4].step, model.info.steps);
    for (let i = 1; i < reports.length; i++) {
      assert.ok(reports[i].step > reports[i - 1].step, `step of epoch ${i + 1}`);
    }
  });

  it('gives the same weights for the same seed', () => {
    const a = trainModel('x y z x y z', { ...SMALL, epochs: 3 });
    const b = trainModel('x y z x y z', { ...SMALL, epochs: 3 });
    assert.deepEqual(a.parameters.w1.data, b.parameters.w1.data);
    const c = trainModel('x y z x y z', { ...SMALL, epochs: 3, seed: 7 });
    assert.notDeepEqual(a.parameters.w1.data, c.parameters.w1.data);
  });

  it('stops a diverging run with an error', () => {
    assert.throws(
      () => trainModel('a b c d a b c d e f', { ...SMALL, epochs: 50, learningRate: 1000 }),
      (error: unknown) => {
        assert.ok(error instanceof TrainingDivergedError, `got ${String(error)}`);
        assert.match(error.message, /training diverged at step \d+/);
        assert.match(error.message, /Lower the learning rate \(now 1000\), for example to 100/);
        return true;
      },
    );
  });

  it('cancels when shouldStop returns true', () => {
    let polls = 0;
    assert.throws(
      () => trainModel('a b c d', { ...SMALL, epochs: 10 }, { shouldStop: () => ++polls > 3 }),
      (error: unknown) => {
        assert.ok(error instanceof TrainingCancelledError, `got ${String(error)}`);
        assert.equal(error.step, 3);
        assert.match(error.message, /cancelled after 3 steps/);
        return true;
      },
    );
  });

  it('cancels during the accuracy run', () => {
    let polls = 0;
    // Two steps poll twice, and the accuracy run polls next.
    assert.throws(
      () => trainModel('a b c d', { ...SMALL, epochs: 2 }, { shouldStop: () => ++polls > 2 }),
      (error: unknown) => error instanceof TrainingCancelledError && error.step === 2,
    );
    assert.equal(polls, 3);
  });

  it('takes defaults for options left undefined', () => {
    const model = trainModel('a b a b', { epochs: 1, embeddingSize: undefined, contextLength: 4 });
    assert.equal(model.config.embeddingSize, DEFAULT_TRAIN_OPTIONS.embeddingSize);
    assert.equal(model.config.positions, DEFAULT_TRAIN_OPTIONS.positions);
    assert.equal(model.info.document, DEFAULT_TRAIN_OPTIONS.document);
  });

  const badOptions: [string, object, RegExp][] = [
    ['zero epochs', { epochs: 0 }, /epochs is 0, but it must be a whole number from 1/],
    ['fractional epochs', { epochs: 1.5 }, /epochs is 1.5/],
    [
      'negative learning rate',
      { learningRate: -1 },
      /learningRate is -1, but it must be a positive number/,
    ],
    ['NaN learning rate', { learningRate: NaN }, /learningRate is NaN/],
    ['heads not dividing the size', { embeddingSize: 10, heads: 4 }, /not divisible by heads 4/],
    ['unknown positions', { positions: 'rotary' }, /positions is "rotary"/],
  ];
  for (const [name, options, message] of badOptions) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => trainModel('a b c', { ...SMALL, ...options }),
        (error: unknown) => {
          assert.ok(error instanceof RangeError, `got ${String(error)}`);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('rejects a text of one token', () => {
    assert.throws(() => trainModel('hello', SMALL), /at least 2 tokens, but the text has 1/);
  });
});
