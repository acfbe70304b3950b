/**
 * Small tensor helpers that the backward pass needs beside the forward
 * kernels of matrix.ts: transposes, column sums and in-place accumulation.
 */
import { Tensor, matrixSize } from '../tensor';

/** Returns the transpose of a matrix of shape [n, m] as shape [m, n]. */
export function transpose(x: Tensor): Tensor {
  const [n, m] = matrixSize(x, 'transpose input');
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      out[j * n + i] = x.data[i * m + j];
    }
  }
  return { shape: [m, n], data: out };
}

/** Returns the sum of each column of a matrix of shape [n, m], as shape [m]. */
export function columnSums(x: Tensor): Tensor {
  const [n, m] = matrixSize(x, 'column sum input');
  const sums = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      sums[j] += x.data[i * m + j];
    }
  }
  return { shape: [m], data: Float32Array.from(sums) };
}

/** Adds `source` into `target` elementwise; both must have the same length. */
export function accumulate(target: Float32Array, source: Float32Array): void {
  if (target.length !== source.length) {
    throw new RangeError(`cannot add ${source.length} values into ${target.length}`);
  }
  for (let i = 0; i < target.length; i++) {
    target[i] += source[i];
  }
}

/** Returns whether every value of `data` is finite (neither NaN nor ±Infinity). */
export function allFinite(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      return false;
    }
  }
  return true;
}
