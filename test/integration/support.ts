/** Helpers shared by the integration tests: the product extension, sample documents and the CLI. */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'tiny-llm.tiny-llm';

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

/** Returns the product extension after activating it. */
export async function activateProduct(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not installed in this extension host`);
  await extension.activate();
  return extension;
}

/**
 * Opens a file of the workspace folder in an editor. The runners open the
 * repository's samples/ folder as the workspace.
 */
export async function openSample(fileName: string): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open; the test runner must open samples/');
  const document = await vscode.workspace.openTextDocument(
    vscode.Uri.joinPath(folder.uri, fileName),
  );
  return vscode.window.showTextDocument(document);
}

/** Selects the whole of line `line` (0-based) and returns the selected text. */
export function selectLine(editor: vscode.TextEditor, line: number): string {
  const range = editor.document.lineAt(line).range;
  editor.selection = new vscode.Selection(range.start, range.end);
  return editor.document.getText(range);
}

/**
 * Runs the extension's CLI (`dist/cli.js predict --json`) on `text` with the
 * model settings the extension reads, so both run the same configuration.
 */
export async function predictWithCli(extensionPath: string, text: string): Promise<CliResult> {
  const settings = vscode.workspace.getConfiguration('tinyLlm');
  const args = [
    path.join(extensionPath, 'dist', 'cli.js'),
    'predict',
    '--text',
    text,
    '--json',
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
    args.push('--no-causal-mask');
  }
  // In desktop VS Code process.execPath is Electron, which runs as plain
  // Node.js with ELECTRON_RUN_AS_NODE. Node.js itself ignores the variable.
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as CliResult;
}

/** Returns the text of every hover's contents at `position`, one string per hover. */
export async function hoverTexts(uri: vscode.Uri, position: vscode.Position): Promise<string[]> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
    'vscode.executeHoverProvider',
    uri,
    position,
  );
  return hovers.map((hover) =>
    hover.contents
      .map((content) => (typeof content === 'string' ? content : content.value))
      .join('\n'),
  );
}
