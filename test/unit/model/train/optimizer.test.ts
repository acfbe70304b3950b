/** The pieces of a training step on their own: loss, Adam and the window plan. */
import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../../src/model/config';
import { initParameters } from '../../../../src/model/parameters';
import { Adam } from '../../../../src/model/train/adam';
import { zeroGradients } from '../../../../src/model/train/backward';
import { softmaxRow } from '../../../../src/model/softmax';
import { crossEntropy } from '../../../../src/model/train/loss';
import { assertClose } from '../../fixtures';
import { planWindows } from '../../../../src/model/train/windows';

describe('crossEntropy', () => {
  it('uniform logits give ln V', () => {
    const { loss } = crossEntropy({ shape: [2, 4], data: new Float32Array(8) }, [0, 3]);
    assert.ok(Math.abs(loss - Math.log(4)) < 1e-12, `loss ${loss}`);
  });

  it('gradient is softmax minus one-hot over T', () => {
    const { dLogits } = crossEntropy({ shape: [1, 2], data: Float32Array.of(0, Math.log(3)) }, [1]);
    // softmax is [0.25, 0.75] and the target is 1.
    assert.ok(Math.abs(dLogits.data[0] - 0.25) < 1e-7);
    assert.ok(Math.abs(dLogits.data[1] + 0.25) < 1e-7);
  });

  it('stays finite for large logits', () => {
    const { loss, dLogits } = crossEntropy(
      { shape: [1, 3], data: Float32Array.of(1e30, 0, -1e30) },
      [1],
    );
    assert.equal(loss, Math.fround(1e30));
    assert.ok(dLogits.data.every((value) => Number.isFinite(value)));
  });

  it('reads the same loss and gradient from the forward pass probabilities', () => {
    const logits = {
      shape: [3, 5],
      data: Float32Array.of(1, -2, 0.5, 3, 0, 0, 0, 0, 0, 0, -1, 4, 2, 2, 1),
    };
    const probabilities = new Float32Array(15);
    for (let t = 0; t < 3; t++) {
      softmaxRow(logits.data, probabilities, t * 5, 5);
    }
    const exact = crossEntropy(logits, [3, 0, 4]);
    const read = crossEntropy(logits, [3, 0, 4], { shape: [3, 5], data: probabilities });
    assert.ok(Math.abs(read.loss - exact.loss) < 1e-6, `loss ${read.loss} against ${exact.loss}`);
    assertClose(read.dLogits.data, exact.dLogits.data, 1e-7, 'dLogits');
  });

  it('takes the loss from the logits where the probability underflows', () => {
    const logits = { shape: [1, 2], data: Float32Array.of(0, -200) };
    const { loss } = crossEntropy(logits, [1], { shape: [1, 2], data: Float32Array.of(1, 0) });
    assert.ok(Math.abs(loss - 200) < 1e-9, `loss ${loss}`);
  });

  it('rejects a target outside the vocabulary', () => {
    assert.throws(
      () => crossEntropy({ shape: [1, 2], data: new Float32Array(2) }, [2]),
      /target id 2 at position 0 is outside the vocabulary of 2/,
    );
  });
});

describe('Adam', () => {
  it('first step moves each weight by the learning rate against the gradient', () => {
    const parameters = initParameters(
      { ...DEFAULT_CONFIG, embeddingSize: 2, feedForwardSize: 2 },
      2,
    );
    const before = parameters.b1.data.slice();
    const gradients = zeroGradients(parameters);
    gradients.b1.data.set([0.5, -2]);
    new Adam(parameters).update(parameters, gradients, 0.1);
    // m̂ = g and v̂ = g², so the step is lr * g / (|g| + 1e-8).
    assert.ok(Math.abs(parameters.b1.data[0] - (before[0] - 0.1)) < 1e-6);
    assert.ok(Math.abs(parameters.b1.data[1] - (before[1] + 0.1)) < 1e-6);
    assert.deepEqual(parameters.b2.data, new Float32Array(2), 'zero gradient moved b2');
  });

  it('second step matches the bias-corrected formula', () => {
    const parameters = initParameters(
      { ...DEFAULT_CONFIG, embeddingSize: 2, feedForwardSize: 1 },
      2,
    );
    const adam = new Adam(parameters);
    const gradients = zeroGradients(parameters);
    gradients.b1.data[0] = 1;
    adam.update(parameters, gradients, 0.1);
    gradients.b1.data[0] = 3;
    const start = parameters.b1.data[0];
    adam.update(parameters, gradients, 0.1);
    const m = (0.9 * 0.1 * 1 + 0.1 * 3) / (1 - 0.9 ** 2);
    const v = (0.999 * 0.001 * 1 + 0.001 * 9) / (1 - 0.999 ** 2);
    const expected = start - (0.1 * m) / (Math.sqrt(v) + 1e-8);
    assert.ok(
      Math.abs(parameters.b1.data[0] - expected) < 1e-6,
      `${parameters.b1.data[0]} vs ${expected}`,
    );
  });
});

describe('planWindows', () => {
  it('covers every target once per epoch', () => {
    const plan = planWindows(100, 8, 5, 42);
    assert.equal(plan.length, 5);
    for (const windows of plan) {
      const covered = new Array<number>(99).fill(0);
      for (const { start, length } of windows) {
        assert.ok(length >= 1, `window length ${length}`);
        assert.ok(length <= 8, `window length ${length}`);
        for (let i = start; i < start + length; i++) {
          covered[i]++;
        }
      }
      assert.ok(
        covered.every((count) => count === 1),
        'a target is covered twice or never',
      );
    }
  });

  it('uses one window when the text fits', () => {
    assert.deepEqual(planWindows(5, 8, 2, 1), [
      [{ start: 0, length: 4 }],
      [{ start: 0, length: 4 }],
    ]);
  });

  it('is the same for the same seed', () => {
    assert.deepEqual(planWindows(50, 7, 3, 9), planWindows(50, 7, 3, 9));
    assert.notDeepEqual(planWindows(50, 7, 3, 9), planWindows(50, 7, 3, 10));
  });
});
