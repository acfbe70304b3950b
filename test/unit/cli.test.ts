/** Runs the built CLI (dist/cli.js) as a user would. */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './fixtures';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

function runCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cli', () => {
  it('predict --json prints the seed vocabulary and ids', () => {
    const { status, stdout } = runCli('predict', '--text', 'Hello how are you hello', '--json');
    assert.equal(status, 0);
    const output = JSON.parse(stdout);
    assert.deepEqual(output.vocabulary, ['Hello', 'how', 'are', 'you', 'hello']);
    assert.deepEqual(
      output.tokens.map((token: { id: number }) => token.id),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(output.tokens[1], { text: 'how', id: 1, start: 6, end: 9 });
    assert.deepEqual(output.stages.embeddings.shape, [5, 16]);
    assert.deepEqual(output.stages.weights.shape, [1, 5, 5]);
    assert.equal(output.stages.weights.data.length, 25);
    assert.equal(typeof output.prediction.word, 'string');
  });

  it('predict reads --file', () => {
    const { status, stdout } = runCli(
      'predict',
      '--file',
      path.join(REPO_ROOT, 'samples', 'gettysburg-address.txt'),
    );
    assert.equal(status, 0);
    assert.match(stdout, /Predicted next word: /);
  });

  it('--seed changes the numbers', () => {
    const a = JSON.parse(runCli('predict', '--text', 'a b c', '--json', '--seed', '1').stdout);
    const b = JSON.parse(runCli('predict', '--text', 'a b c', '--json', '--seed', '2').stdout);
    assert.notDeepEqual(a.stages.embeddings.data, b.stages.embeddings.data);
  });

  const badInputs: [string, string[], RegExp][] = [
    ['empty text', ['predict', '--text', '  '], /no words or punctuation/],
    ['missing file', ['predict', '--file', '/nonexistent/file.txt'], /file not found/],
    ['non-numeric seed', ['predict', '--text', 'a', '--seed', 'abc'], /seed is "abc"/],
    ['unknown command', ['fly'], /unknown command "fly"; the commands are "predict" and "train"/],
    ['no input', ['predict'], /missing input/],
    ['unknown option', ['predict', '--bogus'], /unknown option --bogus/],
    [
      'negative seed as a separate word',
      ['predict', '--text', 'a', '--seed', '-1'],
      /option --seed has an ambiguous value: write it as --seed=VALUE\n/,
    ],
  ];
  for (const [name, args, message] of badInputs) {
    it(`rejects ${name} with one error line`, () => {
      const { status, stdout, stderr } = runCli(...args);
      assert.equal(status, 1);
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1);
    });
  }
});

