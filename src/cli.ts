/**
 * The `tiny-llm` command line: runs the same model core as the extension on
 * text from a flag or a file and prints the prediction, or the whole trace
 * as JSON. Bad input exits with status 1 and one error line on stderr.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ModelConfig, validateConfig } from './model/config';
import { ModelRun, runModel } from './model/run';
import { runToJson } from './model/serialize';
import { formatShape } from './model/tensor';

const USAGE = `Usage: tiny-llm predict (--text TEXT | --file PATH) [options]

Runs the untrained Tiny LLM on the text and prints the predicted next word.

Options:
  --text TEXT              the text to read
  --file PATH              read the text from a UTF-8 file instead
  --json                   print tokens, vocabulary, prediction and every stage as JSON
  --seed N                 seed of the random weights (default 42)
  --embedding-size N       length of each embedding vector, d_model (default 16)
  --heads N                number of attention heads (default 1)
  --feed-forward-size N    width of the feed-forward hidden layer, d_ff (default 64)
  --context-length N       maximum number of tokens read; longer text keeps its end (default 512)
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

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      text: { type: 'string' },
      file: { type: 'string' },
      json: { type: 'boolean', default: false },
      seed: { type: 'string' },
      'embedding-size': { type: 'string' },
      heads: { type: 'string' },
      'feed-forward-size': { type: 'string' },
      'context-length': { type: 'string' },
      'no-causal-mask': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const [command, ...extra] = positionals;
  if (command !== 'predict') {
    throw new UsageError(
      command === undefined
        ? 'missing command; run "tiny-llm --help"'
        : `unknown command "${command}"; the command is "predict"`,
    );
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"; pass the text with --text or --file`);
  }

  const text = readText(values.text, values.file);
  const config = readConfig(values);
  const run = runModel(text, config);
  process.stdout.write(values.json ? `${JSON.stringify(runToJson(run))}\n` : formatSummary(run));
}

function readText(text: string | undefined, file: string | undefined): string {
  if (text !== undefined && file !== undefined) {
    throw new UsageError('pass either --text or --file, not both');
  }
  if (text !== undefined) {
    return text;
  }
  if (file === undefined) {
    throw new UsageError('missing input; pass --text TEXT or --file PATH');
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new UsageError(`cannot read ${file}: ${reason}`);
  }
}

function readConfig(values: Record<string, string | boolean | undefined>): ModelConfig {
  const input: Partial<Record<keyof ModelConfig, unknown>> = {
    causalMask: !values['no-causal-mask'],
  };
  for (const [flag, key] of Object.entries(INTEGER_FLAGS)) {
    const raw = values[flag];
    if (typeof raw === 'string') {
      input[key] = /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    }
  }
  const { config, problems } = validateConfig(input);
  if (problems.length > 0) {
    throw new UsageError(`invalid option: ${problems[0].message}`);
  }
  return config;
}

function formatSummary(run: ModelRun): string {
  const { trace, prediction } = run;
  const lines = [
    `Tokens (${run.tokens.length}): ${run.tokens.map((token) => `${token.text}=${token.id}`).join(' ')}`,
  ];
  if (run.droppedTokens > 0) {
    lines.push(`Context: kept the last ${run.tokens.length} tokens, dropped ${run.droppedTokens}`);
  }
  lines.push(
    `Embeddings ${formatShape(trace.embeddings.shape)}, attention weights ${formatShape(trace.weights.shape)}, ` +
      `logits ${formatShape(trace.logits.shape)}`,
    `Top words: ${run.topCandidates
      .slice(0, 5)
      .map((candidate) => `${candidate.word} ${(candidate.probability * 100).toFixed(1)}%`)
      .join(', ')}`,
    `Predicted next word: ${prediction.word} (id ${prediction.id}, probability ${prediction.probability.toFixed(4)})`,
    'The weights are random and untrained, so the prediction is not yet meaningful.',
  );
  return `${lines.join('\n')}\n`;
}

try {
  main(process.argv.slice(2));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`tiny-llm: ${message}\n`);
  process.exitCode = 1;
}
