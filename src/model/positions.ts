/**
 * Position vectors. Causal attention without them treats the earlier tokens
 * as an unordered set, so the model cannot tell "a b" from "b a". The block's
 * input is `X = E[ids] + P`, where row t of P depends only on the position t:
 * a fixed sinusoidal pattern or a learned table with one row per position.
 */
import { Tensor, matrixSize } from './tensor';

/** Kind of position vectors added to the token embeddings. */
export type PositionEncoding = 'none' | 'sinusoidal' | 'learned';

export const POSITION_ENCODINGS: readonly PositionEncoding[] = ['none', 'sinusoidal', 'learned'];

/** Returns whether `value` is one of the position encodings. */
export function isPositionEncoding(value: unknown): value is PositionEncoding {
  return POSITION_ENCODINGS.includes(value as PositionEncoding);
}

/**
 * Returns the sinusoidal position vectors of positions 0 .. length - 1 as a
 * [length, d] tensor: column c of row t is sin(angle) for even c and
 * cos(angle) for odd c, where angle = t / 10000^(2i/d) and i = floor(c / 2).
 */
export function sinusoidalPositions(length: number, d: number): Tensor {
  const timescales = Float64Array.from({ length: d }, (_, c) =>
    Math.pow(10000, (2 * Math.floor(c / 2)) / d),
  );
  const data = new Float32Array(length * d); // [T, d]
  for (let t = 0; t < length; t++) {
    for (let c = 0; c < d; c++) {
      const angle = t / timescales[c];
      data[t * d + c] = c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return { shape: [length, d], data };
}

/**
 * Returns the position vectors P of the first `length` positions, or
 * undefined for 'none'. A learned table must have at least `length` rows.
 */
export function positionVectors(
  encoding: PositionEncoding,
  length: number,
  d: number,
  learnedTable: Tensor | undefined,
): Tensor | undefined {
  switch (encoding) {
    case 'none':
      return undefined;
    case 'sinusoidal':
      return sinusoidalPositions(length, d);
    case 'learned': {
      if (learnedTable === undefined) {
        throw new RangeError(
          'learned positions need a position table, but the parameters lack one',
        );
      }
      const [rows, columns] = matrixSize(learnedTable, 'position table');
      if (columns !== d || rows < length) {
        throw new RangeError(
          `the position table is ${rows}×${columns}, but ${length} positions of size ${d} are needed`,
        );
      }
      return { shape: [length, d], data: learnedTable.data.slice(0, length * d) };
    }
  }
}
