/** Seeded random matrices for the kernel tests. */
import { openStream } from '../../../src/model/random';
import { Tensor } from '../../../src/model/tensor';

/** Returns a [rows, columns] tensor of seeded standard normal numbers times `scale`. */
export function randomMatrix(rows: number, columns: number, name: string, scale = 1): Tensor {
  const stream = openStream(7, name);
  const data = new Float32Array(rows * columns);
  for (let i = 0; i < data.length; i++) {
    data[i] = stream.nextNormal() * scale;
  }
  return { shape: [rows, columns], data };
}
