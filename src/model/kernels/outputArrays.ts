/**
 * Allocation of the kernels' output arrays. `new Float32Array(n)` zeroes its
 * memory. Below glibc's largest mmap threshold (32 MiB on 64-bit Linux) the
 * memory often comes back from a freed array, and then the zeroing is a
 * full extra pass. Allocating and filling 4 MiB took 1.1 ms that way against
 * 0.4 ms without the zeroing, measured on the machine of docs/benchmarks.md.
 * So in Node the kernels take uninitialized memory from
 * Buffer.allocUnsafeSlow for arrays that they overwrite entirely. Larger
 * arrays are fresh pages from the operating system, already zero, which a
 * caller can leave unwritten.
 */

/** Bytes from which glibc always maps fresh pages for an allocation. */
const FRESH_PAGES_BYTES = 32 * 1024 * 1024;
/** Smaller arrays gain too little to be worth a Buffer. */
const MIN_UNINITIALIZED_BYTES = 65536;

/** A new float array and whether its entries start at 0. */
export interface OutputArray {
  readonly data: Float32Array;
  /** False when the caller must write every entry, because the memory is uninitialized. */
  readonly zeroed: boolean;
}

/** Returns a new array of `length` floats, uninitialized where that saves a pass. */
export function allocateOutput(length: number): OutputArray {
  const bytes = length * 4;
  const allocUnsafeSlow = globalThis.Buffer?.allocUnsafeSlow;
  if (bytes >= MIN_UNINITIALIZED_BYTES && bytes < FRESH_PAGES_BYTES && allocUnsafeSlow) {
    const buffer = allocUnsafeSlow(bytes);
    // allocUnsafeSlow never pools, so the buffer owns its whole ArrayBuffer.
    if (buffer.byteOffset === 0 && buffer.buffer.byteLength === bytes) {
      return { data: new Float32Array(buffer.buffer, 0, length), zeroed: false };
    }
  }
  return { data: new Float32Array(length), zeroed: true };
}

/** Returns a new array of `length` floats that the caller overwrites entirely. */
export function allocateOverwritten(length: number): Float32Array {
  return allocateOutput(length).data;
}
