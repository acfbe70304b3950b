/**
 * The attention inspector's panel on the host side: creates or reveals one
 * webview panel, sends it the latest run once the webview reports that it
 * is ready, and relays the webview's requests to the editor.
 */
import * as vscode from 'vscode';
import {
  HeatmapFormat,
  HostMessage,
  InspectorRun,
  TrainingProgress,
  isWebviewMessage,
} from '../messages';
import { RunStore } from '../runStore';
import { chooseTarget, writeHeatmap, writeTrace } from './exports';
import { renderInspectorHtml } from './html';

/** Marks the token under the pointer in the inspector, in the editor. */
const tokenHighlight = vscode.window.createTextEditorDecorationType({
  backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
  borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
  borderStyle: 'solid',
  borderWidth: '1px',
});

export const INSPECTOR_VIEW_TYPE = 'tinyLlm.inspector';

export class InspectorPanel implements vscode.Disposable {
  private static current: InspectorPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private disposed = false;
  /** A run that waits to be posted; see postSoon. */
  private waitingRun: InspectorRun | undefined;
  /** The latest training progress, sent again when the webview reloads. */
  private training: TrainingProgress | undefined;
  /** Target file of the next heatmap the webview sends, set by an export command. */
  private pendingHeatmapTarget: vscode.Uri | undefined;
  /** Format of a heatmap export requested before the webview was ready. */
  private unsentHeatmapFormat: HeatmapFormat | undefined;

  /** Reveals the inspector, creating it beside the editor if needed. */
  static createOrShow(
    extensionUri: vscode.Uri,
    store: RunStore,
    log: vscode.LogOutputChannel,
  ): InspectorPanel {
    if (InspectorPanel.current !== undefined) {
      InspectorPanel.current.panel.reveal(undefined, true);
      return InspectorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      INSPECTOR_VIEW_TYPE,
      'Attention Inspector',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(extensionUri),
    );
    InspectorPanel.current = new InspectorPanel(panel, extensionUri, store, log);
    return InspectorPanel.current;
  }

  /** Takes over a panel that VS Code restored after a window reload. */
  static revive(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    store: RunStore,
    log: vscode.LogOutputChannel,
  ): void {
    InspectorPanel.current?.dispose();
    panel.webview.options = webviewOptions(extensionUri);
    InspectorPanel.current = new InspectorPanel(panel, extensionUri, store, log);
  }

  /** Returns whether an inspector panel exists. */
  static isOpen(): boolean {
    return InspectorPanel.current !== undefined;
  }

  /** Returns the open inspector, if any. */
  static get instance(): InspectorPanel | undefined {
    return InspectorPanel.current;
  }

  /** Shows a training run's loss curve. */
  showTraining(progress: TrainingProgress): void {
    this.training = progress;
    if (this.ready) {
      const message: HostMessage = { type: 'training', progress };
      void this.panel.webview.postMessage(message);
    }
  }

  /**
   * Asks the webview to draw its heatmap as `format` and saves the result to
   * `target`. The request is sent at once, or when the webview reports
   * ready, since a webview that is still loading drops messages. The file is
   * written when the webview replies.
   */
  requestHeatmap(format: HeatmapFormat, target: vscode.Uri): void {
    this.pendingHeatmapTarget = target;
    this.unsentHeatmapFormat = format;
    if (this.ready) {
      this.sendHeatmapRequest();
    }
  }

