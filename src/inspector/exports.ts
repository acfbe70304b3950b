/**
 * Saves what the inspector exports: the latest run as JSON, and heatmap
 * images that the webview draws. A caller may pass the target file, as
 * tests and scripts do. Otherwise the user picks it in a save dialog.
 */
import * as vscode from 'vscode';
import { HeatmapFormat, InspectorRun } from '../messages';
import { ModelRun } from '../model/run';
import { jsonPieces, runToJson } from '../model/serialize';

const FILTERS: Record<'json' | HeatmapFormat, Record<string, string[]>> = {
  json: { 'JSON trace': ['json'] },
  svg: { 'SVG image': ['svg'] },
  png: { 'PNG image': ['png'] },
};

/** Returns `target`, or the file the user picks; undefined when the dialog is cancelled. */
export async function chooseTarget(
  kind: 'json' | HeatmapFormat,
  target: vscode.Uri | undefined,
): Promise<vscode.Uri | undefined> {
  if (target !== undefined) {
    return target;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = kind === 'json' ? 'tiny-llm-trace.json' : `tiny-llm-heatmap.${kind}`;
  return vscode.window.showSaveDialog({
    defaultUri: folder === undefined ? undefined : vscode.Uri.joinPath(folder, name),
    filters: FILTERS[kind],
    saveLabel: 'Export',
  });
}

/**
 * Writes the run as JSON: the same fields as the CLI's `predict --json`, with
 * token offsets into the document and the run's source.
 */
export async function writeTrace(
  target: vscode.Uri,
  inspectorRun: InspectorRun,
  modelRun: ModelRun,
): Promise<void> {
  const json = { source: inspectorRun.source, ...runToJson(modelRun) };
  const encoder = new TextEncoder();
  const pieces: Uint8Array[] = [];
  let length = 0;
  for (const piece of jsonPieces({ ...json, tokens: inspectorRun.payload.tokens })) {
    const bytes = encoder.encode(piece);
    pieces.push(bytes);
    length += bytes.length;
  }
  // The text can be longer than a string may be, so the bytes are joined instead.
  const content = new Uint8Array(length);
  let offset = 0;
  for (const bytes of pieces) {
    content.set(bytes, offset);
    offset += bytes.length;
  }
  await vscode.workspace.fs.writeFile(target, content);
}

/** Writes heatmap data from the webview: SVG text, or a PNG base64 data URL. */
export async function writeHeatmap(
  target: vscode.Uri,
  format: HeatmapFormat,
  data: string,
): Promise<void> {
  let bytes: Uint8Array;
  if (format === 'svg') {
    bytes = new TextEncoder().encode(data);
  } else {
    const prefix = 'data:image/png;base64,';
    if (!data.startsWith(prefix)) {
      throw new Error('the webview sent a PNG that is not a base64 data URL');
    }
    bytes = Buffer.from(data.slice(prefix.length), 'base64');
  }
  await vscode.workspace.fs.writeFile(target, bytes);
}
