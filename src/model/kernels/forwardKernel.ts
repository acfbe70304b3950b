/**
 * The whole forward pass in the kernels' memory. Every stage gets its place
 * in one arena (runtime.ts), and the weights are copied in once. Each step
 * is one job whose tasks write straight into the next stage's rows.
 * `linear_task` runs the projections, with the bias, ReLU and, for the
 * logits, the softmax fused in, and `attention_task` runs the heads.
 * Nothing is copied between steps, and the arena's pages are reused from
 * one pass to the next.
 *
 * By default each stage is copied out into a new buffer. Callers that read
 * each pass before running the next, such as training and the benchmark,
 * can instead take views into the arena, valid until the next forward pass
 * through the kernels.
 */
import type { StageName } from '../forward';
import { Parameters } from '../parameters';
import { attentionNeedsReadableLoops, runAttention } from './attentionKernel';
import { linear, loadRight } from './matmulKernel';
import { KernelRuntime, kernelRuntime, releaseKernelRuntime } from './runtime';

/** Every stage's numbers, in the shapes of forward.ts's trace. */
export type KernelStages = Readonly<Record<StageName, Float32Array>> & {
  readonly positions?: Float32Array;
};

/** A stage, or `input`: embeddings plus positions, when the model has positions. */
type ArenaName = keyof KernelStages | 'input';

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
  linear(runtime, input, d, wq, d, T, at.queries);
  linear(runtime, input, d, wk, d, T, at.keys);
  linear(runtime, input, d, wv, d, T, at.values);
  const values = floats.subarray(at.values >> 2, (at.values >> 2) + T * d);
  if (attentionNeedsReadableLoops(values, d, causalMask)) {
    return undefined;
  }
  if (!runAttention(runtime, at, T, d, heads, causalMask)) {
    return undefined;
  }
  linear(runtime, at.context, d, wo, d, T, at.attention);
  addInto(runtime, at.residual, input, at.attention, T * d);

  // 3. Feed-forward, ReLU and both biases fused into the products.
  linear(runtime, at.residual, d, w1, dFF, T, at.hidden, { bias: b1, relu: true });
  linear(runtime, at.hidden, dFF, w2, d, T, at.feedForward, { bias: b2 });
  addInto(runtime, at.output, at.residual, at.feedForward, T * d);

  // 4 and 5. Logits with their bias, and each row's softmax, in one job.
  linear(runtime, at.output, d, wVocabulary, V, T, at.logits, {
    bias: bVocabulary,
    probabilities: at.probabilities,
  });

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
 * has grown past KEEP_ARENA_BYTES. The cached views of the last pass are
 * dropped too, because they would keep the memory alive.
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
