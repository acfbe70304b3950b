/**
 * The `tiny-llm` command line. `predict` runs the same model core as the
 * extension on text from a flag or a file and prints the prediction, or the
 * whole trace as JSON, with random weights or with saved ones. `train`
 * trains a model on a text and saves it as safetensors. Bad input exits
 * with status 1 and one error line on stderr.
 */
import {
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ModelConfig, validateConfig } from './model/config';
import { ModelRun, runModel } from './model/run';
import { ModelFileError } from './model/safetensors';
import { jsonPieces, runToJson } from './model/serialize';
import { formatShape } from './model/tensor';
import { tokenize } from './model/tokenizer';
import { decodeModelFile, encodeModelFile } from './model/train/modelFile';
import {
  DEFAULT_TRAIN_OPTIONS,
  EpochReport,
  TrainedModel,
  UNKNOWN_ID,
  UNKNOWN_TOKEN,
  runTrainedModel,
  trainModel,
} from './model/train/train';

const USAGE = `Usage: tiny-llm predict (--text TEXT | --file PATH) [--weights MODEL] [options]
       tiny-llm train (--file PATH | --text TEXT) --out MODEL [options]

predict runs Tiny LLM on the text and prints the predicted next word. Without
--weights the weights are random and untrained.
train trains a model on the text by next-word prediction, prints the loss of
every epoch and the next-word accuracy on the text, and saves the model.

Options:
  --text TEXT              the text to read
  --file PATH              read the text from a UTF-8 file instead
  --json                   predict: print tokens, vocabulary, prediction and every stage as JSON;
                           train: print one JSON object per epoch and a summary object
  --weights MODEL          predict with a model saved by train; its sizes come from the file
  --out MODEL              train: path of the safetensors file to write
  --epochs N               train: passes over the text (default ${DEFAULT_TRAIN_OPTIONS.epochs})
  --learning-rate X        train: Adam's initial step size (default ${DEFAULT_TRAIN_OPTIONS.learningRate})
  --seed N                 seed of the random weights (default 42; train ${DEFAULT_TRAIN_OPTIONS.seed})
  --embedding-size N       length of each embedding vector, d_model (default 16; train ${DEFAULT_TRAIN_OPTIONS.embeddingSize})
  --heads N                number of attention heads (default 1; train ${DEFAULT_TRAIN_OPTIONS.heads})
  --feed-forward-size N    width of the feed-forward hidden layer, d_ff (default 64; train ${DEFAULT_TRAIN_OPTIONS.feedForwardSize})
  --context-length N       maximum number of tokens read; longer text keeps its end (default 512;
                           train ${DEFAULT_TRAIN_OPTIONS.contextLength}, the length of each training window)
  --positions KIND         position vectors added to the embeddings: none, sinusoidal or learned
                           (default none; train ${DEFAULT_TRAIN_OPTIONS.positions})
  --no-causal-mask         let every position attend to every other position
  -h, --help               show this help
`;

/** An error caused by the command line's input; printed without a stack trace. */
class UsageError extends Error {}

const INTEGER_FLAGS = {
  seed: 'seed',
  'embedding-size': 'embeddingSize',
  heads: 'heads',
  'feed-forward-size': 'feedForwardSize',
  'context-length': 'contextLength',
} as const satisfies Record<string, keyof ModelConfig>;

/** Flags that set the model's sizes, which a saved model fixes. */
const CONFIG_FLAGS = [...Object.keys(INTEGER_FLAGS), 'positions', 'no-causal-mask'];
const TRAIN_FLAGS = ['out', 'epochs', 'learning-rate'];

type Values = Record<string, string | boolean | undefined>;

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      text: { type: 'string' },
      file: { type: 'string' },
      json: { type: 'boolean', default: false },
      weights: { type: 'string' },
      out: { type: 'string' },
      epochs: { type: 'string' },
      'learning-rate': { type: 'string' },
      seed: { type: 'string' },
      'embedding-size': { type: 'string' },
      heads: { type: 'string' },
      'feed-forward-size': { type: 'string' },
      'context-length': { type: 'string' },
      positions: { type: 'string' },
      'no-causal-mask': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const [command, ...extra] = positionals;
  if (command !== 'predict' && command !== 'train') {
    throw new UsageError(
      command === undefined
        ? 'missing command; run "tiny-llm --help"'
        : `unknown command "${command}"; the commands are "predict" and "train"`,
    );
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"; pass the text with --text or --file`);
  }
  if (command === 'train') {
    train(values);
  } else {
    predict(values);
  }
}