  private sendHeatmapRequest(): void {
    const format = this.unsentHeatmapFormat;
    // A waiting run goes first, so that the heatmap is the new run's; postSoon sends the request after it.
    if (format === undefined || this.waitingRun !== undefined) {
      return;
    }
    this.unsentHeatmapFormat = undefined;
    const message: HostMessage = { type: 'exportHeatmap', format };
    void this.panel.webview.postMessage(message);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly store: RunStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    panel.webview.html = renderInspectorHtml(panel.webview, extensionUri);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      // A hidden webview is unloaded; it reports ready again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) {
          this.ready = false;
        }
      }),
      store.onDidChange((run) => this.postSoon(run)),
    );
  }

  private receive(message: unknown): void {
    if (!isWebviewMessage(message)) {
      this.log.warn(
        `Ignored a malformed message from the inspector: ${JSON.stringify(message)?.slice(0, 200)}`,
      );
      return;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        if (this.store.latest !== undefined) {
          this.post(this.store.latest);
        }
        if (this.training !== undefined) {
          this.showTraining(this.training);
        }
        this.sendHeatmapRequest();
        break;
      case 'revealToken':
        void this.revealToken(message.index);
        break;
      case 'highlightToken':
        this.highlightToken(message.index);
        break;
      case 'exportTrace':
        void this.exportTrace();
        break;
      case 'saveHeatmap':
        void this.saveHeatmap(message.format, message.data);
        break;
    }
  }

  private highlightToken(index: number | null): void {
    const token = index === null ? undefined : this.store.latest?.payload.tokens[index];
    const uri = this.store.latestDocument?.toString();
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== uri || token === undefined) {
        editor.setDecorations(tokenHighlight, []);
        continue;
      }
      const range = new vscode.Range(
        editor.document.positionAt(token.start),
        editor.document.positionAt(token.end),
      );
      editor.setDecorations(tokenHighlight, [range]);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  private async exportTrace(): Promise<void> {
    const latest = this.store.latest;
    const modelRun = this.store.latestModelRun;
    if (latest === undefined || modelRun === undefined) {
      return;
    }
    await this.reportFailure('export the trace', async () => {
      const target = await chooseTarget('json', undefined);
      if (target !== undefined) {
        await writeTrace(target, latest, modelRun);
        this.log.info(`Exported the trace to ${target.fsPath}`);
      }
    });
  }

  private async saveHeatmap(format: HeatmapFormat, data: string): Promise<void> {
    const requested = this.pendingHeatmapTarget;
    this.pendingHeatmapTarget = undefined;
    await this.reportFailure('export the heatmap', async () => {
      const target = await chooseTarget(format, requested);
      if (target !== undefined) {
        await writeHeatmap(target, format, data);
        this.log.info(`Exported the heatmap to ${target.fsPath}`);
      }
    });
  }

  private async reportFailure(action: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.log.error(`Could not ${action}`, error);
      void vscode.window.showErrorMessage(
        `Tiny LLM could not ${action}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /**
   * Posts `inspectorRun` on a later turn of the event loop. The status bar
   * item sends its new text on the next turn, so the window receives the
   * predicted word before the run, which takes longer to draw. Runs added
   * meanwhile replace the waiting one.
   */
  private postSoon(inspectorRun: InspectorRun): void {
    const scheduled = this.waitingRun !== undefined;
    this.waitingRun = inspectorRun;
    if (scheduled) {
      return;
    }
    setTimeout(() => {
      const run = this.waitingRun;
      this.waitingRun = undefined;
      if (run !== undefined && !this.disposed) {
        this.post(run);
        if (this.ready) {
          this.sendHeatmapRequest();
        }
      }
    }, 0);
  }

  private post(inspectorRun: InspectorRun): void {
    if (!this.ready) {
      return;
    }
    const message: HostMessage = { type: 'showRun', inspectorRun };
    void this.panel.webview.postMessage(message);
  }

  private async revealToken(index: number): Promise<void> {
    const token = this.store.latest?.payload.tokens[index];
    const uri = this.store.latestDocument;
    if (token === undefined || uri === undefined) {
      return;
    }
    const document = await vscode.workspace.openTextDocument(uri);
    const range = new vscode.Range(
      document.positionAt(token.start),
      document.positionAt(token.end),
    );
    const editor = await vscode.window.showTextDocument(document, {
      preserveFocus: false,
      preview: false,
    });
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    this.disposed = true;
    if (InspectorPanel.current === this) {
      InspectorPanel.current = undefined;
    }
    this.panel.dispose();
    while (this.disposables.length > 0) {
      this.disposables.pop()?.dispose();
    }
  }
}

function webviewOptions(
  extensionUri: vscode.Uri,
): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist'),
      vscode.Uri.joinPath(extensionUri, 'media'),
    ],
  };
}