describe('cli train', () => {
  const TEXT = 'the cat sat on the mat . the dog sat on the log .';
  const SMALL = ['--embedding-size', '8', '--heads', '2', '--feed-forward-size', '16'];
  let directory = '';
  let model = '';

  before(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'tiny-llm-cli-'));
    model = path.join(directory, 'model.safetensors');
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('train prints each epoch and writes the model', () => {
    const { status, stdout, stderr } = runCli(
      'train',
      '--text',
      TEXT,
      '--epochs',
      '30',
      '--learning-rate',
      '0.02',
      '--out',
      model,
      ...SMALL,
    );
    assert.equal(status, 0, stderr);
    assert.match(stdout, /^Epoch 1\/30: loss \d+\.\d{4} \(step 1 of 30\)$/m);
    assert.match(stdout, /^Epoch 30\/30: loss /m);
    assert.match(stdout, /^Next-word accuracy on the training text: \d+\.\d% \(\d+ of 13\)$/m);
    assert.ok(existsSync(model), 'no model file');
    assert.deepEqual(readdirSync(directory), ['model.safetensors']);
  });

  it('train --json prints one object per line', () => {
    const out = path.join(directory, 'json.safetensors');
    const { status, stdout } = runCli(
      'train',
      '--text',
      TEXT,
      '--epochs',
      '3',
      '--out',
      out,
      '--json',
      ...SMALL,
    );
    assert.equal(status, 0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(lines.length, 4);
    assert.deepEqual(lines[0], { epoch: 1, epochs: 3, loss: lines[0].loss, step: 1, steps: 3 });
    const summary = lines[3];
    assert.equal(summary.out, out);
    assert.equal(summary.document, 'text');
    assert.equal(summary.steps, 3);
    assert.equal(summary.total, 13);
    assert.equal(typeof summary.accuracy, 'number');
    assert.equal(summary.finalLoss, lines[2].loss);
    assert.equal(summary.vocabularySize, 9);
  });

  it('train reads --file and names the document', () => {
    const file = path.join(directory, 'notes.txt');
    writeFileSync(file, TEXT);
    const out = path.join(directory, 'file.safetensors');
    const { status } = runCli('train', '--file', file, '--epochs', '1', '--out', out, ...SMALL);
    assert.equal(status, 0);
    const { stdout } = runCli('predict', '--weights', out, '--text', 'the cat');
    assert.match(stdout, /^Weights trained on notes\.txt: 1 epochs, 1 steps, final loss /m);
  });

  it('predict --weights uses the trained vocabulary', () => {
    const { status, stdout } = runCli(
      'predict',
      '--weights',
      model,
      '--text',
      'the zebra sat',
      '--json',
    );
    assert.equal(status, 0);
    const output = JSON.parse(stdout);
    assert.equal(output.vocabulary[0], '<unk>');
    assert.deepEqual(
      output.tokens.map((token: { id: number }) => token.id),
      [1, 0, 3],
    );
    assert.deepEqual(output.stages.embeddings.shape, [3, 8]);
    assert.deepEqual(output.stages.positions.shape, [3, 8]);
    assert.equal(output.config.positions, 'sinusoidal');
  });

  it('predict --weights shows unknown words as <unk>', () => {
    const { status, stdout } = runCli(
      'predict',
      '--weights',
      model,
      '--text',
      'the zebra sat on the',
    );
    assert.equal(status, 0);
    assert.match(stdout, /^Tokens \(5\): the=1 zebra=<unk> sat=3 on=4 the=1$/m);
    assert.match(stdout, /^Predicted next word: /m);
  });

  const badInputs: [string, () => string[], RegExp][] = [
    ['train without --out', () => ['train', '--text', TEXT], /missing output; pass --out PATH/],
    [
      'train with a bad learning rate',
      () => ['train', '--text', TEXT, '--out', model, '--learning-rate', 'fast'],
      /--learning-rate is "fast", but it must be a positive number/,
    ],
    [
      'train with zero epochs',
      () => ['train', '--text', TEXT, '--out', model, '--epochs', '0'],
      /--epochs is "0", but it must be a positive whole number/,
    ],
    [
      'train with --weights',
      () => ['train', '--text', TEXT, '--out', model, '--weights', model],
      /--weights cannot be used with train, which starts from fresh weights/,
    ],
    [
      'train on one word',
      () => ['train', '--text', 'hello', '--out', path.join(directory, 'one.safetensors')],
      /at least 2 tokens, but the text has 1/,
    ],
    [
      'predict with --text and no value',
      () => ['predict', '--text'],
      /option --text needs a value: write --text VALUE\n/,
    ],
    [
      // A one-word text fails training, so the message shows the check ran first.
      'train into a directory',
      () => ['train', '--text', 'hello', '--out', directory],
      /cannot write .*: it is a directory\. Pass a file path to --out/,
    ],
    [
      'train into a missing directory',
      () => [
        'train',
        '--text',
        TEXT,
        '--epochs',
        '1',
        '--out',
        path.join(directory, 'no', 'm.safetensors'),
        ...SMALL,
      ],
      /cannot write .*m\.safetensors: directory .*no not found/,
    ],
    [
      'predict --weights with a size flag',
      () => ['predict', '--weights', model, '--text', 'a', '--embedding-size', '8'],
      /--embedding-size cannot be combined with --weights, because the sizes come from the model file/,
    ],
    [
      'predict --weights with --positions',
      () => ['predict', '--weights', model, '--text', 'a', '--positions', 'none'],
      /--positions cannot be combined with --weights/,
    ],
    [
      'predict with --epochs',
      () => ['predict', '--text', 'a', '--epochs', '3'],
      /--epochs is an option of train, not predict/,
    ],
    [
      'missing weights file',
      () => ['predict', '--weights', path.join(directory, 'none.safetensors'), '--text', 'a'],
      /cannot read .*none\.safetensors: file not found/,
    ],
    [
      'invalid weights file',
      () => {
        const file = path.join(directory, 'bad.safetensors');
        writeFileSync(file, 'not a model');
        return ['predict', '--weights', file, '--text', 'a'];
      },
      /invalid model file .*bad\.safetensors: invalid header size/,
    ],
  ];
  for (const [name, args, message] of badInputs) {
    it(`rejects ${name} with one error line`, () => {
      const { status, stdout, stderr } = runCli(...args());
      assert.equal(status, 1);
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1);
    });
  }

  it('stops a diverging run with one error line and no file', () => {
    const out = path.join(directory, 'nan.safetensors');
    const { status, stdout, stderr } = runCli(
      'train',
      '--text',
      TEXT,
      '--out',
      out,
      '--learning-rate',
      '1000',
    );
    assert.equal(status, 1);
    assert.match(stdout, /^Epoch 1\/40: /, 'the epochs before the failure are printed');
    assert.match(
      stderr,
      /^tiny-llm: training diverged at step \d+: .* Lower the learning rate \(now 1000\), for example to 100\n$/,
    );
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(`${out}.tmp`), false);
  });
});

describe('cli output', () => {
  it('stops quietly when the reader closes the pipe', async () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${i % 97}`).join(' ');
    const child = spawn(process.execPath, [CLI, 'predict', '--text', words, '--json']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Read the first bytes, then close the pipe, as `head -c 100` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(status, 0);
  });
});