function predict(values: Values): void {
  rejectFlags(values, TRAIN_FLAGS, 'is an option of train, not predict');
  const text = readText(values.text, values.file);
  let run: ModelRun;
  let model: TrainedModel | undefined;
  if (typeof values.weights === 'string') {
    rejectFlags(
      values,
      CONFIG_FLAGS,
      'cannot be combined with --weights, because the sizes come from the model file',
    );
    model = readModel(values.weights);
    run = runTrainedModel(text, model);
  } else {
    run = runModel(text, readConfig(values, {}));
  }
  if (!values.json) {
    writeOut(formatSummary(run, model));
    return;
  }
  // A long text's trace can be longer than a string may be, so it goes out in pieces.
  for (const piece of jsonPieces(runToJson(run))) {
    if (!writeOut(piece)) {
      return;
    }
  }
  writeOut('\n');
}

function train(values: Values): void {
  rejectFlags(values, ['weights'], 'cannot be used with train, which starts from fresh weights');
  if (typeof values.out !== 'string' || values.out === '') {
    throw new UsageError('missing output; pass --out PATH for the model file to write');
  }
  const out = values.out;
  // Check the output directory first, so a typo does not cost a whole training run.
  const directory = path.dirname(path.resolve(out));
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new UsageError(`cannot write ${out}: directory ${directory} not found`);
  }
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new UsageError(`cannot write ${out}: it is a directory. Pass a file path to --out`);
  }
  const text = readText(values.text, values.file);
  const config = readConfig(values, DEFAULT_TRAIN_OPTIONS);
  const epochs = readPositiveNumber(values.epochs, 'epochs', DEFAULT_TRAIN_OPTIONS.epochs, true);
  const learningRate = readPositiveNumber(
    values['learning-rate'],
    'learning-rate',
    DEFAULT_TRAIN_OPTIONS.learningRate,
    false,
  );
  const document = typeof values.file === 'string' ? path.basename(values.file) : 'text';

  const onEpoch = (report: EpochReport): void => {
    const line = values.json
      ? JSON.stringify(report)
      : `Epoch ${report.epoch}/${report.epochs}: loss ${report.loss.toFixed(4)} (step ${report.step} of ${report.steps})`;
    process.stdout.write(`${line}\n`);
  };
  let model: TrainedModel;
  try {
    model = trainModel(text, { ...config, epochs, learningRate, document }, { onEpoch });
  } catch (error) {
    // trainModel throws a RangeError for an invalid option or a text of fewer than 2 tokens.
    throw error instanceof RangeError ? new UsageError(error.message) : error;
  }

  const bytes = encodeModelFile(model);
  writeAtomically(out, bytes);
  const accuracy = model.info.accuracy ?? 0;
  const total = tokenize(text).length - 1;
  // The info stores the ratio only, and correct / total reproduces it within rounding.
  const correct = Math.round(accuracy * total);
  if (values.json) {
    const summary = {
      out,
      bytes: bytes.length,
      ...model.info,
      correct,
      total,
      vocabularySize: model.vocabulary.length,
      config: model.config,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(
      `Next-word accuracy on the training text: ${(accuracy * 100).toFixed(1)}% (${correct} of ${total})\n` +
        `Wrote ${out} (${bytes.length} bytes, vocabulary of ${model.vocabulary.length} including <unk>)\n`,
    );
  }
}

/** Throws a UsageError for the first of `flags` that is set: `--flag` followed by `problem`. */
function rejectFlags(values: Values, flags: readonly string[], problem: string): void {
  const conflicting = flags.find((flag) => values[flag] !== undefined && values[flag] !== false);
  if (conflicting !== undefined) {
    throw new UsageError(`--${conflicting} ${problem}`);
  }
}

function readText(text: unknown, file: unknown): string {
  if (text !== undefined && file !== undefined) {
    throw new UsageError('pass either --text or --file, not both');
  }
  if (typeof text === 'string') {
    return text;
  }
  if (typeof file !== 'string') {
    throw new UsageError('missing input; pass --text TEXT or --file PATH');
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${describeFileError(error)}`);
  }
}

function readModel(file: string): TrainedModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${describeFileError(error)}`);
  }
  try {
    return decodeModelFile(bytes);
  } catch (error) {
    if (error instanceof ModelFileError) {
      throw new UsageError(`invalid model file ${file}: ${error.message}`);
    }
    throw error;
  }
}

