/**
 * The inspector's script in the webview. It reports `ready` to the host,
 * draws every run the host sends, and keeps the latest run in the webview
 * state so that the panel redraws at once when it is shown again.
 */
import { InspectorRun, WebviewMessage, isHostMessage } from '../messages';
import { ViewState, renderRun } from './render';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: SavedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

interface SavedState {
  readonly inspectorRun: InspectorRun;
  readonly view: ViewState;
}

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;
let current: SavedState | undefined;

function draw(state: SavedState): void {
  current = state;
  vscode.setState(state);
  renderRun(root, state.inspectorRun, state.view, {
    onTokenClick: (index) => vscode.postMessage({ type: 'revealToken', index }),
    onHeadChange: (head) => draw({ ...state, view: { ...state.view, head } }),
  });
  document.body.dataset.state = 'ready';
  document.body.dataset.sequence = String(state.inspectorRun.sequence);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostMessage(event.data)) {
    console.warn('Tiny LLM inspector ignored a malformed message', event.data);
    return;
  }
  const { inspectorRun } = event.data;
  // A run older than the one on screen arrived late; the newer one stays.
  if (current !== undefined && inspectorRun.sequence < current.inspectorRun.sequence) {
    return;
  }
  draw({ inspectorRun, view: current?.view ?? { head: 0 } });
});

const saved = vscode.getState() as SavedState | undefined;
if (
  saved !== undefined &&
  saved !== null &&
  isHostMessage({ type: 'showRun', inspectorRun: saved.inspectorRun })
) {
  draw(saved);
}
vscode.postMessage({ type: 'ready' });
