/** Copying rows out of the kernels' padded output slots. */

/**
 * Copies `rows` rows of `width` floats from `source` (rows `stride` floats
 * apart, starting at index `from`) into consecutive rows of `target` at index `to`.
 */
export function copyRows(
  source: Float32Array,
  from: number,
  stride: number,
  target: Float32Array,
  to: number,
  rows: number,
  width: number,
): void {
  if (stride === width) {
    target.set(source.subarray(from, from + rows * width), to);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const start = from + r * stride;
    if (width < 32) {
      // Short rows are copied in a loop, which saves creating a subarray per row.
      for (let j = 0; j < width; j++) {
        target[to + r * width + j] = source[start + j];
      }
    } else {
      target.set(source.subarray(start, start + width), to + r * width);
    }
  }
}
