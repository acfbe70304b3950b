/**
 * The inspector's script in the webview. It reports `ready` to the host,
 * draws every run the host sends, keeps the latest run in the webview state
 * so that the panel redraws at once when it is shown again, and carries out
 * the reader's highlights and exports.
 */
import { firstDrawnToken } from '../inspector/payload';
import {
  HeatmapFormat,
  InspectorRun,
  SavedInspectorState,
  WebviewMessage,
  isHostMessage,
} from '../messages';
import { readHeatmapColours } from './colours';
import { heatmapSvg } from './heatmapSvg';
import { renderLossCurve } from './lossCurve';
import { ALL_HEADS, RenderedRun, ViewState, renderRun } from './render';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: SavedInspectorState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The run on screen and how the reader views it. */
interface Shown {
  readonly inspectorRun: InspectorRun;
  readonly view: ViewState;
}

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;
const trainingSection = document.getElementById('training') as HTMLElement;
let current: Shown | undefined;
let rendered: RenderedRun | undefined;
let highlighted: number | null = null;

function draw(state: Shown): void {
  current = state;
  highlighted = null;
  // The state contains the text, not the numbers: after a window reload the host
  // computes the run again from it.
  const { input, source, sequence } = state.inspectorRun;
  vscode.setState({ input, source, sequence, head: state.view.head });
  rendered = renderRun(root, state.inspectorRun, state.view, {
    onTokenClick: (index) => vscode.postMessage({ type: 'revealToken', index }),
    onTokenHover: highlight,
    onHeadChange: (head) => draw({ ...state, view: { ...state.view, head } }),
    onExport: (kind) =>
      kind === 'json' ? vscode.postMessage({ type: 'exportTrace' }) : exportHeatmap(kind),
  });
  document.body.dataset.state = 'ready';
  document.body.dataset.sequence = String(state.inspectorRun.sequence);
}

/** Marks token `index`'s rows and heatmap column here and its range in the editor. */
function highlight(index: number | null): void {
  for (const node of root.querySelectorAll('.highlight, .highlight-column')) {
    node.classList.remove('highlight', 'highlight-column');
  }
  highlighted = index;
  if (index !== null) {
    for (const node of root.querySelectorAll(`[data-row="${index}"]`)) {
      node.classList.add('highlight');
    }
    for (const node of root.querySelectorAll(`[data-column="${index}"]`)) {
      node.classList.add('highlight-column');
    }
  }
  rendered?.canvas?.highlight(index);
  vscode.postMessage({ type: 'highlightToken', index });
}

/** Draws the shown head's heatmap with the current highlight and sends it to the host to save. */
async function exportHeatmap(format: HeatmapFormat): Promise<void> {
  if (current === undefined) {
    return;
  }
  const { payload: run } = current.inspectorRun;
  const tokens = run.tokens.map((token) => token.text);
  const head = current.view.head === ALL_HEADS ? 0 : current.view.head;
  const canvas = rendered?.canvas;
  if (format === 'png' && canvas !== undefined) {
    vscode.postMessage({
      type: 'saveHeatmap',
      format,
      data: canvas.snapshot().toDataURL('image/png'),
    });
    return;
  }
  const svg = heatmapSvg({
    weights: run.weights,
    head: Math.min(head, run.config.heads - 1),
    tokens,
    first: firstDrawnToken(tokens.length),
    causalMask: run.config.causalMask,
    highlighted,
    colours: readHeatmapColours(),
  });
  const data = format === 'svg' ? svg : await svgToPng(svg);
  vscode.postMessage({ type: 'saveHeatmap', format, data });
}

/** Rasterises an SVG document to a PNG data URL. */
async function svgToPng(svg: string): Promise<string> {
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  canvas.getContext('2d')?.drawImage(image, 0, 0);
  return canvas.toDataURL('image/png');
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostMessage(message)) {
    console.warn('Tiny LLM inspector ignored a malformed message', message);
    return;
  }
  if (message.type === 'exportHeatmap') {
    // The heatmap is of the newest run, drawn now if it still waits for a paint.
    drawPending();
    void exportHeatmap(message.format);
    return;
  }
  if (message.type === 'training') {
    renderLossCurve(trainingSection, message.progress);
    return;
  }
  const { inspectorRun } = message;
  // A run older than the one on screen, or than the one waiting, arrived late; the newer one stays.
  const newest = pending ?? current;
  if (newest !== undefined && inspectorRun.sequence < newest.inspectorRun.sequence) {
    return;
  }
  drawAfterPaint({ inspectorRun, view: current?.view ?? { head: savedHead } });
});

let pending: Shown | undefined;

/**
 * Draws `state` once the browser has painted. The panel shares its thread
 * with the editor's window, and drawing a long run takes a few hundred
 * milliseconds, so the window first paints what changed with it, such as
 * the predicted word in the status bar. Runs that arrive meanwhile replace
 * the waiting one.
 */
function drawAfterPaint(state: Shown): void {
  const scheduled = pending !== undefined;
  pending = state;
  if (scheduled) {
    return;
  }
  // A frame callback runs just before the paint, and a task queued from it just after.
  requestAnimationFrame(() => setTimeout(drawPending));
}

/** Draws the run that waits for a paint, if there is one. */
function drawPending(): void {
  const next = pending;
  pending = undefined;
  if (next !== undefined) {
    draw({ ...next, view: current?.view ?? next.view });
  }
}

// The host sends the latest run in reply to `ready`; a restored panel keeps its head.
const saved = vscode.getState() as Partial<SavedInspectorState> | undefined | null;
const savedHead = typeof saved?.head === 'number' ? saved.head : 0;
vscode.postMessage({ type: 'ready' });
