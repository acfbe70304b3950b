import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  PredictResult,
  activateProduct,
  closeWithoutSaving,
  openSample,
  openUntitled,
  predictWithCli,
  waitFor,
} from './support';

const SAMPLE = 'gettysburg-address.txt';
/** Longest time a command may take to return while training runs. */
const RESPONSIVE_MS = 100;

/** Selects `text` in a new untitled document and runs Predict Next Word on it. */
async function predictOn(text: string): Promise<PredictResult> {
  const editor = await openUntitled(text);
  editor.selection = new vscode.Selection(0, 0, 0, text.length);
  const result = await vscode.commands.executeCommand<PredictResult>('tinyLlm.predictNextWord');
  await closeWithoutSaving(editor);
  assert.ok(result, 'Predict Next Word returned nothing');
  return result;
}

describe('training', function () {
  // Training the sample for 40 epochs takes about 2 s in the worker.
  this.timeout(60_000);
  let extension: Awaited<ReturnType<typeof activateProduct>>;

  before(async () => {
    extension = await activateProduct();
    await openSample(SAMPLE);
  });

  after(async () => {
    await vscode.commands.executeCommand('tinyLlm.resetModel');
  });

  it('keeps commands answering while it runs', async () => {
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor);
    const training = vscode.commands.executeCommand('tinyLlm.trainOnDocument', { epochs: 40 });
    // Probe once the worker is training, past the notification's first paint.
    await waitFor(() => extension.exports.trainingEpochs() >= 1, 'the first epoch has finished');

    // Predict Next Word runs in the extension host, like every command of
    // every extension, so its time shows whether training blocks the host.
    editor.selection = new vscode.Selection(3, 0, 3, 40);
    const timings: number[] = [];
    while (extension.exports.isTraining() && timings.length < 10) {
      const started = performance.now();
      const result = await vscode.commands.executeCommand('tinyLlm.predictNextWord');
      timings.push(performance.now() - started);
      assert.ok(result, 'Predict Next Word returned nothing during training');
    }
    await training;
    assert.ok(timings.length > 0, 'training ended before any command could be timed');
    assert.ok(
      Math.max(...timings) < RESPONSIVE_MS,
      `answers took ${timings.map((ms) => ms.toFixed(0)).join(', ')} ms`,
    );
  });

  it('rejects a second run while one is going', async () => {
    const first = vscode.commands.executeCommand('tinyLlm.trainOnDocument', { epochs: 5 });
    await waitFor(() => extension.exports.isTraining(), 'training has started');
    const second = await vscode.commands.executeCommand('tinyLlm.trainOnDocument', { epochs: 5 });
    assert.equal(second, undefined);
    assert.ok(await first, 'the first run did not finish with a model');
  });

  it('predicts the sample after training', async () => {
    await vscode.commands.executeCommand('tinyLlm.trainOnDocument', { epochs: 40 });
    const result = await predictOn('Four score and seven years');
    assert.equal(result.word, 'ago');
  });

  it('maps unseen words to <unk>', async () => {
    const result = await predictOn('zebra Four score');
    assert.equal(result.vocabulary[0], '<unk>');
    assert.equal(result.tokens[0].id, 0);
  });

  it('continues text as one undoable edit', async () => {
    const editor = await openUntitled('Four score and seven');
    editor.selection = new vscode.Selection(0, 20, 0, 20);
    const inserted = await vscode.commands.executeCommand<string>('tinyLlm.continueText', {
      words: 2,
    });
    assert.equal(inserted, ' years ago');
    assert.equal(editor.document.getText(), 'Four score and seven years ago');
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), 'Four score and seven');
    await closeWithoutSaving(editor);
  });

  it('reset returns to the untrained weights', async () => {
    await vscode.commands.executeCommand('tinyLlm.resetModel');
    const text = 'Four score and seven years';
    const result = await predictOn(text);
    const cli = await predictWithCli(extension.extensionPath, text);
    assert.equal(result.word, cli.prediction.word);
    assert.notEqual(result.vocabulary[0], '<unk>');
  });
});

describe('saved model', function () {
  this.timeout(60_000);
  let extension: Awaited<ReturnType<typeof activateProduct>>;

  before(async () => {
    extension = await activateProduct();
    await openSample(SAMPLE);
    await vscode.commands.executeCommand('tinyLlm.trainOnDocument', { epochs: 2 });
  });

  after(async () => {
    await vscode.commands.executeCommand('tinyLlm.resetModel');
  });

  it('saves without leaving a temporary file', () => {
    const file = extension.exports.modelFile();
    assert.ok(fs.existsSync(file), `${file} was not written`);
    assert.equal(fs.existsSync(`${file}.tmp`), false);
  });

  it('loads again after a restart', async () => {
    await extension.exports.reloadModel();
    assert.ok(extension.exports.isTrained());
  });

  for (const [name, damage] of [
    ['truncated', (bytes: Buffer) => bytes.subarray(0, bytes.length - 9)],
    [
      'corrupted header',
      (bytes: Buffer) => Buffer.concat([Buffer.from([0xff, 0xff]), bytes.subarray(2)]),
    ],
  ] as const) {
    it(`falls back to fresh weights for a ${name} file`, async () => {
      const file = extension.exports.modelFile();
      const good = fs.readFileSync(file);
      const bad = damage(good);
      fs.writeFileSync(file, bad);
      try {
        await extension.exports.reloadModel();
        assert.equal(extension.exports.isTrained(), false);
        assert.deepEqual(fs.readFileSync(file), bad, 'the rejected file was changed');
      } finally {
        fs.writeFileSync(file, good);
        await extension.exports.reloadModel();
      }
      assert.ok(extension.exports.isTrained());
    });
  }
});