/** Writes `bytes` to `PATH.tmp` and renames it to `file`, so `file` is never half-written. */
function writeAtomically(file: string, bytes: Uint8Array): void {
  const temporary = `${file}.tmp`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UsageError(`cannot write ${file}: ${describeFileError(error)}`);
  }
}

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return 'file not found';
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return 'permission denied';
  }
  if (code === 'EISDIR') {
    return 'it is a directory';
  }
  return String(error);
}

/**
 * Returns the model configuration from the size flags, each missing one
 * taking its value from `defaults` and then from the untrained defaults.
 */
function readConfig(values: Values, defaults: Partial<ModelConfig>): ModelConfig {
  const input: Partial<Record<keyof ModelConfig, unknown>> = {
    ...defaults,
    causalMask: !values['no-causal-mask'],
  };
  for (const [flag, key] of Object.entries(INTEGER_FLAGS)) {
    const raw = values[flag];
    if (typeof raw === 'string') {
      input[key] = /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    }
  }
  if (typeof values.positions === 'string') {
    input.positions = values.positions;
  }
  const { config, problems } = validateConfig(input);
  if (problems.length > 0) {
    throw new UsageError(`invalid option: ${problems[0].message}`);
  }
  return config;
}

/** Parses a positive number flag, whole when `integer` is set. Returns `fallback` when absent. */
function readPositiveNumber(
  raw: unknown,
  flag: string,
  fallback: number,
  integer: boolean,
): number {
  if (raw === undefined) {
    return fallback;
  }
  const pattern = integer ? /^\d+$/ : /^(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
  const value = typeof raw === 'string' && pattern.test(raw.trim()) ? Number(raw) : NaN;
  if (!(value > 0) || !Number.isFinite(value)) {
    const kind = integer ? 'whole number' : 'number';
    throw new UsageError(
      `invalid option: --${flag} is ${JSON.stringify(raw)}, but it must be a positive ${kind}`,
    );
  }
  return value;
}

function formatSummary(run: ModelRun, model: TrainedModel | undefined): string {
  const { trace, prediction } = run;
  const describeToken = (token: ModelRun['tokens'][number]): string =>
    model !== undefined && token.id === UNKNOWN_ID
      ? `${token.text}=${UNKNOWN_TOKEN}`
      : `${token.text}=${token.id}`;
  const lines = [`Tokens (${run.tokens.length}): ${run.tokens.map(describeToken).join(' ')}`];
  if (run.droppedCharacters > 0) {
    lines.push(
      `Context: kept the last ${run.tokens.length} tokens and left out the first ` +
        `${run.droppedCharacters} characters`,
    );
  }
  lines.push(
    `Embeddings ${formatShape(trace.embeddings.shape)}, attention weights ${formatShape(trace.weights.shape)}, ` +
      `logits ${formatShape(trace.logits.shape)}`,
    `Top words: ${run.topCandidates
      .slice(0, 5)
      .map((candidate) => `${candidate.word} ${(candidate.probability * 100).toFixed(1)}%`)
      .join(', ')}`,
    `Predicted next word: ${prediction.word} (id ${prediction.id}, probability ${prediction.probability.toFixed(4)})`,
  );
  if (model === undefined) {
    lines.push('The weights are random and untrained, so the prediction is not yet meaningful.');
  } else {
    const { info } = model;
    lines.push(
      `Weights trained on ${info.document}: ${info.epochs} epochs, ${info.steps} steps, final loss ${info.finalLoss.toFixed(4)}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Returns the one-line message for an error from `main`. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes `text` to standard output before returning, so that a long trace
 * never piles up in memory, and waits while a pipe is full. Returns false,
 * having written what it could, when the reader has closed the pipe, as
 * `head` does.
 */
function writeOut(text: string): boolean {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 1); // the pipe is full: wait 1 ms
      } else if (code === 'EPIPE') {
        return false;
      } else {
        throw error;
      }
    }
  }
  return true;
}

function errorLine(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec((error as Error).message)?.[1] ?? 'option';
    return `unknown option ${option}; run "tiny-llm --help" for the options`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // Node's message spans several lines, for example for `--seed -1`, and
    // names the option as '--seed <value>'.
    const message = (error as Error).message;
    const option = /'(--[\w-]+)/.exec(message)?.[1] ?? '--option';
    return message.includes('argument missing')
      ? `option ${option} needs a value: write ${option} VALUE`
      : `option ${option} has an ambiguous value: write it as ${option}=VALUE`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`tiny-llm: ${errorLine(error)}\n`);
  process.exitCode = 1;
}
