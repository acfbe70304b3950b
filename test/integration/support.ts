/** Helpers shared by the integration tests: the product extension, documents, settings, hovers, the CLI and the log. */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import * as vscode from 'vscode';
import type { TinyLlmApi } from '../../src/extension';

export const EXTENSION_ID = 'tiny-llm.tiny-llm';

/** Name of the product's log output channel, which is also the name of its log file. */
const LOG_CHANNEL_NAME = 'Tiny LLM';
const WAIT_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 50;

/**
 * A token as the CLI prints it and the Predict command returns it. The CLI's
 * offsets count from the start of the text, the command's from the start of
 * the document.
 */
export interface TokenJson {
  readonly text: string;
  readonly id: number;
  readonly start: number;
  readonly end: number;
}

export interface PredictionJson {
  readonly word: string;
  readonly id: number;
  readonly probability: number;
}

/** What `tinyLlm.predictNextWord` resolves to. */
export interface PredictResult extends PredictionJson {
  readonly tokens: TokenJson[];
  readonly vocabulary: string[];
}

/** The part of `tiny-llm predict --json` output that the tests compare. */
export interface CliResult {
  readonly tokens: TokenJson[];
  readonly vocabulary: string[];
  readonly prediction: PredictionJson;
}

/** Options that the host running the suite passes to `runSuite`. */
export interface SuiteOptions {
  /**
   * Folder of the extension host's logs, where each extension's log output
   * channels write `<extension id>/<channel name>.log`. The code-server host
   * extension passes the parent of its own `ExtensionContext.logUri`.
   */
  readonly extensionLogsDir?: string;
}

let suiteOptions: SuiteOptions = {};

/** Stores the options of the host running the suite, for the helpers below. */
export function setSuiteOptions(options: SuiteOptions): void {
  suiteOptions = options;
}

