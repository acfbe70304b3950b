/**
 * Re-runs the model when the selection changes while the inspector is open,
 * so the panel follows the reader's selection live. Changes are debounced:
 * each new selection restarts the timer, so only the latest one runs.
 */
import * as vscode from 'vscode';
import { InspectorPanel } from './inspector/inspectorPanel';
import { SETTINGS_SECTION } from './settings';

/** Quiet time after the last selection change before the model runs. */
const DEBOUNCE_MS = 300;

export class SelectionFollower implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listener: vscode.Disposable;

  constructor(
    private readonly predict: (editor: vscode.TextEditor) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.listener = vscode.window.onDidChangeTextEditorSelection((event) => this.schedule(event));
  }

  private schedule(event: vscode.TextEditorSelectionChangeEvent): void {
    clearTimeout(this.timer);
    const enabled = vscode.workspace
      .getConfiguration(SETTINGS_SECTION)
      .get<boolean>('followSelection', true);
    // Only the reader's own selections count: the inspector itself selects a
    // token in the editor when one is clicked, and that must not replace the run.
    const byReader =
      event.kind === vscode.TextEditorSelectionChangeKind.Keyboard ||
      event.kind === vscode.TextEditorSelectionChangeKind.Mouse;
    if (
      !enabled ||
      !byReader ||
      !InspectorPanel.isOpen() ||
      event.textEditor.document.uri.scheme === 'output' ||
      event.selections.every((selection) => selection.isEmpty)
    ) {
      return;
    }
    const editor = event.textEditor;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (editor.document.isClosed || !InspectorPanel.isOpen()) {
        return;
      }
      try {
        this.predict(editor);
      } catch (error) {
        // The reader did not ask for this run, so a failure is only logged.
        this.log.warn(`Following the selection failed: ${String(error)}`);
      }
    }, DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.listener.dispose();
  }
}
