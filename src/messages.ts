/**
 * The messages between the extension host and the inspector webview. Both
 * sides import these types, and each side checks what it receives with the
 * guards below before acting on it.
 */
import type { InspectorPayload } from './inspector/payload';

/** The origin of a run's text, for the inspector's heading. */
export interface RunSource {
  readonly fileName: string;
  /** The part of the document that was read, for example "Selection, lines 3–5". */
  readonly description: string;
}

/** The text a run read, enough to compute the run again after a window reload. */
export interface RunInput {
  readonly text: string;
  /** Document offset of the text's first character. */
  readonly offset: number;
  /** The document, as a URI string. */
  readonly document: string;
}

/** Everything the inspector draws for one run. */
export interface InspectorRun {
  /** Increases with every run, so the webview can drop a late older one. */
  readonly sequence: number;
  readonly source: RunSource;
  readonly input: RunInput;
  readonly payload: InspectorPayload;
}

/**
 * The webview's saved state: enough to compute the run again when
 * VS Code restores the panel after a window reload, but not the numbers.
 */
export interface SavedInspectorState {
  readonly input: RunInput;
  readonly source: RunSource;
  readonly sequence: number;
  /** The attention head shown, or -1 for all heads side by side. */
  readonly head: number;
}

/** Image formats the heatmap exports to. */
export type HeatmapFormat = 'svg' | 'png';

/** Loss after each epoch of the current or last training run. */
export interface TrainingProgress {
  readonly document: string;
  readonly losses: readonly number[];
  readonly epochs: number;
  readonly state: 'running' | 'done' | 'cancelled' | 'failed';
  /** The reason a failed run stopped. */
  readonly message?: string;
}

export type HostMessage =
  | { readonly type: 'showRun'; readonly inspectorRun: InspectorRun }
  | { readonly type: 'training'; readonly progress: TrainingProgress }
  /** Asks the webview to draw the current heatmap, with its highlight, in `format`. */
  | { readonly type: 'exportHeatmap'; readonly format: HeatmapFormat };

export type WebviewMessage =
  | { readonly type: 'ready' }
  /** Select token `index` of the current run in the editor. */
  | { readonly type: 'revealToken'; readonly index: number }
  /** Highlight token `index` in the editor, or remove the highlight when null. */
  | { readonly type: 'highlightToken'; readonly index: number | null }
  /** Save the current run as JSON. */
  | { readonly type: 'exportTrace' }
  /** Save a heatmap image: SVG text, or a PNG as a base64 data URL. */
  | { readonly type: 'saveHeatmap'; readonly format: HeatmapFormat; readonly data: string };

const isTokenIndex = (value: unknown): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** Returns whether `value` is a well-formed message from the webview. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (!isRecord(value)) {
    return false;
  }
  switch (value.type) {
    case 'ready':
    case 'exportTrace':
      return true;
    case 'revealToken':
      return isTokenIndex(value.index);
    case 'highlightToken':
      return value.index === null || isTokenIndex(value.index);
    case 'saveHeatmap':
      return (value.format === 'svg' || value.format === 'png') && typeof value.data === 'string';
    default:
      return false;
  }
}

/** Returns whether `value` is a well-formed run input, as kept in the webview's state. */
export function isRunInput(value: unknown): value is RunInput {
  return (
    isRecord(value) &&
    typeof value.text === 'string' &&
    typeof value.offset === 'number' &&
    typeof value.document === 'string'
  );
}

/** Returns whether `value` is a well-formed message from the host. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (!isRecord(value)) {
    return false;
  }
  if (value.type === 'exportHeatmap') {
    return value.format === 'svg' || value.format === 'png';
  }
  if (value.type === 'training') {
    const progress = value.progress;
    return (
      isRecord(progress) &&
      typeof progress.document === 'string' &&
      Array.isArray(progress.losses) &&
      progress.losses.every((loss) => typeof loss === 'number') &&
      typeof progress.epochs === 'number'
    );
  }
  if (value.type !== 'showRun' || !isRecord(value.inspectorRun)) {
    return false;
  }
  const { sequence, source, input, payload } = value.inspectorRun;
  return (
    typeof sequence === 'number' &&
    isRecord(source) &&
    isRunInput(input) &&
    isRecord(payload) &&
    Array.isArray(payload.tokens) &&
    Array.isArray(payload.vocabulary) &&
    isRecord(payload.weights) &&
    payload.weights.data instanceof Float32Array &&
    isRecord(payload.matrices)
  );
}
