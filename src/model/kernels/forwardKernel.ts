/**
 * The whole forward pass in the kernels' memory. Every stage gets its place
 * in one arena (runtime.ts), and the weights are copied in once. Each step
 * is one job whose tasks write straight into the next stage's rows.
 * `linear_task` runs the projections, with the bias, ReLU and, for the
 * logits, the softmax fused in, and `attention_task` runs the heads.
 * Nothing is copied between steps, and the arena's pages are reused from
 * one pass to the next.
 *
 * The stages are either copied out, each into a new buffer, or, for callers
 * that run pass after pass and read each one before the next (training and
 * the benchmark), returned as views into the arena that stay valid until
 * the next forward pass through the kernels.
 */
import { Parameters } from '../parameters';
import { attentionNeedsReadableLoops, runAttention } from './attentionKernel';
import { packRight } from './matmulKernel';
import {
  JOB_ADDRESS,
  KERNEL_IDS,
  KernelRuntime,
  kernelRuntime,
  releaseKernelRuntime,
} from './runtime';

/** Every stage's numbers; `input` is embeddings plus positions, when the model has positions. */
export interface KernelStages {
  readonly embeddings: Float32Array; // [T, d]
  readonly positions?: Float32Array; // [T, d]
  readonly queries: Float32Array; // [T, d]
  readonly keys: Float32Array; // [T, d]
  readonly values: Float32Array; // [T, d]
  readonly scores: Float32Array; // [h, T, T]
  readonly weights: Float32Array; // [h, T, T]
  readonly context: Float32Array; // [T, d]
  readonly attention: Float32Array; // [T, d]
  readonly residual: Float32Array; // [T, d]
  readonly hidden: Float32Array; // [T, d_ff]
  readonly feedForward: Float32Array; // [T, d]
  readonly output: Float32Array; // [T, d]
  readonly logits: Float32Array; // [T, V]
  readonly probabilities: Float32Array; // [T, V]
}

type ArenaName = keyof KernelStages | 'input';

/** A right-hand matrix in the kernels' memory, as `gemm` reads it. */
interface RightOperand {
  readonly address: number;
  readonly rowBytes: number;
  readonly stripBytes: number;
}

/**
 * Right-hand matrices wider than this are packed into strips of 8 columns,
 * so that a strip's rows lie together; narrower ones are read in place.
 */
const PACK_MIN_COLUMNS = 256;
/** Maximum rows per task of a projection. */
const MAX_ROWS_PER_TASK = 64;
/** Maximum bytes of output per task, so that a task's rows stay in the L2 cache. */
const MAX_TASK_BYTES = 1 << 18;
/**
 * Kernel memory larger than this is given back, by discarding it, once no
 * pass has run for RELEASE_AFTER_MS. One long run then does not keep
 * hundreds of megabytes in an editor's process, and runs in a row still
 * reuse the memory.
 */
const KEEP_ARENA_BYTES = 64 * 1024 * 1024;
const RELEASE_AFTER_MS = 20_000;
let releaseTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Runs the forward pass on `ids` (already checked against the vocabulary)
 * through the kernels. `positions` contains the [T, d] position vectors, if the
 * model has them. Returns undefined, for the readable path to run instead,
 * where the kernels are unavailable, their memory cannot hold the pass, or
 * the kernels cannot reproduce the readable loops on these numbers.
 */
