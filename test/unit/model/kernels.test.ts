/**
 * The WebAssembly matrix product against the readable one, on random and
 * edge-case shapes, and the forward pass with either set of kernels.
 */
import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/model/config';
import { forward, STAGE_NAMES } from '../../../src/model/forward';
import { wasmMatmul } from '../../../src/model/kernels/matmulKernel';
import { CONTROL_WORDS, KERNEL_IDS, runTasks } from '../../../src/model/kernels/helperThread';
import { KernelRuntime, kernelRuntime, useKernels } from '../../../src/model/kernels/runtime';
import {
  add,
  addBias,
  matmul,
  matmulTransposed,
  referenceAdd,
  referenceAddBias,
  referenceMatmul,
  referenceMatmulTransposed,
  referenceRelu,
  relu,
} from '../../../src/model/matrix';
import { initParameters } from '../../../src/model/parameters';
import { transpose } from '../../../src/model/train/tensorOps';
import { Tensor } from '../../../src/model/tensor';
import { STAGE_TOLERANCE, assertClose } from '../fixtures';
import { randomMatrix } from './kernelsRandom';

describe('kernels: matmul', () => {
  before(function () {
    if (kernelRuntime() === undefined) {
      this.skip(); // no WebAssembly SIMD here; the readable kernels are all there is
    }
  });

  // [n, k, m]: empty, 1x1, sizes that are not multiples of the 4x8 block,
  // the model's sizes, and ones large enough to give the helper thread tasks.
  const shapes: [number, number, number][] = [
    [0, 3, 4],
    [3, 0, 4],
    [3, 4, 0],
    [1, 1, 1],
    [1, 7, 1],
    [5, 16, 5],
    [5, 16, 16],
    [7, 13, 9],
    [3, 5, 17],
    [33, 17, 65],
    [64, 64, 64],
    [130, 70, 1003],
    [300, 128, 513],
    [512, 64, 1000],
  ];
  for (const [n, k, m] of shapes) {
    it(`agrees with the readable product for ${n}×${k} by ${k}×${m}`, () => {
      // Scaled like the model's weights, so that entries of the product are about 1.
      const a = randomMatrix(n, k, `a${n}.${k}.${m}`);
      const b = randomMatrix(k, m, `b${n}.${k}.${m}`, 1 / Math.sqrt(Math.max(k, 1)));
      const fast = matmul(a, b);
      const readable = referenceMatmul(a, b);
      assert.deepEqual([...fast.shape], [n, m]);
      assertClose(fast.data, readable.data, STAGE_TOLERANCE, 'product');
    });
  }

  for (const [n, k, m] of shapes.slice(3)) {
    it(`multiplies by the transpose like the readable loops for ${n}×${k} by (${m}×${k})^T`, () => {
      const a = randomMatrix(n, k, `ta${n}.${k}.${m}`);
      const b = randomMatrix(m, k, `tb${n}.${k}.${m}`, 1 / Math.sqrt(k));
      const fast = matmulTransposed(a, b);
      assert.deepEqual([...fast.shape], [n, m]);
      assertClose(fast.data, referenceMatmulTransposed(a, b).data, STAGE_TOLERANCE, 'product');
      assertClose(fast.data, referenceMatmul(a, transpose(b)).data, STAGE_TOLERANCE, 'product');
    });
  }

  it('gives exact results on small integers', () => {
    const a: Tensor = { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const b: Tensor = { shape: [3, 2], data: Float32Array.from([7, 8, 9, 10, 11, 12]) };
    assert.deepEqual(Array.from(wasmMatmul(a.data, b.data, 2, 3, 2) ?? []), [58, 64, 139, 154]);
  });

  it('propagates NaN and infinity like the readable product', () => {
    const a = randomMatrix(6, 9, 'nan.a');
    const b = randomMatrix(9, 11, 'nan.b');
    a.data[3] = NaN; // row 0
    a.data[9 * 2 + 4] = Infinity; // row 2
    b.data[11 * 5 + 7] = -Infinity; // column 7
    assertClose(matmul(a, b).data, referenceMatmul(a, b).data, STAGE_TOLERANCE, 'product');
  });

  it('reads operands that are views into larger buffers', () => {
    const buffer = randomMatrix(1, 40, 'views').data;
    const a: Tensor = { shape: [3, 4], data: buffer.subarray(5, 17) };
    const b: Tensor = { shape: [4, 5], data: buffer.subarray(20, 40) };
    assertClose(matmul(a, b).data, referenceMatmul(a, b).data, STAGE_TOLERANCE, 'product');
  });

  it('keeps the readable error for mismatched inner sizes', () => {
    assert.throws(
      () => matmul(randomMatrix(2, 3, 'x'), randomMatrix(4, 2, 'y')),
      /cannot multiply 2×3 by 4×2/,
    );
  });
});

describe('kernels: elementwise', () => {
  before(function () {
    if (kernelRuntime() === undefined) {
      this.skip();
    }
  });

  /** Returns a random matrix with NaN, infinities and signed zeros among its numbers. */
  function withSpecialValues(rows: number, columns: number, name: string): Tensor {
    const x = randomMatrix(rows, columns, name);
    const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -3e38];
    special.forEach((value, i) => {
      x.data[(i * 7919) % x.data.length] = value;
    });
    return x;
  }

  // [n, m]: below and above the size where the kernels take over, a row
  // wider than a 16384-float block, and rows that do not fill a block.
  const shapes: [number, number][] = [
    [1, 1],
    [3, 7],
    [32, 33],
    [64, 257],
    [5, 17000],
    [129, 1000],
  ];
  for (const [n, m] of shapes) {
    it(`addBias, add and relu equal the readable loops for ${n}×${m}`, () => {
      const x = withSpecialValues(n, m, `x${n}.${m}`);
      const y = randomMatrix(n, m, `y${n}.${m}`);
      const bias = randomMatrix(1, m, `bias${m}`).data;
      bias[m - 1] = Infinity;
      assert.deepEqual(addBias(x, bias), referenceAddBias(x, bias));
      assert.deepEqual(add(x, y), referenceAdd(x, y));
      assert.deepEqual(relu(x), referenceRelu(x));
    });
  }
});

