/**
 * Input a reader can produce but rarely does: several selections, files of
 * megabytes, commands fired faster than they finish, documents and panels
 * closed while training runs, and exports to a given file.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TinyLlmApi } from '../../src/extension';
import {
  EXTENSION_ID,
  PredictResult,
  TokenJson,
  activateProduct,
  closeWithoutSaving,
  deleteTemporaryFiles,
  inspectorTabs,
  openSample,
  openTemporaryFile,
  predict,
  predictWithCli,
  productLogFile,
  readProductLog,
  selectAll,
  waitFor,
} from './support';

const SAMPLE = 'gettysburg-address.txt';
/** 0-based lines of the first three paragraphs of the sample. */
const PARAGRAPH_LINES = [3, 5, 7];
/** Bound that only catches a hang or a whole-document tokenization, not a slow machine. */
const LARGE_FILE_BOUND_MS = 10_000;
/** The word every large test file ends with, which occurs nowhere else in it. */
const LAST_WORD = 'zebra';

/** Returns `text` repeated to at least `bytes` UTF-8 bytes, followed by LAST_WORD. */
function textOfSize(text: string, bytes: number): string {
  const copies = Math.ceil(bytes / Buffer.byteLength(text));
  return `${text.repeat(copies)} ${LAST_WORD}`;
}

/** Returns the range of 0-based `line` without its line break. */
function lineRange(editor: vscode.TextEditor, line: number): vscode.Range {
  return editor.document.lineAt(line).range;
}

/** Fails unless every token lies inside `range` of `document`. */
function assertTokensInside(
  tokens: readonly TokenJson[],
  document: vscode.TextDocument,
  range: vscode.Range,
): void {
  const start = document.offsetAt(range.start);
  const end = document.offsetAt(range.end);
  for (const token of tokens) {
    assert.ok(
      token.start >= start && token.end <= end,
      `token "${token.text}" at ${token.start}-${token.end} lies outside ${start}-${end}`,
    );
  }
}

describe('several selections', () => {
  let extension: vscode.Extension<TinyLlmApi>;

  before(async () => {
    extension = await activateProduct();
  });

  it('reads only the primary selection', async () => {
    const editor = await openSample(SAMPLE, vscode.ViewColumn.One);
    // The primary selection is the first of `selections`, here the later paragraph.
    const primary = lineRange(editor, PARAGRAPH_LINES[1]);
    const secondary = lineRange(editor, PARAGRAPH_LINES[0]);
    editor.selections = [
      new vscode.Selection(primary.start, primary.end),
      new vscode.Selection(secondary.start, secondary.end),
    ];
    const text = editor.document.getText(primary);

    const result = await predict();
    const cli = await predictWithCli(extension.extensionPath, text);

    assert.ok(result, 'Predict Next Word returned nothing');
    assert.equal(result.word, cli.prediction.word);
    assert.deepEqual(
      result.tokens.map((token) => token.text),
      cli.tokens.map((token) => token.text),
    );
    assertTokensInside(result.tokens, editor.document, primary);
  });
});

