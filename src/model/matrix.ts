/**
 * Matrix kernels on row-major `Float32Array`s. These are the plain, readable
 * versions of the math: each sum is accumulated in float64 (JavaScript's
 * number) and rounded to float32 once, when it is stored.
 */
import { Tensor, matrixSize } from './tensor';

/** Returns `a @ b` for `a` of shape [n, k] and `b` of shape [k, m]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [n, k] = matrixSize(a, 'left operand');
  const [kb, m] = matrixSize(b, 'right operand');
  if (k !== kb) {
    throw new RangeError(`cannot multiply ${n}×${k} by ${kb}×${m}: inner sizes differ`);
  }
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

/** Adds `bias` of length m to every row of `x` of shape [n, m]. */
export function addBias(x: Tensor, bias: Float32Array): Tensor {
  const [n, m] = matrixSize(x, 'input');
  if (bias.length !== m) {
    throw new RangeError(`bias has ${bias.length} entries but the input has ${m} columns`);
  }
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      out[i * m + j] = x.data[i * m + j] + bias[j];
    }
  }
  return { shape: [n, m], data: out };
}

/** Returns the elementwise sum of two tensors of the same shape. */
export function add(a: Tensor, b: Tensor): Tensor {
  if (a.shape.join() !== b.shape.join()) {
    throw new RangeError(`cannot add [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = a.data[i] + b.data[i];
  }
  return { shape: [...a.shape], data: out };
}

/** Returns `max(0, x)` elementwise. */
export function relu(x: Tensor): Tensor {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = x.data[i] > 0 ? x.data[i] : 0;
  }
  return { shape: [...x.shape], data: out };
}