/** Returns the product extension after activating it. */
export async function activateProduct(): Promise<vscode.Extension<TinyLlmApi>> {
  const extension = vscode.extensions.getExtension<TinyLlmApi>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not installed in this extension host`);
  await extension.activate();
  return extension;
}

/** Resolves once `condition()` returns true; rejects with `description` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  description: string,
  timeoutMs = WAIT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting until ${description}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/**
 * Opens a file of the workspace folder in an editor of `column`. The
 * runners open the repository's samples/ folder as the workspace.
 */
export async function openSample(
  fileName: string,
  column = vscode.ViewColumn.Active,
): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open; the test runner must open samples/');
  const document = await vscode.workspace.openTextDocument(
    vscode.Uri.joinPath(folder.uri, fileName),
  );
  return vscode.window.showTextDocument(document, column);
}

/** Opens a new untitled plain-text document containing `content` in the first editor column. */
export async function openUntitled(content: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content });
  return vscode.window.showTextDocument(document, vscode.ViewColumn.One);
}

/** Folders that `openTemporaryFile` created. */
const temporaryFolders: string[] = [];

/**
 * Writes `content` byte for byte to a new file in the system's temporary
 * folder and opens it in the first editor column. The file is deleted by
 * `deleteTemporaryFiles()`.
 */
export async function openTemporaryFile(
  fileName: string,
  content: string,
): Promise<vscode.TextEditor> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-llm-integration-'));
  temporaryFolders.push(folder);
  const file = path.join(folder, fileName);
  fs.writeFileSync(file, content, 'utf8');
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  return vscode.window.showTextDocument(document, vscode.ViewColumn.One);
}

/** Deletes the files that `openTemporaryFile` wrote. */
export function deleteTemporaryFiles(): void {
  while (temporaryFolders.length > 0) {
    fs.rmSync(temporaryFolders.pop() as string, { recursive: true, force: true });
  }
}

/**
 * Closes `editor`'s document without the prompt to save that an untitled
 * document with content would show.
 */
export async function closeWithoutSaving(editor: vscode.TextEditor): Promise<void> {
  await vscode.window.showTextDocument(editor.document, editor.viewColumn);
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

/** Selects the whole of line `line` (0-based) and returns the selected text. */
export function selectLine(editor: vscode.TextEditor, line: number): string {
  const range = editor.document.lineAt(line).range;
  editor.selection = new vscode.Selection(range.start, range.end);
  return editor.document.getText(range);
}

/** Selects the whole document and returns its text. */
export function selectAll(editor: vscode.TextEditor): string {
  const document = editor.document;
  const end = document.lineAt(document.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(new vscode.Position(0, 0), end);
  return document.getText();
}

/** Runs Tiny LLM: Predict Next Word on the active editor. */
export function predict(): Thenable<PredictResult | undefined> {
  return vscode.commands.executeCommand<PredictResult | undefined>('tinyLlm.predictNextWord');
}

/**
 * Runs the extension's CLI, `dist/cli.js predict --text TEXT --json`, with
 * `flags` added, and returns its parsed output.
 */
export async function runCli(
  extensionPath: string,
  text: string,
  flags: readonly string[] = [],
): Promise<CliResult> {
  const args = [path.join(extensionPath, 'dist', 'cli.js'), 'predict', '--text', text, '--json'];
  // In desktop VS Code process.execPath is Electron, which runs as plain
  // Node.js with ELECTRON_RUN_AS_NODE. Node.js itself ignores the variable.
  const { stdout } = await promisify(execFile)(process.execPath, [...args, ...flags], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as CliResult;
}

/**
 * Runs the extension's CLI on `text` with the model settings the extension
 * reads, so both run the same configuration.
 */
export function predictWithCli(extensionPath: string, text: string): Promise<CliResult> {
  const settings = vscode.workspace.getConfiguration('tinyLlm');
  const flags = [
    '--seed',
    String(settings.get<number>('seed')),
    '--embedding-size',
    String(settings.get<number>('embeddingSize')),
    '--heads',
    String(settings.get<number>('heads')),
    '--feed-forward-size',
    String(settings.get<number>('feedForwardSize')),
    '--context-length',
    String(settings.get<number>('contextLength')),
  ];
  if (settings.get<boolean>('causalMask') === false) {
    flags.push('--no-causal-mask');
  }
  return runCli(extensionPath, text, flags);
}

/**
 * Sets `tinyLlm.<key>` in the user settings, or removes it when `value` is
 * undefined, and waits until this extension host reads the new value.
 */
export async function setUserSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace
    .getConfiguration('tinyLlm')
    .update(key, value, vscode.ConfigurationTarget.Global);
  await waitFor(
    () =>
      isDeepStrictEqual(
        vscode.workspace.getConfiguration('tinyLlm').inspect(key)?.globalValue,
        value,
      ),
    `the user setting tinyLlm.${key} reads ${JSON.stringify(value)}`,
  );
}

/** A hover's text, with every content part joined, and its range. */
export interface HoverText {
  /** The Markdown source without backslash escapes, so `\!` reads `!` as in the rendered hover. */
  readonly text: string;
  readonly range: vscode.Range | undefined;
}

/** Returns every hover that the hover providers give at `position`. */
export async function hoversAt(uri: vscode.Uri, position: vscode.Position): Promise<HoverText[]> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
    'vscode.executeHoverProvider',
    uri,
    position,
  );
  return hovers.map((hover) => ({
    text: hover.contents
      .map((content) => (typeof content === 'string' ? content : content.value))
      .join('\n')
      // CommonMark lets a backslash escape any ASCII punctuation character.
      .replace(/\\([!-/:-@[-`{-~])/g, '$1'),
    range: hover.range,
  }));
}

/** Returns the text of every hover's contents at `position`, one string per hover. */
export async function hoverTexts(uri: vscode.Uri, position: vscode.Position): Promise<string[]> {
  return (await hoversAt(uri, position)).map((hover) => hover.text);
}

/** Returns the editor tabs of the attention inspector, in every editor group. */
export function inspectorTabs(): vscode.Tab[] {
  // The workbench prefixes the view type of an extension's webview panel.
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter(
      (tab) =>
        tab.input instanceof vscode.TabInputWebview &&
        tab.input.viewType.endsWith('tinyLlm.inspector'),
    );
}

/**
 * Returns the path of the product's log file, which its "Tiny LLM" log
 * output channel writes, or undefined when the host running the suite did
 * not pass the extension host's log folder.
 */
export function productLogFile(): string | undefined {
  if (suiteOptions.extensionLogsDir === undefined) {
    return undefined;
  }
  return path.join(suiteOptions.extensionLogsDir, EXTENSION_ID, `${LOG_CHANNEL_NAME}.log`);
}

/** Returns the lines of the product's log file, or none when it does not exist yet. */
export function readProductLog(logFile: string): string[] {
  try {
    return fs.readFileSync(logFile, 'utf8').split('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
}