describe('large files', function () {
  // Writing and opening a 10 MB file takes a few seconds on 2 cores.
  this.timeout(120_000);
  let extension: vscode.Extension<TinyLlmApi>;
  let paragraph: string;

  before(async () => {
    extension = await activateProduct();
    const sample = await openSample(SAMPLE, vscode.ViewColumn.One);
    paragraph = `${sample.document.lineAt(PARAGRAPH_LINES[0]).text}\n`;
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    deleteTemporaryFiles();
  });

  /** Runs Predict and appends its time to the running test's title, which the runner prints. */
  async function timedPredict(test: Mocha.Context): Promise<PredictResult> {
    const started = performance.now();
    const result = await predict();
    const elapsed = performance.now() - started;
    if (test.test !== undefined) {
      test.test.title += ` (Predict took ${elapsed.toFixed(0)} ms)`;
    }
    assert.ok(result, 'Predict Next Word returned nothing');
    assert.ok(
      elapsed < LARGE_FILE_BOUND_MS,
      `Predict took ${elapsed.toFixed(0)} ms, more than ${LARGE_FILE_BOUND_MS} ms`,
    );
    return result;
  }

  for (const megabytes of [1, 10]) {
    it(`reads the end of a ${megabytes} MB file before the cursor`, async function () {
      const content = textOfSize(paragraph, megabytes * 1024 * 1024);
      const editor = await openTemporaryFile(`large-${megabytes}.txt`, content);
      const end = editor.document.positionAt(content.length);
      editor.selection = new vscode.Selection(end, end);
      const contextLength = vscode.workspace
        .getConfiguration('tinyLlm')
        .get<number>('contextLength');

      const result = await timedPredict(this);

      assert.equal(result.tokens.length, contextLength);
      const last = result.tokens[result.tokens.length - 1];
      assert.equal(last.end, content.length, 'the last token does not end the document');
      assert.equal(last.text, LAST_WORD);
    });
  }

  it('reads the end of a selected 10 MB file', async function () {
    const content = textOfSize(paragraph, 10 * 1024 * 1024);
    const editor = await openTemporaryFile('large-selected.txt', content);
    selectAll(editor);

    const result = await timedPredict(this);

    const contextLength = vscode.workspace.getConfiguration('tinyLlm').get<number>('contextLength');
    assert.equal(result.tokens.length, contextLength);
    assert.equal(result.tokens[result.tokens.length - 1].text, LAST_WORD);
    // The tail of the text decides the prediction, so the CLI on the same tail agrees.
    const tail = content.slice(result.tokens[0].start);
    const cli = await predictWithCli(extension.extensionPath, tail);
    assert.equal(result.word, cli.prediction.word);
  });
});

describe('rapid repeated runs', () => {
  let extension: vscode.Extension<TinyLlmApi>;

  before(async () => {
    extension = await activateProduct();
  });

  it('runs each command on its own selection', async () => {
    const editor = await openSample(SAMPLE, vscode.ViewColumn.One);
    const before = extension.exports.latestSequence();
    const runs: { range: vscode.Range; result: Thenable<PredictResult | undefined> }[] = [];
    // Ten selections of 40 characters, each starting 10 characters later.
    const line = PARAGRAPH_LINES[0];
    for (let i = 0; i < 10; i++) {
      const range = new vscode.Range(line, i * 10, line, i * 10 + 40);
      editor.selection = new vscode.Selection(range.start, range.end);
      runs.push({ range, result: predict() });
    }
    const results = await Promise.all(runs.map((run) => run.result));

    assert.equal(extension.exports.latestSequence(), before + 10);
    results.forEach((result, index) => {
      assert.ok(result, `run ${index} returned nothing`);
      assertTokensInside(result.tokens, editor.document, runs[index].range);
    });
    const lastText = editor.document.getText(runs[9].range);
    const cli = await predictWithCli(extension.extensionPath, lastText);
    assert.equal(results[9]?.word, cli.prediction.word);
    assert.deepEqual(
      results[9]?.tokens.map((token) => token.text),
      cli.tokens.map((token) => token.text),
    );
  });
});