describe('kernels: helper thread', () => {
  it('computes tasks of large products', function () {
    const runtime = kernelRuntime();
    if (runtime === undefined || typeof SharedArrayBuffer !== 'function') {
      this.skip();
    }
    this.timeout(20000);
    const a = randomMatrix(256, 128, 'helper.a');
    const b = randomMatrix(128, 512, 'helper.b', 1 / Math.sqrt(128));
    const expected = referenceMatmul(a, b).data;
    const before = runtime.helperTasks;
    // The helper thread starts in the background, so repeat until it has joined.
    const deadline = performance.now() + 10000;
    do {
      assertClose(matmul(a, b).data, expected, STAGE_TOLERANCE, 'product');
    } while (runtime.helperTasks === before && performance.now() < deadline);
    assert.ok(runtime.helperTasks > before, 'the helper thread computed no task');
  });

  it('runTasks runs every task when no helper joins', () => {
    const control = new Int32Array(new SharedArrayBuffer(256));
    const ran: number[] = [];
    const copied: number[] = [];
    const outcome = runTasks({
      control,
      kernel: KERNEL_IDS.linear,
      tasks: 5,
      ownSlot: 1024,
      helperSlots: [2048, 4096],
      runTask: (index) => ran.push(index),
      copyOut: (index) => copied.push(index),
    });
    assert.deepEqual(ran, [0, 1, 2, 3, 4]);
    assert.deepEqual(copied, [0, 1, 2, 3, 4]);
    assert.deepEqual(outcome, { healthy: true, helperTasks: 0 });
    assert.equal(control[CONTROL_WORDS.sequence] % 2, 0, 'the job is closed');
  });

  it('runTasks closes the job when a task fails', () => {
    const control = new Int32Array(new SharedArrayBuffer(256));
    const run = () =>
      runTasks({
        control,
        kernel: KERNEL_IDS.attention,
        tasks: 4,
        ownSlot: 1024,
        helperSlots: [2048, 4096],
        runTask: (index) => {
          if (index === 2) {
            throw new Error('task 2 failed');
          }
        },
        copyOut: () => undefined,
      });
    assert.throws(run, /task 2 failed/);
    assert.equal(control[CONTROL_WORDS.sequence] % 2, 0, 'the job is closed');
    assert.ok(control[CONTROL_WORDS.next] >= 4, 'no task is left to claim');
  });
});

describe('kernels: choice', () => {
  afterEach(() => useKernels('wasm', { threads: true }));

  it('reference choice runs the readable loops', () => {
    useKernels('reference');
    assert.equal(kernelRuntime(), undefined);
    const a = randomMatrix(9, 13, 'choice.a');
    const b = randomMatrix(13, 6, 'choice.b');
    assert.deepEqual(Array.from(matmul(a, b).data), Array.from(referenceMatmul(a, b).data));
  });

  it('runtime is unavailable without WebAssembly SIMD', () => {
    const validate = WebAssembly.validate;
    // A host without SIMD rejects the modules, as validate() then reports.
    WebAssembly.validate = () => false;
    try {
      assert.equal(KernelRuntime.create(), undefined);
    } finally {
      WebAssembly.validate = validate;
    }
  });

  it('fuses multiply-adds exactly where V8 accepts relaxed SIMD', () => {
    // V8 accepts relaxed SIMD from 11.4 on, and Node 20's V8 11.3 with a flag.
    const [major, minor] = process.versions.v8.split('.').map(Number);
    const accepted =
      major > 11 ||
      (major === 11 && minor >= 4) ||
      process.execArgv.includes('--experimental-wasm-relaxed-simd');
    assert.equal(KernelRuntime.create()?.fusedMultiplyAdd, accepted);
    useKernels('wasm', { fusedMultiplyAdd: false });
    try {
      assert.equal(KernelRuntime.create()?.fusedMultiplyAdd, false);
    } finally {
      useKernels('wasm', { fusedMultiplyAdd: true });
    }
  });

  it('forward pass agrees across kernels', () => {
    const config = { ...DEFAULT_CONFIG, embeddingSize: 24, heads: 3, feedForwardSize: 40 };
    const parameters = initParameters(config, 37);
    const ids = Array.from({ length: 45 }, (_, t) => (t * 11) % 37);
    useKernels('reference');
    const readable = forward(ids, parameters, config.heads, true, 'sinusoidal');
    useKernels('wasm', { threads: false });
    const fast = forward(ids, parameters, config.heads, true, 'sinusoidal');
    for (const name of STAGE_NAMES) {
      assert.deepEqual([...fast[name].shape], [...readable[name].shape], `${name}: shape`);
      assertClose(fast[name].data, readable[name].data, STAGE_TOLERANCE, name);
    }
  });
});