export function wasmForward(
  ids: readonly number[],
  parameters: Parameters,
  heads: number,
  causalMask: boolean,
  positions: Float32Array | undefined,
  reuseArena: boolean,
): KernelStages | undefined {
  const runtime = kernelRuntime();
  const T = ids.length;
  const [V, d] = parameters.embeddings.shape;
  const dFF = parameters.w1.shape[1];
  if (runtime === undefined || T === 0 || d === 0 || dFF === 0 || V === 0 || d % heads !== 0) {
    return undefined;
  }

  const layout = arenaLayout(T, d, dFF, V, heads, positions !== undefined);
  const base = runtime.reserveArena(layout.floats * 4);
  if (base === undefined) {
    return undefined;
  }
  const at = stageAddresses(layout, base);

  // The weights, after the arena.
  const wq = loadRight(runtime, parameters.queryWeight.data, d, d);
  const wk = loadRight(runtime, parameters.keyWeight.data, d, d);
  const wv = loadRight(runtime, parameters.valueWeight.data, d, d);
  const wo = loadRight(runtime, parameters.outputWeight.data, d, d);
  const w1 = loadRight(runtime, parameters.w1.data, d, dFF);
  const w2 = loadRight(runtime, parameters.w2.data, dFF, d);
  const wVocabulary = loadRight(runtime, parameters.vocabularyWeight.data, d, V);
  const b1 = loadVector(runtime, parameters.b1.data);
  const b2 = loadVector(runtime, parameters.b2.data);
  const bVocabulary = loadVector(runtime, parameters.vocabularyBias.data);
  if (
    wq === undefined ||
    wk === undefined ||
    wv === undefined ||
    wo === undefined ||
    w1 === undefined ||
    w2 === undefined ||
    wVocabulary === undefined ||
    b1 === undefined ||
    b2 === undefined ||
    bVocabulary === undefined
  ) {
    return undefined;
  }

  // 1. Embedding rows, plus the position vectors.
  const floats = runtime.floats;
  const table = parameters.embeddings.data;
  for (let t = 0, row = at.embeddings >> 2; t < T; t++, row += d) {
    // Short rows are copied in a loop, which saves creating a subarray per row.
    const from = ids[t] * d;
    if (d < 32) {
      for (let j = 0; j < d; j++) {
        floats[row + j] = table[from + j];
      }
    } else {
      floats.set(table.subarray(from, from + d), row);
    }
  }
  let input = at.embeddings;
  if (positions !== undefined) {
    floats.set(positions, at.positions >> 2);
    input = at.input;
    addInto(runtime, input, at.embeddings, at.positions, T * d);
  }

  // 2. Attention and its residual connection.
  const projected =
    linear(runtime, input, d, wq, d, T, at.queries) &&
    linear(runtime, input, d, wk, d, T, at.keys) &&
    linear(runtime, input, d, wv, d, T, at.values);
  if (!projected) {
    return undefined;
  }
  const values = floats.subarray(at.values >> 2, (at.values >> 2) + T * d);
  if (attentionNeedsReadableLoops(values, d, causalMask)) {
    return undefined;
  }
  const attended =
    runAttention(runtime, at, T, d, heads, causalMask) &&
    linear(runtime, at.context, d, wo, d, T, at.attention);
  if (!attended) {
    return undefined;
  }
  addInto(runtime, at.residual, input, at.attention, T * d);

  // 3. Feed-forward, ReLU and both biases fused into the products.
  const fed =
    linear(runtime, at.residual, d, w1, dFF, T, at.hidden, { bias: b1, relu: true }) &&
    linear(runtime, at.hidden, dFF, w2, d, T, at.feedForward, { bias: b2 });
  if (!fed) {
    return undefined;
  }
  addInto(runtime, at.output, at.residual, at.feedForward, T * d);

  // 4 and 5. Logits with their bias, and each row's softmax, in one job.
  const projectedToVocabulary = linear(runtime, at.output, d, wVocabulary, V, T, at.logits, {
    bias: bVocabulary,
    probabilities: at.probabilities,
  });
  if (!projectedToVocabulary) {
    return undefined;
  }

  scheduleRelease(runtime);
  if (reuseArena && runtime.sharedMemory) {
    const floats = runtime.floats;
    if (
      lastViews?.layout !== layout ||
      lastViews.base !== base ||
      lastViews.buffer !== floats.buffer
    ) {
      const views = stageViews(layout, floats, base >> 2);
      lastViews = { layout, base, buffer: floats.buffer, views };
    }
    return lastViews.views;
  }
  // Each stage gets a buffer of its own, so that a caller who keeps or sends
  // one stage does not hold or send the others.
  return stageViews(layout, runtime.floats, base >> 2, true);
}

/**
 * Gives the kernels' memory back RELEASE_AFTER_MS after the last pass, if it
 * has grown past KEEP_ARENA_BYTES, and forgets the views of the last pass,
 * which would keep it alive.
 */
function scheduleRelease(runtime: KernelRuntime): void {
  if (releaseTimer !== undefined) {
    clearTimeout(releaseTimer);
    releaseTimer = undefined;
  }
  if (runtime.memoryBytes <= KEEP_ARENA_BYTES) {
    return;
  }
  releaseTimer = setTimeout(() => {
    releaseTimer = undefined;
    lastViews = undefined;
    releaseKernelRuntime();
  }, RELEASE_AFTER_MS);
  // In Node the timer does not keep the process alive.
  (releaseTimer as { unref?: () => void }).unref?.();
}

/** Stage offsets in the arena, in floats from its start. */
interface ArenaLayout {
  /** T, d, d_ff, V, heads and 1 or 0 for positions. */
  readonly sizesKey: readonly number[];
  readonly sizes: readonly (readonly [ArenaName, number])[];
  readonly offsets: Readonly<Record<ArenaName, number>>;
  readonly floats: number;
}

let lastLayout: ArenaLayout | undefined;
/** The byte addresses of the latest pass's stages. */
let lastAddresses: { layout: ArenaLayout; base: number; at: Record<ArenaName, number> } | undefined;
/** The views of the latest pass that kept its stages in the arena. */
let lastViews:
  { layout: ArenaLayout; base: number; buffer: ArrayBufferLike; views: KernelStages } | undefined;

