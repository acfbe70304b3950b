/**
 * Runs the model for the inspector: from a piece of document text to the
 * run the host keeps (for exports and hovers) and the compact payload the
 * webview draws. The predict command and the panel's restore after a
 * window reload both come through here.
 */
import { InspectorRun, RunInput, RunSource } from './messages';
import { InspectorPayload, toInspectorPayload } from './inspector/payload';
import { ModelConfig } from './model/config';
import { ModelRun, runModel } from './model/run';

export interface InspectorResult {
  readonly inspectorRun: InspectorRun;
  readonly modelRun: ModelRun;
}

/** Runs the model on `input` and prepares what the inspector needs. */
export function runForInspector(
  input: RunInput,
  source: RunSource,
  config: ModelConfig,
  sequence: number,
): InspectorResult {
  const modelRun = runModel(input.text, config);

  // Characters before the first token read count as dropped only when they
  // hold a token the context had no room for.
  const firstStart = modelRun.tokens[0].start;
  const dropped = /\S/u.test(input.text.slice(0, firstStart)) ? firstStart : 0;

  // Keep only the text that was read, so the webview's saved state stays small.
  const readInput: RunInput = {
    ...input,
    text: input.text.slice(dropped),
    offset: input.offset + dropped,
  };
  const payload: InspectorPayload = toInspectorPayload(modelRun, input.offset, dropped);
  return { inspectorRun: { sequence, source, input: readInput, payload }, modelRun };
}
