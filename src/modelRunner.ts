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
import { TrainedModel, runTrainedModel } from './model/train/train';

export interface InspectorResult {
  readonly inspectorRun: InspectorRun;
  readonly modelRun: ModelRun;
}

/**
 * Runs the model on `input` and prepares what the inspector needs: the
 * trained model when there is one, else fresh weights for `config`.
 */
export function runForInspector(
  input: RunInput,
  source: RunSource,
  config: ModelConfig,
  sequence: number,
  trained: TrainedModel | undefined,
): InspectorResult {
  const modelRun =
    trained === undefined ? runModel(input.text, config) : runTrainedModel(input.text, trained);
  const dropped = modelRun.droppedCharacters;

  // Keep only the text that was read, so the webview's saved state stays small.
  const readInput: RunInput = {
    ...input,
    text: input.text.slice(dropped),
    offset: input.offset + dropped,
  };
  const payload: InspectorPayload = toInspectorPayload(modelRun, input.offset, trained?.info);
  return { inspectorRun: { sequence, source, input: readInput, payload }, modelRun };
}
