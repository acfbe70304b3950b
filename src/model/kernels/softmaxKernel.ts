/** One row's softmax through the WebAssembly kernel (`softmax_row` in wat/softmax.wat). */
import { kernelRuntime } from './runtime';

/**
 * Writes the softmax of `input[offset .. offset + length)` into the same
 * range of `output`, with only the first `visible` entries unmasked, as
 * softmaxRow does. Returns false, having written nothing, when the
 * WebAssembly kernels are unavailable.
 */
export function wasmSoftmaxRow(
  input: Float32Array,
  output: Float32Array,
  offset: number,
  length: number,
  visible: number,
): boolean {
  const runtime = kernelRuntime();
  if (runtime === undefined) {
    return false;
  }
  runtime.reset();
  const source = runtime.allocate(length * 4);
  const target = runtime.allocate(length * 4);
  if (source === undefined || target === undefined) {
    return false;
  }
  const floats = runtime.floats;
  floats.set(input.subarray(offset, offset + length), source >> 2);
  runtime.exports.softmax_row(source, target, length, Math.max(0, Math.min(visible, length)));
  output.set(floats.subarray(target >> 2, (target >> 2) + length), offset);
  return true;
}
