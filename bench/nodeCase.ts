/**
 * Times one benchmark configuration in this process and prints one JSON line
 * to stdout. bench/run.js bundles this file with esbuild and runs it once per
 * configuration, each in a fresh process, so that `peak_mb` belongs to one
 * configuration. Usage: node out/bench/nodeCase.js NAME [--check] [--copy]
 *
 * A forward row times `forward()` of src/model/forward.ts, every stage
 * included, with `reuseMemory`: the stages stay in the kernels' memory,
 * which the next pass reuses, as in training. With `--copy` the stages are
 * copied out into a new buffer each pass, as for the inspector, and the row
 * has `"outputs": "copied"`. A training row times one step on `batch`
 * windows of `tokens` tokens. For each window it runs the forward pass,
 * the cross-entropy from the forward pass's probabilities and the backward
 * pass of src/model/train/. Then it divides the summed gradients by the
 * batch size and applies one Adam update. `--check` also runs the readable kernels and adds the
 * largest difference of any forward stage, as `max_abs_diff`.
 */
import { DEFAULT_CONFIG, ModelConfig } from '../src/model/config';
import { STAGE_NAMES, forward } from '../src/model/forward';
import { kernelRuntime, useKernels } from '../src/model/kernels/runtime';
import { PARAMETER_NAMES, Parameters, initParameters } from '../src/model/parameters';
import { Adam } from '../src/model/train/adam';
import { backward, zeroGradients } from '../src/model/train/backward';
import { crossEntropy } from '../src/model/train/loss';
import { accumulate } from '../src/model/train/tensorOps';
import configs from './configs.json';
import { forwardFlops, trainFlops } from './flops.js';

interface BenchConfig {
  readonly name: string;
  readonly kind: 'forward' | 'train';
  readonly tokens: number;
  readonly batch: number;
  readonly vocab: number;
  readonly d: number;
  readonly heads: number;
  readonly ff: number;
}

/** Timed samples per configuration; the median is reported. */
const SAMPLES = { forward: 7, train: 5 };
/** A sample repeats a short call until it lasts about this long. */
const MIN_SAMPLE_MS = 20;
/** Milliseconds of calls before timing starts. */
const WARM_UP_MS = 500;
/** Calls this long or longer start with the previous call's garbage collected. */
const COLLECT_BEFORE_MS = 1;

/** Returns fixed pseudo-random token ids in [0, vocab), the same in every run. */
function tokenIds(count: number, vocab: number, salt: number): number[] {
  return Array.from({ length: count }, (_, t) => (t * 7919 + salt * 104729) % vocab);
}

/**
 * Returns the median milliseconds of one call of `run`. Calls first repeat
 * for WARM_UP_MS (at least 3 calls), so that V8 has optimized the code.
 * Before calls of COLLECT_BEFORE_MS or more the garbage of the last call is
 * collected, so that the peak memory is that of one call. Shorter calls run
 * as V8 collects by itself, because collecting before each of them made the
 * seed configuration's calls about twice as slow.
 */
function timeCalls(run: () => void, samples: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  const start = performance.now();
  let calls = 0;
  let running = 0;
  let last = 0;
  while (calls < 3 || performance.now() - start < WARM_UP_MS) {
    if (last >= COLLECT_BEFORE_MS) {
      gc?.();
    }
    const begin = performance.now();
    run();
    last = performance.now() - begin;
    running += last;
    calls++;
  }

  const once = running / calls;
  const inner = Math.max(1, Math.round(MIN_SAMPLE_MS / once));
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    if (once >= COLLECT_BEFORE_MS) {
      gc?.();
    }
    const begin = performance.now();
    for (let i = 0; i < inner; i++) {
      run();
    }
    times.push((performance.now() - begin) / inner);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function modelConfig(config: BenchConfig): ModelConfig {
  return {
    ...DEFAULT_CONFIG,
    embeddingSize: config.d,
    heads: config.heads,
    feedForwardSize: config.ff,
    contextLength: config.tokens,
    positions: 'none',
  };
}

/** Returns one training step's function: `batch` windows, one Adam update. */
function trainingStep(config: BenchConfig, parameters: Parameters): () => void {
  const model = modelConfig(config);
  const adam = new Adam(parameters);
  const windows = Array.from({ length: config.batch }, (_, b) =>
    tokenIds(config.tokens + 1, config.vocab, b + 1),
  );
  return () => {
    const total = zeroGradients(parameters);
    for (const window of windows) {
      const inputs = window.slice(0, config.tokens);
      const targets = window.slice(1);
      const trace = forward(inputs, parameters, model.heads, true, 'none', { reuseMemory: true });
      const { dLogits } = crossEntropy(trace.logits, targets, trace.probabilities);
      backward(inputs, trace, dLogits, parameters, model, total);
    }
    // The loss is the mean over the batch, so its gradient is the mean of the windows'.
    for (const name of PARAMETER_NAMES) {
      const data = total[name].data;
      for (let i = 0; i < data.length; i++) {
        data[i] /= config.batch;
      }
    }
    adam.update(parameters, total, 1e-3);
  };
}

/** Returns the largest absolute difference between the kernels' and the readable forward pass. */
function compareKernels(ids: number[], parameters: Parameters, heads: number): number {
  const fast = forward(ids, parameters, heads, true, 'none');
  useKernels('reference');
  const readable = forward(ids, parameters, heads, true, 'none');
  useKernels('wasm');
  let largest = 0;
  for (const name of STAGE_NAMES) {
    const a = fast[name].data;
    const b = readable[name].data;
    for (let i = 0; i < a.length; i++) {
      // Equal values include the masked scores, -Infinity in both.
      largest = a[i] === b[i] ? largest : Math.max(largest, Math.abs(a[i] - b[i]));
    }
  }
  return largest;
}

function main(): void {
  const name = process.argv[2];
  const config = (configs as BenchConfig[]).find((c) => c.name === name);
  if (config === undefined) {
    throw new Error(`unknown configuration ${JSON.stringify(name)}; see bench/configs.json`);
  }
  const parameters = initParameters(modelConfig(config), config.vocab);
  const ids = tokenIds(config.tokens, config.vocab, 0);
  const copy = process.argv.includes('--copy');
  const run =
    config.kind === 'forward'
      ? () => void forward(ids, parameters, config.heads, true, 'none', { reuseMemory: !copy })
      : trainingStep(config, parameters);
  const ms = timeCalls(run, SAMPLES[config.kind]);

  const flops = config.kind === 'forward' ? forwardFlops(config) : trainFlops(config);
  const fused = kernelRuntime()?.fusedMultiplyAdd === true;
  const result: Record<string, string | number> = {
    name: config.name,
    runtime: fused ? 'node-relaxed-simd' : 'node',
    tokens: config.tokens * config.batch,
    vocab: config.vocab,
    d: config.d,
    heads: config.heads,
    ff: config.ff,
    ms: Number(ms.toFixed(4)),
    gflops: Number((flops / ms / 1e6).toFixed(2)),
    peak_mb: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
  };
  if (copy && config.kind === 'forward') {
    result.outputs = 'copied';
  }
  if (config.kind === 'train') {
    result.seq = config.tokens;
    result.batch = config.batch;
    result.tokens_per_s = Math.round((config.tokens * config.batch * 1000) / ms);
  }
  if (process.argv.includes('--check') && config.kind === 'forward') {
    result.max_abs_diff = compareKernels(ids, parameters, config.heads);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main();
