/**
 * The inspector's HTML shell. All content is drawn by dist/webview.js with
 * DOM calls that treat user text as text; the shell itself contains no user
 * data. The content security policy admits only this extension's script
 * (by nonce) and stylesheet, and no remote resource.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Returns the inspector's HTML for `webview`. */
export function renderInspectorHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const styleUri = webview.asWebviewUri(
    vscode.Uri.joinPath(extensionUri, 'media', 'inspector.css'),
  );
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');

  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta http-equiv="Content-Security-Policy" content="${csp}" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <link href="${styleUri}" rel="stylesheet" />
    <title>Attention Inspector</title>
  </head>
  <body data-state="empty">
    <section id="training" class="training" hidden></section>
    <main id="root">
      <p class="placeholder">
        Select some text in an editor and run <strong>Tiny LLM: Predict Next Word</strong> to see
        each step of the model here.
      </p>
    </main>
    <script nonce="${nonce}" src="${scriptUri}"></script>
  </body>
</html>`;
}
