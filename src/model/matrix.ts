/**
 * Matrix kernels on row-major `Float32Array`s. The `reference...` functions
 * are the plain, readable versions of the math: the product accumulates each
 * sum in float64 (JavaScript's number) and rounds it to float32 once, when it
 * is stored. `matmul`, `addBias`, `add` and `relu` run the WebAssembly SIMD
 * kernels of kernels/ instead where they are available. The product kernel
 * accumulates in float32, and it agrees with the readable one within 1e-5 at
 * the model's sizes (test/unit/model/kernels.test.ts). A float32 partial sum
 * past about 3.4e38 overflows to Infinity, and opposite infinities then give
 * NaN, where the readable loops' float64 sums stay finite. The elementwise
 * kernels give the same numbers as the readable loops.
 */
import { wasmAdd, wasmAddBias, wasmRelu } from './kernels/elementwiseKernel';
import { wasmMatmul } from './kernels/matmulKernel';
import { Tensor, matrixSize } from './tensor';

/**
 * Elementwise operations on fewer elements stay in JavaScript: addBias on 64
 * floats took 430 ns in the readable loop and 453 ns in the kernel, on 128
 * floats 729 against 529 ns.
 */
const WASM_MIN_ELEMENTS = 128;

/** Returns `a @ b` for `a` of shape [n, k] and `b` of shape [k, m]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [n, k, m] = productSize(a, b);
  const fast = wasmMatmul(a.data, b.data, n, k, m);
  return fast === undefined ? referenceMatmul(a, b) : { shape: [n, m], data: fast };
}

/**
 * Returns `a @ b^T` for `a` of shape [n, k] and `b` of shape [m, k], without
 * building the transpose: the kernel packs B's rows as columns.
 */
export function matmulTransposed(a: Tensor, b: Tensor): Tensor {
  const [n, k] = matrixSize(a, 'left operand');
  const [m, kb] = matrixSize(b, 'right operand');
  if (k !== kb) {
    throw new RangeError(
      `cannot multiply ${n}×${k} by the transpose of ${m}×${kb}: inner sizes differ`,
    );
  }
  const fast = wasmMatmul(a.data, b.data, n, k, m, true);
  return fast === undefined ? referenceMatmulTransposed(a, b) : { shape: [n, m], data: fast };
}

/** Returns `a @ b^T` like `matmulTransposed`, always through the readable loops. */
export function referenceMatmulTransposed(a: Tensor, b: Tensor): Tensor {
  const [n, k] = matrixSize(a, 'left operand');
  const [m] = matrixSize(b, 'right operand');
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      // Row i of a and row j of b are both contiguous.
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += a.data[i * k + p] * b.data[j * k + p];
      }
      out[i * m + j] = sum;
    }
  }
  return { shape: [n, m], data: out };
}

/** Returns `a @ b` like `matmul`, always through the readable loops. */
export function referenceMatmul(a: Tensor, b: Tensor): Tensor {
  const [n, k, m] = productSize(a, b);
  const out = new Float32Array(n * m);
  const row = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    // i-p-j order walks both `b` and the output row contiguously.
    for (let p = 0; p < k; p++) {
      const aip = a.data[i * k + p];
      const bOffset = p * m;
      for (let j = 0; j < m; j++) {
        row[j] += aip * b.data[bOffset + j];
      }
    }
    out.set(row, i * m);
  }
  return { shape: [n, m], data: out };
}

/** Returns [n, k, m] for `a` [n, k] and `b` [k, m]. Throws when the inner sizes differ. */
function productSize(a: Tensor, b: Tensor): [number, number, number] {
  const [n, k] = matrixSize(a, 'left operand');
  const [kb, m] = matrixSize(b, 'right operand');
  if (k !== kb) {
    throw new RangeError(`cannot multiply ${n}×${k} by ${kb}×${m}: inner sizes differ`);
  }
  return [n, k, m];
}

/** Adds `bias` of length m to every row of `x` of shape [n, m]. */
export function addBias(x: Tensor, bias: Float32Array): Tensor {
  const [n, m] = biasSize(x, bias);
  const fast = n * m >= WASM_MIN_ELEMENTS ? wasmAddBias(x.data, bias, n, m) : undefined;
  return fast === undefined ? referenceAddBias(x, bias) : { shape: [n, m], data: fast };
}

/**
 * Adds `bias` to every row of `x` in place and returns `x`. For a fresh
 * product that nothing else holds, this saves a second array of its size:
 * 41 MB for the logits of 2,048 tokens over 5,000 words.
 */
export function addBiasInPlace(x: Tensor, bias: Float32Array): Tensor {
  const [n, m] = biasSize(x, bias);
  const data = x.data;
  for (let i = 0, row = 0; i < n; i++, row += m) {
    for (let j = 0; j < m; j++) {
      data[row + j] += bias[j];
    }
  }
  return x;
}

/** Adds `bias` like `addBias`, always through the readable loop. */
export function referenceAddBias(x: Tensor, bias: Float32Array): Tensor {
  const [n, m] = biasSize(x, bias);
  const input = x.data;
  const out = new Float32Array(n * m);
  for (let i = 0, row = 0; i < n; i++, row += m) {
    for (let j = 0; j < m; j++) {
      out[row + j] = input[row + j] + bias[j];
    }
  }
  return { shape: [n, m], data: out };
}

function biasSize(x: Tensor, bias: Float32Array): [number, number] {
  const [n, m] = matrixSize(x, 'input');
  if (bias.length !== m) {
    throw new RangeError(`bias has ${bias.length} entries but the input has ${m} columns`);
  }
  return [n, m];
}

/** Returns the elementwise sum of two tensors of the same shape. */
export function add(a: Tensor, b: Tensor): Tensor {
  checkSameShape(a, b);
  const fast = a.data.length >= WASM_MIN_ELEMENTS ? wasmAdd(a.data, b.data) : undefined;
  return fast === undefined ? referenceAdd(a, b) : { shape: [...a.shape], data: fast };
}

/** Returns the sum like `add`, always through the readable loop. */
export function referenceAdd(a: Tensor, b: Tensor): Tensor {
  checkSameShape(a, b);
  const x = a.data;
  const y = b.data;
  const out = new Float32Array(x.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = x[i] + y[i];
  }
  return { shape: [...a.shape], data: out };
}

function checkSameShape(a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((size, i) => size !== b.shape[i])) {
    throw new RangeError(`cannot add [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
}

/** Returns `max(0, x)` elementwise. */
export function relu(x: Tensor): Tensor {
  const fast = x.data.length >= WASM_MIN_ELEMENTS ? wasmRelu(x.data) : undefined;
  return fast === undefined ? referenceRelu(x) : { shape: [...x.shape], data: fast };
}

/** Returns `max(0, x)` like `relu`, always through the readable loop. */
export function referenceRelu(x: Tensor): Tensor {
  const input = x.data;
  const out = new Float32Array(input.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = input[i] > 0 ? input[i] : 0;
  }
  return { shape: [...x.shape], data: out };
}
