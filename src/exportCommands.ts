/**
 * Tiny LLM: Export Trace as JSON and Tiny LLM: Export Heatmap. Both take an
 * optional target file, so scripts and tests can export without a dialog.
 */
import * as vscode from 'vscode';
import { InspectorPanel } from './inspector/inspectorPanel';
import { chooseTarget, writeTrace } from './inspector/exports';
import { HeatmapFormat } from './messages';
import { UserFacingError } from './predictCommand';
import { RunStore } from './runStore';

/** Saves the latest run as JSON to `target` or a file the user picks; returns the file. */
export async function exportTrace(
  store: RunStore,
  target?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  const latest = store.latest;
  const modelRun = store.latestModelRun;
  if (latest === undefined || modelRun === undefined) {
    throw new UserFacingError('Nothing to export yet: run Tiny LLM: Predict Next Word first.');
  }
  const file = await chooseTarget('json', target);
  if (file !== undefined) {
    await writeTrace(file, latest, modelRun);
  }
  return file;
}

/**
 * Asks the open inspector to save its heatmap as `format` (asked for when
 * missing) to `target` or a file the user picks.
 */
export async function exportHeatmap(
  store: RunStore,
  format?: HeatmapFormat,
  target?: vscode.Uri,
): Promise<void> {
  const panel = InspectorPanel.instance;
  if (store.latest === undefined || panel === undefined) {
    throw new UserFacingError(
      'Open the inspector with a prediction first: run Tiny LLM: Predict Next Word.',
    );
  }
  const chosen =
    format ??
    ((await vscode.window.showQuickPick(['svg', 'png'], {
      title: 'Export the attention heatmap as',
    })) as HeatmapFormat | undefined);
  if (chosen === undefined) {
    return;
  }
  const file = await chooseTarget(chosen, target);
  if (file !== undefined) {
    panel.requestHeatmap(chosen, file);
  }
}
