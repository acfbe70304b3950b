/**
 * The messages between the extension host and the inspector webview. Both
 * sides import these types, and each side checks what it receives with the
 * guard below before acting on it.
 */
import type { RunJson } from './model/serialize';

/** Where the text of a run came from, for the inspector's heading. */
export interface RunSource {
  readonly fileName: string;
  /** One sentence on what was read, for example "Selection, lines 3–5". */
  readonly description: string;
}

/** Everything the inspector draws for one run. */
export interface InspectorRun {
  /** Increases with every run, so the webview can drop a late older one. */
  readonly sequence: number;
  readonly source: RunSource;
  readonly run: RunJson;
}

/** Image formats the heatmap exports to. */
export type HeatmapFormat = 'svg' | 'png';

export type HostMessage =
  | { readonly type: 'showRun'; readonly inspectorRun: InspectorRun }
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

/** Returns whether `value` is a well-formed message from the webview. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'exportTrace':
      return true;
    case 'revealToken':
      return isTokenIndex(message.index);
    case 'highlightToken':
      return message.index === null || isTokenIndex(message.index);
    case 'saveHeatmap':
      return (
        (message.format === 'svg' || message.format === 'png') && typeof message.data === 'string'
      );
    default:
      return false;
  }
}

/** Returns whether `value` is a well-formed message from the host. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const message = value as Record<string, unknown>;
  if (message.type === 'exportHeatmap') {
    return message.format === 'svg' || message.format === 'png';
  }
  if (
    message.type !== 'showRun' ||
    typeof message.inspectorRun !== 'object' ||
    message.inspectorRun === null
  ) {
    return false;
  }
  const inspectorRun = message.inspectorRun as Record<string, unknown>;
  const run = inspectorRun.run as Record<string, unknown> | undefined;
  return (
    typeof inspectorRun.sequence === 'number' &&
    typeof inspectorRun.source === 'object' &&
    typeof run === 'object' &&
    run !== null &&
    Array.isArray(run.tokens) &&
    Array.isArray(run.vocabulary) &&
    typeof run.stages === 'object'
  );
}
