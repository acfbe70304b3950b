/**
 * The WebAssembly softmax and attention kernels against the readable loops,
 * including rows with NaN, infinities and masks of every width.
 */
import * as assert from 'node:assert/strict';
import { referenceAttentionHeads } from '../../../src/model/attention';
import { wasmAttentionHeads } from '../../../src/model/kernels/attentionKernel';
import { kernelRuntime } from '../../../src/model/kernels/runtime';
import { wasmSoftmaxRow } from '../../../src/model/kernels/softmaxKernel';
import { referenceSoftmaxRow, softmaxRow } from '../../../src/model/softmax';
import { STAGE_TOLERANCE, assertClose } from '../fixtures';
import { randomMatrix } from './kernelsRandom';

/** Returns [kernel output, readable output] of one row's softmax, both padded by a guard entry each side. */
function bothSoftmaxes(values: readonly number[], visible: number): [Float32Array, Float32Array] {
  const input = Float32Array.from([123, ...values, 456]);
  const fast = new Float32Array(input.length).fill(-7);
  const readable = new Float32Array(input.length).fill(-7);
  assert.ok(wasmSoftmaxRow(input, fast, 1, values.length, visible), 'kernel ran');
  referenceSoftmaxRow(input, readable, 1, values.length, visible);
  return [fast, readable];
}

/**
 * Returns the largest error of `actual` against `expected` as assertClose
 * measures it, |a - e| / max(1, |e|). A NaN on one side only counts as
 * Infinity, and unequal infinities give Infinity or NaN, which fail a check too.
 */
function largestError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length, 'length');
  let largest = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e) {
      continue; // equal infinities included
    }
    if (Number.isNaN(a) || Number.isNaN(e)) {
      largest = Number.isNaN(a) && Number.isNaN(e) ? largest : Infinity;
    } else {
      largest = Math.max(largest, Math.abs(a - e) / Math.max(1, Math.abs(e)));
    }
  }
  return largest;
}

describe('kernels: softmax', () => {
  before(function () {
    if (kernelRuntime() === undefined) {
      this.skip();
    }
  });

  for (const length of [1, 3, 4, 5, 16, 17, 100, 1001]) {
    it(`agrees on random rows of length ${length}`, () => {
      const row = Array.from(randomMatrix(1, length, `softmax${length}`, 4).data);
      for (const visible of new Set([0, 1, Math.floor(length / 2), length - 1, length])) {
        const [fast, readable] = bothSoftmaxes(row, visible);
        assertClose(fast, readable, STAGE_TOLERANCE, `visible ${visible}`);
      }
    });
  }

  const edgeCases: [string, number[], number][] = [
    ['large inputs', [800, 1, 1, 799.5, -800], 5],
    ['all -Infinity', [-Infinity, -Infinity, -Infinity], 3],
    ['-Infinity beside finite', [-Infinity, 2, -Infinity, 1, 0, -3], 6],
    ['one +Infinity', [1, Infinity, 3, 4, 5], 5],
    ['two +Infinity', [Infinity, 1, Infinity, -Infinity, 2], 5],
    ['+Infinity masked', [1, 2, Infinity, Infinity], 2],
    ['NaN visible', [1, NaN, 3, 4, 5, 6, 7], 7],
    ['NaN masked', [1, 2, 3, NaN, 5], 3],
    ['underflow', [0, -87, -88, -100, -1e30, -3e38], 6],
    ['visible past length', [1, 2, 3], 10],
    ['negative visible', [1, 2, 3], -2],
    ['empty', [], 0],
  ];
  for (const [name, row, visible] of edgeCases) {
    it(`agrees on ${name}`, () => {
      const [fast, readable] = bothSoftmaxes(row, visible);
      assertClose(fast, readable, STAGE_TOLERANCE, name);
    });
  }

  it('softmaxRow leaves entries outside its range alone', () => {
    const input = Float32Array.from({ length: 40 }, (_, i) => i / 7);
    const output = new Float32Array(40).fill(9);
    softmaxRow(input, output, 10, 20, 15);
    assert.deepEqual(Array.from(output.subarray(0, 10)), new Array(10).fill(9));
    assert.deepEqual(Array.from(output.subarray(30)), new Array(10).fill(9));
    assert.deepEqual(Array.from(output.subarray(25, 30)), new Array(5).fill(0));
  });
});

