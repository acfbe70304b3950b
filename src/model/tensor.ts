/**
 * A dense float32 array with a shape, stored in row-major order. Every stage
 * of the forward pass is one of these, so the trace, the CLI's JSON and the
 * inspector all read the same layout.
 */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Creates a zero-filled tensor of the given shape. */
export function zeros(shape: readonly number[]): Tensor {
  return { shape: [...shape], data: new Float32Array(sizeOf(shape)) };
}

/** Returns the number of elements a tensor of `shape` holds. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
}

/** Formats a shape the way the inspector prints it, for example `5×16`. */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/** Throws unless `tensor` is a matrix; returns its rows and columns. */
export function matrixSize(tensor: Tensor, name: string): [number, number] {
  if (tensor.shape.length !== 2) {
    throw new RangeError(`${name} must be a matrix, but its shape is [${tensor.shape.join(', ')}]`);
  }
  return [tensor.shape[0], tensor.shape[1]];
}
