/**
 * The matrix product through the WebAssembly kernel (`gemm` in wat/gemm.wat,
 * run by `linear_task` in wat/forward.wat). B is copied into the kernels'
 * memory, packed into strips of 8 columns where it is wide. Then the calling
 * thread and the helper thread compute blocks of rows of C, one task per
 * block, straight into C.
 */
import { JOB_ADDRESS, KERNEL_IDS, KernelRuntime, kernelRuntime } from './runtime';

/** Maximum floats of an operand copied into the kernels' memory at a time for packing. */
const STAGING_FLOATS = 1 << 16;
/**
 * Right-hand matrices wider than this are packed into strips of 8 columns,
 * so that a strip's rows lie together; narrower ones are read in place.
 */
const PACK_MIN_COLUMNS = 256;
/** Maximum rows per task of a projection. */
const MAX_ROWS_PER_TASK = 64;
/** Maximum bytes of output per task, so that a task's rows stay in the L2 cache. */
const MAX_TASK_BYTES = 1 << 18;

/** A right-hand matrix in the kernels' memory, as `gemm` reads it. */
export interface RightOperand {
  readonly address: number;
  readonly rowBytes: number;
  readonly stripBytes: number;
}

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
  runtime.reset();
  const aAddress = runtime.allocate(n * k * 4);
  const right = transposeB ? packedOperand(runtime, b, k, m, true) : loadRight(runtime, b, k, m);
  const c = runtime.allocate(n * m * 4);
  if (aAddress === undefined || right === undefined || c === undefined) {
    return undefined;
  }
  runtime.floats.set(a.length === n * k ? a : a.subarray(0, n * k), aAddress >> 2);
  linear(runtime, aAddress, k, right, m, n, c);
  return runtime.floats.slice(c >> 2, (c >> 2) + n * m);
}

/** Copies the k×m matrix `data` into the kernels' memory, packed if it is wide. */
export function loadRight(
  runtime: KernelRuntime,
  data: Float32Array,
  k: number,
  m: number,
): RightOperand | undefined {
  if (m >= PACK_MIN_COLUMNS) {
    return packedOperand(runtime, data, k, m, false);
  }
  const address = runtime.allocate(k * m * 4);
  if (address === undefined) {
    return undefined;
  }
  runtime.floats.set(data.length === k * m ? data : data.subarray(0, k * m), address >> 2);
  return { address, rowBytes: m * 4, stripBytes: 32 };
}

/** Packs B (or B^T) with `packRight` and describes it as `gemm` reads it. */
function packedOperand(
  runtime: KernelRuntime,
  b: Float32Array,
  k: number,
  m: number,
  transposed: boolean,
): RightOperand | undefined {
  const packed = packRight(runtime, b, k, m, transposed);
  return packed === undefined ? undefined : { address: packed, rowBytes: 32, stripBytes: k * 32 };
}

/**
 * Copies B [k, m] (or B^T, from `b` [m, k], when `transposed`) into the
 * kernels' memory packed into strips of 8 columns, as `gemm` reads them
 * with 32-byte rows. Returns its byte address, or undefined when the memory
 * cannot hold it. B is copied in through a small staging block, a few rows
 * at a time, and packed from there. For B^T, row j of B is column j of
 * B^T, and whole strips of 8 rows are packed at a time.
 */
function packRight(
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

export interface LinearOptions {
  /** Byte address of the bias, added to every row. */
  readonly bias?: number;
  readonly relu?: boolean;
  /** Byte address of a [n, m] matrix for each row's softmax. */
  readonly probabilities?: number;
}

/** Runs C = A B (+ bias, ReLU, softmax) for A [n, k] at `a` into C [n, m] at `c`. */
export function linear(
  runtime: KernelRuntime,
  a: number,
  k: number,
  b: RightOperand,
  m: number,
  n: number,
  c: number,
  options: LinearOptions = {},
): void {
  // Whole blocks of 4 rows, as the product computes them, and 8 or more tasks.
  const rowsPerTask = Math.max(
    4,
    Math.min(MAX_ROWS_PER_TASK, Math.floor(MAX_TASK_BYTES / (m * 16)) * 4, Math.ceil(n / 128) * 4),
  );
  const ints = runtime.ints;
  const job = JOB_ADDRESS >> 2;
  ints[job] = a;
  ints[job + 1] = k;
  ints[job + 2] = b.address;
  ints[job + 3] = b.rowBytes;
  ints[job + 4] = b.stripBytes;
  ints[job + 5] = k;
  ints[job + 6] = c;
  ints[job + 7] = m;
  ints[job + 8] = n;
  ints[job + 9] = m;
  ints[job + 10] = rowsPerTask;
  ints[job + 11] = options.bias ?? 0;
  ints[job + 12] = options.relu === true ? 1 : 0;
  ints[job + 13] = options.probabilities ?? 0;
  ints[job + 14] = m;
  runtime.run({ kernel: KERNEL_IDS.linear, tasks: Math.ceil(n / rowsPerTask), work: n * k * m });
}
