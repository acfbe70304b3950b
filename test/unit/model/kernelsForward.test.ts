/**
 * The forward pass through the kernels' arena (kernels/forwardKernel.ts)
 * against the readable path, over sizes that leave partial blocks of rows
 * and columns everywhere, and the contract of `reuseMemory`.
 */
import * as assert from 'node:assert/strict';
import { mock } from 'node:test';
import { DEFAULT_CONFIG, ModelConfig } from '../../../src/model/config';
import { STAGE_NAMES, Trace, forward } from '../../../src/model/forward';
import { kernelRuntime, useKernels } from '../../../src/model/kernels/runtime';
import { initParameters } from '../../../src/model/parameters';
import { PositionEncoding } from '../../../src/model/positions';
import { STAGE_TOLERANCE, assertClose } from '../fixtures';

interface Case {
  readonly T: number;
  readonly d: number;
  readonly heads: number;
  readonly ff: number;
  readonly vocabulary: number;
  readonly causal: boolean;
  readonly positions: PositionEncoding;
}

// Head sizes of 4, 10, 12 and 16 columns, T below and past a block of 4
// rows, and a vocabulary wide enough for the packed right-hand matrix.
const CASES: Case[] = [
  { T: 1, d: 16, heads: 1, ff: 64, vocabulary: 5, causal: true, positions: 'none' },
  { T: 5, d: 16, heads: 1, ff: 64, vocabulary: 5, causal: true, positions: 'none' },
  { T: 3, d: 12, heads: 3, ff: 20, vocabulary: 7, causal: false, positions: 'sinusoidal' },
  { T: 13, d: 40, heads: 4, ff: 36, vocabulary: 300, causal: true, positions: 'learned' },
  { T: 70, d: 24, heads: 2, ff: 50, vocabulary: 261, causal: false, positions: 'none' },
  { T: 70, d: 24, heads: 2, ff: 50, vocabulary: 261, causal: true, positions: 'sinusoidal' },
  { T: 133, d: 32, heads: 4, ff: 64, vocabulary: 600, causal: true, positions: 'none' },
];

function modelOf(c: Case): ModelConfig {
  return {
    ...DEFAULT_CONFIG,
    embeddingSize: c.d,
    heads: c.heads,
    feedForwardSize: c.ff,
    contextLength: Math.max(c.T, 1),
    causalMask: c.causal,
    positions: c.positions,
  };
}

function idsOf(c: Case): number[] {
  return Array.from({ length: c.T }, (_, t) => (t * 7 + 3) % c.vocabulary);
}

function assertSameStages(actual: Trace, expected: Trace, label: string): void {
  for (const name of [...STAGE_NAMES, 'positions'] as const) {
    const a = actual[name];
    const e = expected[name];
    assert.equal(a === undefined, e === undefined, `${label} ${name}: present`);
    if (a !== undefined && e !== undefined) {
      assert.deepEqual([...a.shape], [...e.shape], `${label} ${name}: shape`);
      assertClose(a.data, e.data, STAGE_TOLERANCE, `${label} ${name}`);
    }
  }
}

