/**
 * Every head's scores, weights and context through the WebAssembly kernel
 * (`attention_task` in wat/forward.wat). K^T and V of each head are packed
 * once. Then each task computes one head's block of rows: scores, their
 * softmax, and the weighted sum of values, written straight into the
 * [h, T, T] and [T, d] matrices in the kernels' memory. Under the causal
 * mask that sum stops at the block's last visible position, which skips
 * about half of the context's multiply-adds, since the masked weights are 0.
 */
import { JOB_ADDRESS, KERNEL_IDS, KernelRuntime, kernelRuntime } from './runtime';

/** The attention stages that the heads' loops compute. */
export interface AttentionHeads {
  readonly scores: Float32Array; // [h, T, T]
  readonly weights: Float32Array; // [h, T, T]
  readonly context: Float32Array; // [T, d]
}

/** Byte addresses in the kernels' memory of attention's inputs and outputs. */
export type AttentionAddresses = Readonly<
  Record<'queries' | 'keys' | 'values' | keyof AttentionHeads, number>
>;

/** Maximum rows of one head per task. */
const MAX_ROWS_PER_TASK = 16;

/**
 * Computes what the readable loops of attention.ts compute, from queries,
 * keys and values of shape [T, d]. Returns undefined, for the readable loops
 * to run instead, when the WebAssembly kernels are unavailable or their
 * memory cannot hold the operands, when d is 0, and under the causal mask
 * when V contains a NaN or an infinity (see `attentionNeedsReadableLoops`).
 */
export function wasmAttentionHeads(
  queries: Float32Array,
  keys: Float32Array,
  values: Float32Array,
  T: number,
  d: number,
  heads: number,
  causalMask: boolean,
): AttentionHeads | undefined {
  const runtime = kernelRuntime();
  if (runtime === undefined || attentionNeedsReadableLoops(values, d, causalMask)) {
    return undefined;
  }
  runtime.reset();
  const matrixBytes = T * d * 4;
  const headBytes = heads * T * T * 4;
  const at = {
    queries: runtime.allocate(matrixBytes),
    keys: runtime.allocate(matrixBytes),
    values: runtime.allocate(matrixBytes),
    scores: runtime.allocate(headBytes),
    weights: runtime.allocate(headBytes),
    context: runtime.allocate(matrixBytes),
  };
  if (Object.values(at).includes(undefined)) {
    return undefined;
  }
  const addresses = at as AttentionAddresses;
  runtime.floats.set(queries, addresses.queries >> 2);
  runtime.floats.set(keys, addresses.keys >> 2);
  runtime.floats.set(values, addresses.values >> 2);
  if (!runAttention(runtime, addresses, T, d, heads, causalMask)) {
    return undefined;
  }
  const floats = runtime.floats;
  const copy = (address: number, length: number): Float32Array =>
    floats.slice(address >> 2, (address >> 2) + length);
  return {
    scores: copy(addresses.scores, heads * T * T),
    weights: copy(addresses.weights, heads * T * T),
    context: copy(addresses.context, T * d),
  };
}

/**
 * True when the kernel cannot reproduce the readable loops: when d is 0,
 * and under the causal mask when V contains a NaN or an infinity. The
 * readable loops multiply the masked weights' zeros by V, which then gives
 * NaN, and the kernel skips those products.
 */
export function attentionNeedsReadableLoops(
  values: Float32Array,
  d: number,
  causalMask: boolean,
): boolean {
  return d === 0 || (causalMask && !allFinite(values));
}

/**
 * Runs attention on matrices already in the kernels' memory. Allocates
 * scratch space after the caller's allocations. Returns false when the
 * memory cannot hold the packed keys and values.
 */
export function runAttention(
  runtime: KernelRuntime,
  at: AttentionAddresses,
  T: number,
  d: number,
  heads: number,
  causalMask: boolean,
): boolean {
  if (T === 0) {
    return true;
  }
  const dHead = d / heads;
  const tStrips = Math.ceil(T / 8);
  const hStrips = Math.ceil(dHead / 8);
  const rowsPerTask = Math.min(MAX_ROWS_PER_TASK, Math.ceil(T / 4) * 4);
  const tasksPerHead = Math.ceil(T / rowsPerTask);
  const packedKeys = runtime.allocate(heads * tStrips * dHead * 32);
  const packedValues = runtime.allocate(heads * hStrips * T * 32);
  if (packedKeys === undefined || packedValues === undefined) {
    return false;
  }
  // Scaling the keys scales the scores, which saves a pass over them.
  const scale = Math.fround(1 / Math.sqrt(dHead));
  const { pack_transposed: packTransposed, pack_strips: packStrips } = runtime.exports;
  for (let head = 0; head < heads; head++) {
    const columns = head * dHead * 4;
    packTransposed(at.keys + columns, d, T, dHead, packedKeys + head * tStrips * dHead * 32, scale);
    packStrips(at.values + columns, d, T, dHead, packedValues + head * hStrips * T * 32, T);
  }

  const ints = runtime.ints;
  const job = JOB_ADDRESS >> 2;
  ints[job] = at.queries;
  ints[job + 1] = T;
  ints[job + 2] = d;
  ints[job + 3] = dHead;
  ints[job + 4] = causalMask ? 1 : 0;
  ints[job + 5] = packedKeys;
  ints[job + 6] = packedValues;
  ints[job + 7] = rowsPerTask;
  ints[job + 8] = tasksPerHead;
  ints[job + 9] = at.context;
  ints[job + 10] = at.scores;
  ints[job + 11] = at.weights;
  runtime.run({ kernel: KERNEL_IDS.attention, tasks: heads * tasksPerHead, work: 2 * T * T * d });
  return true;
}

function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      return false;
    }
  }
  return true;
}