describe('kernels: attention', () => {
  before(function () {
    if (kernelRuntime() === undefined) {
      this.skip();
    }
  });

  // [T, d, heads]: d_head of 1, 2, 4, 12 (not a multiple of the 8-column
  // strip), 16 and 32, and T below, at and above the 32-row task.
  const shapes: [number, number, number][] = [
    [0, 4, 1],
    [1, 2, 1],
    [1, 2, 2],
    [5, 16, 1],
    [7, 12, 3],
    [9, 10, 5],
    [33, 24, 2],
    [70, 64, 4],
    [300, 64, 4],
    [129, 128, 4],
  ];
  for (const [T, d, heads] of shapes) {
    for (const causal of [true, false]) {
      it(`agrees for T=${T}, d=${d}, ${heads} heads, ${causal ? 'causal' : 'unmasked'}`, () => {
        const q = randomMatrix(T, d, `q${T}.${d}`, 1).data;
        const k = randomMatrix(T, d, `k${T}.${d}`, 1).data;
        const v = randomMatrix(T, d, `v${T}.${d}`, 1).data;
        const fast = wasmAttentionHeads(q, k, v, T, d, heads, causal);
        const readable = referenceAttentionHeads(q, k, v, T, d, heads, causal);
        assert.ok(fast !== undefined, 'kernel ran');
        assertClose(fast.scores, readable.scores, STAGE_TOLERANCE, 'scores');
        assertClose(fast.weights, readable.weights, STAGE_TOLERANCE, 'weights');
        assertClose(fast.context, readable.context, STAGE_TOLERANCE, 'context');
      });
    }
  }

  it('agrees on 4 heads of 1450 tokens', function () {
    // 8.4 million scores and weights, with NaN spreading through one head.
    this.timeout(20000);
    const [T, d, heads] = [1450, 8, 4];
    const q = randomMatrix(T, d, 'q.large').data;
    const k = randomMatrix(T, d, 'k.large').data;
    const v = randomMatrix(T, d, 'v.large').data;
    k[3 * d + 5] = NaN; // row 3 of head 2 and later rows of head 2 become NaN
    const fast = wasmAttentionHeads(q, k, v, T, d, heads, true);
    const readable = referenceAttentionHeads(q, k, v, T, d, heads, true);
    assert.ok(fast !== undefined, 'kernel ran');
    // assertClose would take seconds on 8.4 million entries, so compare in one loop.
    assert.ok(largestError(fast.scores, readable.scores) <= STAGE_TOLERANCE, 'scores');
    assert.ok(largestError(fast.weights, readable.weights) <= STAGE_TOLERANCE, 'weights');
    assert.ok(largestError(fast.context, readable.context) <= STAGE_TOLERANCE, 'context');
  });

  it('leaves non-finite values under the mask to the readable loops', () => {
    const q = randomMatrix(6, 4, 'q.nan').data;
    const k = randomMatrix(6, 4, 'k.nan').data;
    const v = randomMatrix(6, 4, 'v.nan').data;
    v[5 * 4 + 1] = NaN;
    assert.equal(wasmAttentionHeads(q, k, v, 6, 4, 2, true), undefined);
    assert.ok(wasmAttentionHeads(q, k, v, 6, 4, 2, false) !== undefined);
  });

  it('agrees with non-finite queries and keys', () => {
    const q = randomMatrix(9, 8, 'q.inf').data;
    const k = randomMatrix(9, 8, 'k.inf').data;
    const v = randomMatrix(9, 8, 'v.inf').data;
    q[3 * 8 + 2] = Infinity;
    k[4 * 8 + 6] = NaN;
    const fast = wasmAttentionHeads(q, k, v, 9, 8, 2, true);
    const readable = referenceAttentionHeads(q, k, v, 9, 8, 2, true);
    assert.ok(fast !== undefined, 'kernel ran');
    assertClose(fast.scores, readable.scores, STAGE_TOLERANCE, 'scores');
    assertClose(fast.weights, readable.weights, STAGE_TOLERANCE, 'weights');
    assertClose(fast.context, readable.context, STAGE_TOLERANCE, 'context');
  });
});