/** Returns the arena's layout for these sizes; the same object as last time for the same sizes. */
function arenaLayout(
  T: number,
  d: number,
  dFF: number,
  V: number,
  heads: number,
  hasPositions: boolean,
): ArenaLayout {
  const sizesKey = [T, d, dFF, V, heads, hasPositions ? 1 : 0];
  if (lastLayout?.sizesKey.every((size, i) => size === sizesKey[i])) {
    return lastLayout;
  }
  const sizes: [ArenaName, number][] = [
    ['embeddings', T * d],
    ...(hasPositions
      ? ([
          ['positions', T * d],
          ['input', T * d],
        ] as [ArenaName, number][])
      : []),
    ['queries', T * d],
    ['keys', T * d],
    ['values', T * d],
    ['scores', heads * T * T],
    ['weights', heads * T * T],
    ['context', T * d],
    ['attention', T * d],
    ['residual', T * d],
    ['hidden', T * dFF],
    ['feedForward', T * d],
    ['output', T * d],
    ['logits', T * V],
    ['probabilities', T * V],
  ];
  // Every stage starts 16-byte aligned, so whole vectors of 4 floats stay inside it.
  const offsets: Partial<Record<ArenaName, number>> = {};
  let floats = 0;
  for (const [name, length] of sizes) {
    offsets[name] = floats;
    floats += Math.ceil(length / 4) * 4;
  }
  lastLayout = { sizesKey, sizes, offsets: offsets as Record<ArenaName, number>, floats };
  return lastLayout;
}

/** Returns every stage's byte address for an arena at `base`. */
function stageAddresses(layout: ArenaLayout, base: number): Record<ArenaName, number> {
  if (lastAddresses?.layout !== layout || lastAddresses.base !== base) {
    const at: Partial<Record<ArenaName, number>> = {};
    for (const [name] of layout.sizes) {
      at[name] = base + layout.offsets[name] * 4;
    }
    lastAddresses = { layout, base, at: at as Record<ArenaName, number> };
  }
  return lastAddresses.at;
}

/**
 * Returns every stage of `source`, whose index `start` is the arena's
 * start: views into it, or copies with `copy`.
 */
function stageViews(
  layout: ArenaLayout,
  source: Float32Array,
  start: number,
  copy = false,
): KernelStages {
  const stages: Partial<Record<ArenaName, Float32Array>> = {};
  for (const [name, length] of layout.sizes) {
    const offset = start + layout.offsets[name];
    if (name !== 'input') {
      stages[name] = copy
        ? source.slice(offset, offset + length)
        : source.subarray(offset, offset + length);
    }
  }
  return stages as KernelStages;
}

/** Copies the k×m matrix `data` into the kernels' memory, packed if it is wide. */
function loadRight(
  runtime: KernelRuntime,
  data: Float32Array,
  k: number,
  m: number,
): RightOperand | undefined {
  if (m >= PACK_MIN_COLUMNS) {
    const packed = packRight(runtime, data, k, m, false);
    return packed === undefined ? undefined : { address: packed, rowBytes: 32, stripBytes: k * 32 };
  }
  const address = runtime.allocate(k * m * 4);
  if (address === undefined) {
    return undefined;
  }
  runtime.floats.set(data.length === k * m ? data : data.subarray(0, k * m), address >> 2);
  return { address, rowBytes: m * 4, stripBytes: 32 };
}

function loadVector(runtime: KernelRuntime, data: Float32Array): number | undefined {
  const address = runtime.allocate(data.length * 4);
  if (address !== undefined) {
    runtime.floats.set(data, address >> 2);
  }
  return address;
}

/** Writes x + y into `out`, `count` floats at byte addresses in the kernels' memory. */
function addInto(runtime: KernelRuntime, out: number, x: number, y: number, count: number): void {
  runtime.floats.copyWithin(out >> 2, x >> 2, (x >> 2) + count);
  // Arena entries are whole vectors of 4 floats, so the kernel's last vector stays inside.
  runtime.exports.add(out, y, count);
}

interface LinearOptions {
  /** Byte address of the bias, added to every row. */
  readonly bias?: number;
  readonly relu?: boolean;
  /** Byte address of a [n, m] matrix for each row's softmax. */
  readonly probabilities?: number;
}

/** Runs C = A B (+ bias, ReLU, softmax) for A [n, k] at `a` into C [n, m] at `c`. */
function linear(
  runtime: KernelRuntime,
  a: number,
  k: number,
  b: RightOperand,
  m: number,
  n: number,
  c: number,
  options: LinearOptions = {},
): boolean {
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
  return runtime.run({
    kernel: KERNEL_IDS.linear,
    tasks: Math.ceil(n / rowsPerTask),
    slotBytes: 0,
    work: n * k * m,
    copyOut: () => undefined,
  });
}
