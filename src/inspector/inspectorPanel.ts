/**
 * The attention inspector's panel on the host side: creates or reveals one
 * webview panel, sends it the latest run once the webview reports that it
 * is ready, and relays the webview's requests to the editor.
 */
import * as vscode from 'vscode';
import { HostMessage, InspectorRun, isWebviewMessage } from '../messages';
import { RunStore } from '../runStore';
import { renderInspectorHtml } from './html';

export const INSPECTOR_VIEW_TYPE = 'tinyLlm.inspector';

export class InspectorPanel implements vscode.Disposable {
  private static current: InspectorPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;

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
      store.onDidChange((run) => this.post(run)),
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
        break;
      case 'revealToken':
        void this.revealToken(message.index);
        break;
    }
  }

  private post(inspectorRun: InspectorRun): void {
    if (!this.ready) {
      return;
    }
    const message: HostMessage = { type: 'showRun', inspectorRun };
    void this.panel.webview.postMessage(message);
  }

  private async revealToken(index: number): Promise<void> {
    const token = this.store.latest?.run.tokens[index];
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
