/**
 * Elementwise operations through the WebAssembly kernels (wat/elementwise.wat):
 * each copies its input into the kernels' memory one block at a time,
 * computes in place with 4-lane SIMD, and copies the block out. They match
 * the readable loops of matrix.ts exactly, since each output is one float32
 * addition or comparison either way.
 */
import { allocateOverwritten } from './outputArrays';
import { kernelRuntime } from './runtime';

/** Floats per block: 64 KiB, so that a block stays in the L2 cache. */
const BLOCK_FLOATS = 16384;

/** Returns `bias` (length m) added to every row of `x` [n, m], or undefined without the kernels. */
export function wasmAddBias(
  x: Float32Array,
  bias: Float32Array,
  n: number,
  m: number,
): Float32Array | undefined {
  const runtime = kernelRuntime();
  if (runtime === undefined) {
    return undefined;
  }
  if (n * m === 0) {
    return new Float32Array(0);
  }
  const out = allocateOverwritten(n * m);
  const rowsPerBlock = Math.max(1, Math.floor(BLOCK_FLOATS / m));
  runtime.reset();
  const biasAddress = runtime.allocate(m * 4);
  const block = runtime.allocate(rowsPerBlock * m * 4);
  if (biasAddress === undefined || block === undefined) {
    return undefined;
  }
  const floats = runtime.floats;
  floats.set(bias, biasAddress >> 2);
  for (let first = 0; first < n; first += rowsPerBlock) {
    const rows = Math.min(rowsPerBlock, n - first);
    floats.set(x.subarray(first * m, (first + rows) * m), block >> 2);
    runtime.exports.add_bias(block, biasAddress, rows, m);
    out.set(floats.subarray(block >> 2, (block >> 2) + rows * m), first * m);
  }
  return out;
}

/** Returns `a + b` elementwise for arrays of equal length, or undefined without the kernels. */
export function wasmAdd(a: Float32Array, b: Float32Array): Float32Array | undefined {
  const runtime = kernelRuntime();
  if (runtime === undefined) {
    return undefined;
  }
  const out = allocateOverwritten(a.length);
  runtime.reset();
  const first = runtime.allocate(BLOCK_FLOATS * 4);
  const second = runtime.allocate(BLOCK_FLOATS * 4);
  if (first === undefined || second === undefined) {
    return undefined;
  }
  const floats = runtime.floats;
  for (let start = 0; start < a.length; start += BLOCK_FLOATS) {
    const end = Math.min(start + BLOCK_FLOATS, a.length);
    floats.set(a.subarray(start, end), first >> 2);
    floats.set(b.subarray(start, end), second >> 2);
    runtime.exports.add(first, second, end - start);
    out.set(floats.subarray(first >> 2, (first >> 2) + end - start), start);
  }
  return out;
}

/** Returns max(0, x) elementwise, with NaN giving 0, or undefined without the kernels. */
export function wasmRelu(x: Float32Array): Float32Array | undefined {
  const runtime = kernelRuntime();
  if (runtime === undefined) {
    return undefined;
  }
  const out = allocateOverwritten(x.length);
  runtime.reset();
  const block = runtime.allocate(BLOCK_FLOATS * 4);
  if (block === undefined) {
    return undefined;
  }
  const floats = runtime.floats;
  for (let start = 0; start < x.length; start += BLOCK_FLOATS) {
    const end = Math.min(start + BLOCK_FLOATS, x.length);
    floats.set(x.subarray(start, end), block >> 2);
    runtime.exports.relu(block, end - start);
    out.set(floats.subarray(block >> 2, (block >> 2) + end - start), start);
  }
  return out;
}