describe('training lifecycle', function () {
  this.timeout(60_000);
  let extension: vscode.Extension<TinyLlmApi>;

  before(async () => {
    extension = await activateProduct();
  });

  after(async () => {
    await vscode.commands.executeCommand('tinyLlm.resetModel');
  });

  it('survives closing the inspector and document', async function () {
    const logFile = productLogFile();
    const linesBefore = logFile === undefined ? 0 : readProductLog(logFile).length;
    // A copy of the sample, so that closing it cannot affect other tests' editors.
    const sample = await openSample(SAMPLE, vscode.ViewColumn.One);
    const editor = await openTemporaryFile('training.txt', sample.document.getText());
    selectAll(editor);
    assert.ok(await predict(), 'Predict Next Word returned nothing');
    await waitFor(() => inspectorTabs().length === 1, 'the inspector tab is listed');

    const training = vscode.commands.executeCommand('tinyLlm.trainOnDocument', { epochs: 40 });
    try {
      await waitFor(() => extension.exports.isTraining(), 'training has started');
      await vscode.window.tabGroups.close(inspectorTabs());
      await waitFor(() => !extension.exports.isInspectorOpen(), 'the inspector is closed');
      await closeWithoutSaving(editor);
      // The extension host may keep a closed editor's document open for a while, so
      // the test checks that no tab shows it.
      const uri = editor.document.uri.toString();
      const tabsOfDocument = () =>
        vscode.window.tabGroups.all
          .flatMap((group) => group.tabs)
          .filter(
            (tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === uri,
          );
      await waitFor(() => tabsOfDocument().length === 0, 'no tab shows the trained document');
      assert.equal(
        extension.exports.isTraining(),
        true,
        'training ended before the test closed both',
      );
    } finally {
      // A run still going would save its model after `after` resets it.
      await training;
    }
    assert.equal(extension.exports.isTraining(), false);
    deleteTemporaryFiles();
    if (logFile === undefined) {
      // Only the desktop runner passes no log folder.
      this.skip();
    }
    const errors = readProductLog(logFile)
      .slice(Math.max(0, linesBefore - 1))
      .filter((line) => line.includes('[error]'));
    assert.deepEqual(errors, [], `${logFile} contains errors`);
  });
});

describe('exports to a given file', function () {
  this.timeout(60_000);
  let folder: string;

  before(async () => {
    await activateProduct();
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-llm-export-'));
    // Tokens with markup characters show whether the SVG escapes its labels.
    const editor = await openTemporaryFile('markup.txt', 'a <b> & "c" \'d\' <script>');
    selectAll(editor);
    assert.ok(await predict(), 'Predict Next Word returned nothing');
    await waitFor(() => inspectorTabs().length === 1, 'the inspector tab is listed');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    deleteTemporaryFiles();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('writes the trace as JSON', async () => {
    const target = vscode.Uri.file(path.join(folder, 'trace.json'));
    await vscode.commands.executeCommand('tinyLlm.exportTrace', target);

    const trace = JSON.parse(fs.readFileSync(target.fsPath, 'utf8'));
    for (const field of ['tokens', 'vocabulary', 'prediction', 'stages']) {
      assert.ok(field in trace, `the trace lacks "${field}"`);
    }
    assert.deepEqual(
      trace.tokens.map((token: TokenJson) => token.text),
      ['a', '<', 'b', '>', '&', '"', 'c', '"', "'", 'd', "'", '<', 'script', '>'],
    );
  });

  it('writes the heatmap as SVG with escaped labels', async () => {
    const target = vscode.Uri.file(path.join(folder, 'heatmap.svg'));
    // The webview draws the image and sends it back, so the file appears later.
    await vscode.commands.executeCommand('tinyLlm.exportHeatmap', 'svg', target);
    await waitFor(() => fs.existsSync(target.fsPath), `${target.fsPath} is written`, 20_000);

    const svg = fs.readFileSync(target.fsPath, 'utf8');
    assert.match(svg, /^<svg[\s>]/);
    // A label is the whole content of a <text> element, escaped with a named or numeric entity.
    assert.match(svg, />(&lt;|&#60;|&#x3c;)<\/text>/i, 'the SVG has no escaped "<" label');
    assert.match(svg, />(&amp;|&#38;|&#x26;)<\/text>/i, 'the SVG has no escaped "&" label');
    assert.match(svg, />(&quot;|&#34;|&#x22;)<\/text>/i, "the SVG has no escaped '\"' label");
    assert.equal(svg.includes('<script'), false, 'the SVG contains an unescaped <script');
    assert.equal(svg.includes('<b>'), false, 'the SVG contains an unescaped <b>');
  });

  it('writes the heatmap as PNG', async () => {
    const target = vscode.Uri.file(path.join(folder, 'heatmap.png'));
    await vscode.commands.executeCommand('tinyLlm.exportHeatmap', 'png', target);
    await waitFor(() => fs.existsSync(target.fsPath), `${target.fsPath} is written`, 20_000);
    // The file may appear before its bytes are flushed.
    await waitFor(() => fs.statSync(target.fsPath).size > 8, `${target.fsPath} has content`);

    const signature = fs.readFileSync(target.fsPath).subarray(0, 8);
    assert.deepEqual([...signature], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});

describe('manifest', () => {
  it('declares untrusted and virtual workspace support', () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON;
    assert.deepEqual(manifest?.capabilities, {
      untrustedWorkspaces: { supported: true },
      virtualWorkspaces: true,
    });
  });
});
