/**
 * Numerically stable softmax over one row, with an optional mask. Subtracting
 * the row's maximum before `exp` keeps large inputs from overflowing to
 * Infinity, so `softmax([800, 1, 1])` is [1, 0, 0] rather than NaN.
 * `referenceSoftmaxRow` is the readable version. `softmaxRow` runs the
 * WebAssembly SIMD kernel of kernels/ instead on rows long enough for it to pay.
 */
import { wasmSoftmaxRow } from './kernels/softmaxKernel';

/**
 * Rows shorter than this stay in JavaScript: at 8 entries the two took about
 * the same time (130 ns), at 16 the kernel took 134 ns against 218.
 */
const WASM_MIN_LENGTH = 16;

/**
 * Writes the softmax of `input[offset .. offset + length)` into the same
 * range of `output`, considering only the first `visible` entries; the rest
 * are masked and get 0. A row with no visible entry, or whose visible
 * entries are all -Infinity, becomes all zeros. When the maximum is
 * +Infinity the entries equal to it share the weight equally.
 * A NaN among the visible entries makes the whole row NaN.
 */
export function softmaxRow(
  input: Float32Array,
  output: Float32Array,
  offset: number,
  length: number,
  visible: number = length,
): void {
  if (length >= WASM_MIN_LENGTH && wasmSoftmaxRow(input, output, offset, length, visible)) {
    return;
  }
  referenceSoftmaxRow(input, output, offset, length, visible);
}

/** Computes `softmaxRow` with the readable loops: `exp` and the sum in float64. */
export function referenceSoftmaxRow(
  input: Float32Array,
  output: Float32Array,
  offset: number,
  length: number,
  visible: number = length,
): void {
  const end = offset + Math.min(visible, length);
  let max = -Infinity;
  let hasNaN = false;
  for (let j = offset; j < end; j++) {
    const x = input[j];
    if (Number.isNaN(x)) {
      hasNaN = true;
    } else if (x > max) {
      max = x;
    }
  }

  if (hasNaN) {
    output.fill(NaN, offset, offset + length);
    return;
  }
  output.fill(0, offset, offset + length);
  if (end === offset || max === -Infinity) {
    // Every entry is masked or -Infinity: no entry gets any weight.
    return;
  }

  let sum = 0;
  for (let j = offset; j < end; j++) {
    let e: number;
    if (max === Infinity) {
      // The entries at +Infinity share the weight; every other entry gets none.
      e = input[j] === Infinity ? 1 : 0;
    } else {
      e = Math.exp(input[j] - max);
    }
    output[j] = e;
    sum += e;
  }
  for (let j = offset; j < end; j++) {
    output[j] /= sum;
  }
}

/** Returns the softmax of a plain array, for callers outside the model. */
export function softmax(values: readonly number[]): number[] {
  const input = Float32Array.from(values);
  const output = new Float32Array(input.length);
  softmaxRow(input, output, 0, input.length);
  return Array.from(output);
}