describe('kernels: forward pass in the arena', () => {
  before(function () {
    if (kernelRuntime() === undefined) {
      this.skip(); // no WebAssembly SIMD here; the readable kernels are all there is
    }
  });
  afterEach(() => useKernels('wasm', { threads: true }));

  for (const c of CASES) {
    const label =
      `T=${c.T}, d=${c.d}, ${c.heads} heads, d_ff=${c.ff}, V=${c.vocabulary}, ` +
      `${c.causal ? 'causal' : 'unmasked'}, ${c.positions} positions`;
    it(`agrees with the readable path for ${label}`, function () {
      this.timeout(10000);
      const config = modelOf(c);
      const parameters = initParameters(config, c.vocabulary);
      const ids = idsOf(c);
      useKernels('reference');
      const readable = forward(ids, parameters, c.heads, c.causal, c.positions);
      for (const threads of [false, true]) {
        useKernels('wasm', { threads });
        const fast = forward(ids, parameters, c.heads, c.causal, c.positions);
        assertSameStages(fast, readable, threads ? 'two threads' : 'one thread');
        const reused = forward(ids, parameters, c.heads, c.causal, c.positions, {
          reuseMemory: true,
        });
        assertSameStages(reused, readable, threads ? 'reused, two threads' : 'reused, one thread');
      }
    });
  }

  it('agrees on a long text of few words', function () {
    // Many near-equal weights make float32 sums drift unless they are split.
    this.timeout(20000);
    const config: ModelConfig = { ...DEFAULT_CONFIG, contextLength: 4096 };
    const parameters = initParameters(config, 5);
    const ids = Array.from({ length: 1500 }, (_, t) => t % 5);
    useKernels('reference');
    const readable = forward(ids, parameters, config.heads, true, config.positions);
    useKernels('wasm');
    assertSameStages(
      forward(ids, parameters, config.heads, true, config.positions),
      readable,
      '1500 tokens',
    );
  });

  it('keeps a copied trace intact through later passes', () => {
    const c = CASES[3];
    const parameters = initParameters(modelOf(c), c.vocabulary);
    const first = forward(idsOf(c), parameters, c.heads, c.causal, c.positions);
    const snapshot = first.probabilities.data.slice();
    forward([2, 1, 0], parameters, c.heads, c.causal, c.positions, { reuseMemory: true });
    forward(idsOf(c), parameters, c.heads, c.causal, c.positions, { reuseMemory: true });
    assert.deepEqual(first.probabilities.data, snapshot);
  });

  it('reuses its memory: the next pass overwrites a reused trace', () => {
    const c = CASES[3];
    const parameters = initParameters(modelOf(c), c.vocabulary);
    const ids = idsOf(c);
    const reversed = [...ids].reverse();
    const first = forward(ids, parameters, c.heads, c.causal, c.positions, { reuseMemory: true });
    const firstLogits = first.logits.data.slice();
    const second = forward(reversed, parameters, c.heads, c.causal, c.positions, {
      reuseMemory: true,
    });
    assert.equal(second.logits.data.buffer, first.logits.data.buffer, 'same memory');
    assert.notDeepEqual(
      first.logits.data,
      firstLogits,
      'the first trace now shows the second pass',
    );
    const copied = forward(reversed, parameters, c.heads, c.causal, c.positions);
    assertSameStages(second, copied, 'reversed');
  });

  it('gives large kernel memory back 20 s after the last pass', () => {
    const big: Case = { ...CASES[6], T: 1536 }; // scores and weights: 2 × 4 heads × 1536² floats, 72 MiB
    const wide = initParameters(modelOf(big), big.vocabulary);
    const narrow = initParameters(modelOf(CASES[1]), CASES[1].vocabulary);
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      forward(idsOf(big), wide, big.heads, true, 'none');
      forward(idsOf(CASES[1]), narrow, 1, true, 'none');
      const grown = kernelRuntime()?.memoryBytes ?? 0;
      assert.ok(grown > 64 * 1024 * 1024, `memory grew to only ${grown} bytes`);
      mock.timers.tick(19_000);
      assert.equal(kernelRuntime()?.memoryBytes, grown, 'released too early');
      mock.timers.tick(1_000);
      assert.ok((kernelRuntime()?.memoryBytes ?? 0) < grown, 'memory kept after 20 s');
    } finally {
      mock.timers.reset();
    }
  });

  it('falls back to the readable attention for an infinite value under the mask', () => {
    const c = CASES[1];
    const parameters = initParameters(modelOf(c), c.vocabulary);
    parameters.valueWeight.data[0] = Infinity;
    useKernels('reference');
    const readable = forward(idsOf(c), parameters, c.heads, true, 'none');
    useKernels('wasm');
    assertSameStages(forward(idsOf(c), parameters, c.heads, true, 'none'), readable, 'infinite V');
  });
});
