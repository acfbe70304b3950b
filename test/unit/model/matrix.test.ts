import * as assert from 'node:assert/strict';
import { add, addBias, addBiasInPlace, matmul, relu } from '../../../src/model/matrix';
import { Tensor } from '../../../src/model/tensor';
import { argmax } from '../../../src/model/forward';

const matrix = (rows: number[][]): Tensor => ({
  shape: [rows.length, rows[0].length],
  data: Float32Array.from(rows.flat()),
});

describe('matrix', () => {
  it('matmul multiplies a 2×3 by a 3×2', () => {
    const product = matmul(
      matrix([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      matrix([
        [7, 8],
        [9, 10],
        [11, 12],
      ]),
    );
    assert.deepEqual([...product.shape], [2, 2]);
    assert.deepEqual(Array.from(product.data), [58, 64, 139, 154]);
  });

  it('matmul rejects mismatched inner sizes', () => {
    assert.throws(() => matmul(matrix([[1, 2]]), matrix([[1, 2]])), /cannot multiply 1×2 by 1×2/);
  });

  it('addBias adds to every row', () => {
    const result = addBias(
      matrix([
        [1, 2],
        [3, 4],
      ]),
      Float32Array.from([10, 20]),
    );
    assert.deepEqual(Array.from(result.data), [11, 22, 13, 24]);
  });

  it('addBiasInPlace changes and returns its input', () => {
    const x = matrix([
      [1, 2],
      [3, 4],
    ]);
    const result = addBiasInPlace(x, Float32Array.from([10, 20]));
    assert.equal(result, x);
    assert.deepEqual(Array.from(x.data), [11, 22, 13, 24]);
  });

  it('add rejects different shapes', () => {
    assert.throws(() => add(matrix([[1, 2]]), matrix([[1], [2]])), /cannot add/);
  });

  it('relu zeroes negatives', () => {
    assert.deepEqual(Array.from(relu(matrix([[-1, 0, 2]])).data), [0, 0, 2]);
  });

  it('argmax breaks ties toward the lowest index', () => {
    assert.equal(argmax([0.2, 0.4, 0.4]), 1);
  });
});
