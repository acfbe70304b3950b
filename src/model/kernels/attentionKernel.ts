/**
 * Every head's scores, weights and context through the WebAssembly kernel
 * (`attention_task` in wat/attention.wat). K^T and V of each head are packed
 * once. Then each task computes one head's block of rows: scores, their
 * softmax, and the weighted sum of values. Under the causal mask that sum
 * stops at the block's last visible position, which skips about half of the
 * context's multiply-adds, since the masked weights are 0.
 */
import { copyRows } from './copyRows';
import { allocateOutput, allocateOverwritten } from './outputArrays';
import { STAGING_FLOATS } from './matmulKernel';
import { JOB_ADDRESS, KERNEL_IDS, kernelRuntime } from './runtime';

/** The attention stages that the heads' loops compute. */
export interface AttentionHeads {
  readonly scores: Float32Array; // [h, T, T]
  readonly weights: Float32Array; // [h, T, T]
  readonly context: Float32Array; // [T, d]
}

/** Maximum rows of one head per task. */
const MAX_ROWS_PER_TASK = 32;

/**
 * Computes what the readable loops of attention.ts compute, from queries,
 * keys and values of shape [T, d]. Returns undefined, for the readable loops
 * to run instead, when the WebAssembly kernels are unavailable or their
 * memory cannot hold the operands, when d is 0, and under the causal mask
 * when V contains a NaN or an infinity. The readable loops multiply the masked
 * weights' zeros by V, which then gives NaN, and the kernel skips those products.
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
  if (runtime === undefined || d === 0 || (causalMask && !allFinite(values))) {
    return undefined;
  }
  if (T === 0) {
    return {
      scores: new Float32Array(0),
      weights: new Float32Array(0),
      context: new Float32Array(0),
    };
  }
  const dHead = d / heads;
  const tStrips = Math.ceil(T / 8);
  const tPadded = tStrips * 8; // row stride of scores and weights in a slot
  const hStrips = Math.ceil(dHead / 8);
  const hPadded = hStrips * 8;
  const rowsPerTask = Math.min(MAX_ROWS_PER_TASK, Math.ceil(T / 4) * 4);
  const tasksPerHead = Math.ceil(T / rowsPerTask);

  runtime.reset();
  // The kernel computes rows in fours, so Q gets 3 spare rows.
  const q = runtime.allocate((T + 3) * d * 4);
  const packedKeys = runtime.allocate(heads * tStrips * dHead * 32);
  const packedValues = runtime.allocate(heads * hStrips * T * 32);
  const contextBuffer = runtime.allocate(T * d * 4);
  // K and V are copied in through a staging block of whole strips of 8 rows.
  const stagingRows = Math.min(T, Math.max(8, Math.floor(STAGING_FLOATS / d / 8) * 8));
  const staging = runtime.allocate(stagingRows * d * 4);
  if (
    q === undefined ||
    packedKeys === undefined ||
    packedValues === undefined ||
    contextBuffer === undefined ||
    staging === undefined
  ) {
    return undefined;
  }
  const floats = runtime.floats;
  floats.set(queries, q >> 2);
  // Scaling the keys scales the scores, which saves a pass over them.
  const scale = Math.fround(1 / Math.sqrt(dHead));
  for (let first = 0; first < T; first += stagingRows) {
    const rows = Math.min(stagingRows, T - first);
    floats.set(keys.subarray(first * d, (first + rows) * d), staging >> 2);
    for (let head = 0; head < heads; head++) {
      const keysOfHead = packedKeys + (head * tStrips + first / 8) * dHead * 32;
      runtime.exports.pack_transposed(
        staging + head * dHead * 4,
        d,
        rows,
        dHead,
        keysOfHead,
        scale,
      );
    }
    floats.set(values.subarray(first * d, (first + rows) * d), staging >> 2);
    for (let head = 0; head < heads; head++) {
      const valuesOfHead = packedValues + head * hStrips * T * 32 + first * 32;
      runtime.exports.pack_strips(staging + head * dHead * 4, d, rows, dHead, valuesOfHead, T);
    }
  }

  const ints = runtime.ints;
  const job = JOB_ADDRESS >> 2;
  ints[job] = q;
  ints[job + 1] = T;
  ints[job + 2] = d;
  ints[job + 3] = dHead;
  ints[job + 4] = causalMask ? 1 : 0;
  ints[job + 5] = packedKeys;
  ints[job + 6] = packedValues;
  ints[job + 7] = rowsPerTask;
  ints[job + 8] = tasksPerHead;
  ints[job + 9] = contextBuffer;
  const scores = allocateOverwritten(heads * T * T);
  const { data: weights, zeroed } = allocateOutput(heads * T * T);
  const context = allocateOverwritten(T * d);
  // An uninitialized array needs every weight written, masked zeros too,
  // and then whole rows copy faster than their visible parts.
  const wholeRows = !causalMask || !zeroed;
  ints[job + 10] = wholeRows ? 1 : 0;
  const completed = runtime.run({
    kernel: KERNEL_IDS.attention,
    tasks: heads * tasksPerHead,
    slotBytes: (2 * rowsPerTask * tPadded + rowsPerTask * hPadded) * 4,
    work: 2 * T * T * d,
    copyOut: (task, slot) => {
      const head = Math.floor(task / tasksPerHead);
      const first = (task % tasksPerHead) * rowsPerTask;
      const rows = Math.min(rowsPerTask, T - first);
      const target = head * T * T + first * T;
      const view = runtime.floats;
      copyRows(view, slot >> 2, tPadded, scores, target, rows, T);
      const from = (slot >> 2) + rowsPerTask * tPadded;
      if (wholeRows) {
        copyRows(view, from, tPadded, weights, target, rows, T);
        return;
      }
      // Only the visible weights are in the slot. The masked ones are 0, as
      // the zeroed array already is, so their pages stay untouched. A row
      // with a NaN score is NaN throughout, masked entries too.
      for (let r = 0; r < rows; r++) {
        const start = from + r * tPadded;
        const row = target + r * T;
        if (Number.isNaN(view[start])) {
          weights.fill(NaN, row, row + T);
        } else {
          weights.set(view.subarray(start, start + first + r + 1), row);
        }
      }
    },
  });
  if (!completed) {
    return undefined;
  }
  context.set(runtime.floats.subarray(contextBuffer >> 2, (contextBuffer >> 2) + T * d));
  return { scores, weights, context };
}

function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      return false;
    }
  }
  return true;
}
