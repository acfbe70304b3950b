/**
 * The matrix product through the WebAssembly kernel (wat/gemm.wat). It copies
 * the operands into the kernels' memory and packs B into strips of 8 columns.
 * Then the calling thread and the helper thread compute C in blocks of rows,
 * one task per block.
 */
import { copyRows } from './copyRows';
import { allocateOverwritten } from './outputArrays';
import { JOB_ADDRESS, KERNEL_IDS, KernelRuntime, kernelRuntime } from './runtime';

/** Maximum rows of C per task. */
const MAX_ROWS_PER_TASK = 64;
/** Maximum bytes of C per task, so that a task's output stays in the L2 cache. */
const MAX_SLOT_BYTES = 1 << 19;
/** Maximum floats of an operand copied into the kernels' memory at a time for packing. */
export const STAGING_FLOATS = 1 << 16;

/**
 * Returns `a @ b` for row-major `a` [n, k] and `b` [k, m], or `a @ b^T` for
 * `b` [m, k] when `transposeB` is true, or undefined when the WebAssembly
 * kernels are unavailable or their memory cannot hold the operands. Sums
 * are accumulated in float32.
 */
export function wasmMatmul(
  a: Float32Array,
  b: Float32Array,
  n: number,
  k: number,
  m: number,
  transposeB = false,
): Float32Array | undefined {
  const runtime = kernelRuntime();
  if (runtime === undefined) {
    return undefined;
  }
  if (n === 0 || m === 0 || k === 0) {
    return new Float32Array(n * m);
  }
  const strips = Math.ceil(m / 8);
  const width = strips * 8; // a task's rows in its slot are padded to whole strips
  const slotRows = Math.max(4, Math.floor(MAX_SLOT_BYTES / (width * 4)) & ~3);
  // Aim for 8 or more tasks, so that both threads get a share.
  const rowsPerTask = Math.min(MAX_ROWS_PER_TASK, slotRows, roundUpTo4(Math.ceil(n / 8)));
  const tasks = Math.ceil(n / rowsPerTask);

  runtime.reset();
  // The kernel computes rows in fours, so A gets 3 spare rows.
  const aAddress = runtime.allocate((n + 3) * k * 4);
  const packed = packRight(runtime, b, k, m, transposeB);
  if (aAddress === undefined || packed === undefined) {
    return undefined;
  }
  runtime.floats.set(a.length === n * k ? a : a.subarray(0, n * k), aAddress >> 2);

  const ints = runtime.ints;
  const job = JOB_ADDRESS >> 2;
  ints[job] = aAddress;
  ints[job + 1] = k;
  ints[job + 2] = packed;
  ints[job + 3] = strips;
  ints[job + 4] = n;
  ints[job + 5] = rowsPerTask;

  const out = allocateOverwritten(n * m); // every task writes all its rows
  const completed = runtime.run({
    kernel: KERNEL_IDS.matmul,
    tasks,
    slotBytes: rowsPerTask * width * 4,
    work: n * k * m,
    copyOut: (task, slot) => {
      const first = task * rowsPerTask;
      const rows = Math.min(rowsPerTask, n - first);
      copyRows(runtime.floats, slot >> 2, width, out, first * m, rows, m);
    },
  });
  return completed ? out : undefined;
}

/**
 * Copies B [k, m] (or B^T, from `b` [m, k], when `transposed`) into the
 * kernels' memory packed into strips of 8 columns, as `gemm` reads them
 * with 32-byte rows. Returns its byte address, or undefined when the memory
 * cannot hold it. B is copied in through a small staging block, a few rows
 * at a time, and packed from there. For B^T, row j of B is column j of
 * B^T, and whole strips of 8 rows are packed at a time.
 */
export function packRight(
  runtime: KernelRuntime,
  b: Float32Array,
  k: number,
  m: number,
  transposed: boolean,
): number | undefined {
  const packed = runtime.allocate(Math.ceil(m / 8) * k * 32);
  const stagingRows = transposed
    ? Math.max(8, Math.floor(STAGING_FLOATS / k / 8) * 8)
    : Math.max(1, Math.min(k, Math.floor(STAGING_FLOATS / m)));
  const staging = runtime.allocate(stagingRows * (transposed ? k : m) * 4);
  if (packed === undefined || staging === undefined) {
    return undefined;
  }
  const floats = runtime.floats;
  const rowsOfB = transposed ? m : k;
  for (let first = 0; first < rowsOfB; first += stagingRows) {
    const rows = Math.min(stagingRows, rowsOfB - first);
    if (transposed) {
      floats.set(b.subarray(first * k, (first + rows) * k), staging >> 2);
      runtime.exports.pack_transposed(staging, k, rows, k, packed + (first / 8) * k * 32, 1);
    } else {
      floats.set(b.subarray(first * m, (first + rows) * m), staging >> 2);
      runtime.exports.pack_strips(staging, m, rows, m, packed + first * 32, k);
    }
  }
  runtime.rewind(staging);
  return packed;
}

function roundUpTo4(value: number): number {
  return Math.ceil(value / 4) * 4;
}
