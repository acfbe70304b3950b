import * as assert from 'node:assert/strict';
import { softmax, softmaxRow } from '../../../src/model/softmax';
import { JsonNumber, assertClose, loadFixture, toNumber } from '../fixtures';

interface SoftmaxCase {
  name: string;
  input: JsonNumber[];
  mask?: boolean[];
  expected: JsonNumber[];
}

/** Returns how many leading entries are visible when the mask hides a suffix, else undefined. */
function visiblePrefix(mask: boolean[] | undefined, length: number): number | undefined {
  if (mask === undefined) {
    return length;
  }
  const visible = mask.indexOf(true) === -1 ? length : mask.indexOf(true);
  return mask.slice(visible).every(Boolean) ? visible : undefined;
}

describe('softmax', () => {
  const cases = loadFixture<SoftmaxCase[]>('softmax.json');
  // The model masks only a suffix of each row (the causal mask), so
  // softmaxRow takes a count of visible entries rather than a full mask.
  const prefixCases = cases.filter((c) => visiblePrefix(c.mask, c.input.length) !== undefined);

  it('fixture has suffix-masked cases', () => {
    assert.ok(prefixCases.length >= 8, `only ${prefixCases.length} cases`);
  });

  for (const testCase of prefixCases) {
    it(`${testCase.name} matches numpy`, () => {
      const input = Float32Array.from(testCase.input, toNumber);
      const output = new Float32Array(input.length);
      softmaxRow(input, output, 0, input.length, visiblePrefix(testCase.mask, input.length));
      assertClose(output, testCase.expected.map(toNumber), 1e-6, testCase.name);
    });
  }

  it('keeps large logits finite', () => {
    const [a, b, c] = softmax([800, 1, 1]);
    assert.equal(a, 1);
    assert.equal(b, 0);
    assert.equal(c, 0);
  });

  it('keeps very negative logits finite', () => {
    const result = softmax([-1000, -1001]);
    assert.ok(result.every(Number.isFinite));
    assert.ok(Math.abs(result[0] + result[1] - 1) < 1e-6);
  });

  it('all-masked row is zeros, not NaN', () => {
    const output = new Float32Array(3).fill(7);
    softmaxRow(Float32Array.from([1, 2, 3]), output, 0, 3, 0);
    assert.deepEqual(Array.from(output), [0, 0, 0]);
  });

  it('propagates NaN to the whole row', () => {
    const output = new Float32Array(3);
    softmaxRow(Float32Array.from([1, NaN, 2]), output, 0, 3);
    assert.ok(Array.from(output).every(Number.isNaN));
  });

  it('writes only its own row', () => {
    const input = Float32Array.from([5, 1, 2, 5]);
    const output = Float32Array.from([9, 0, 0, 9]);
    softmaxRow(input, output, 1, 2);
    assert.equal(output[0], 9);
    assert.equal(output[3], 9);
    assertClose([output[1] + output[2]], [1], 1e-6, 'row sum');
  });
});
