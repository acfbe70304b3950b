/**
 * Tiny LLM: Predict Next Word. Reads the selection (or, with nothing
 * selected, the text before the cursor), runs the model, shows the
 * predicted word in the status bar and sends the run to the inspector.
 */
import * as vscode from 'vscode';
import { InspectorPayload } from './inspector/payload';
import { RunInput, RunSource } from './messages';
import { EmptyTextError } from './model/run';
import { InspectorResult, runForInspector } from './modelRunner';
import { RunStore } from './runStore';
import { ModelStore } from './training/modelStore';
import { readModelConfig } from './settings';

/** The command's result, for scripts and tests. */
export interface PredictionResult {
  readonly word: string;
  readonly id: number;
  readonly probability: number;
  readonly tokens: InspectorPayload['tokens'];
  readonly vocabulary: readonly string[];
}

interface ModelInput {
  readonly text: string;
  /** Document offset of the text's first character. */
  readonly offset: number;
  readonly source: RunSource;
  /** Told to the user when the command read something other than a single selection. */
  readonly notice?: string;
}

/** Thrown for a user error that needs only a short message, not a log entry. */
export class UserFacingError extends Error {}

export class PredictCommand {
  constructor(
    private readonly store: RunStore,
    private readonly models: ModelStore,
    private readonly statusBar: vscode.StatusBarItem,
    private readonly showInspector: () => void,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * Runs the model on `editor` (the active one by default). A quiet run, made
   * for a selection change rather than a command, shows no notifications and
   * leaves the inspector where it is.
   */
  execute(
    editor = vscode.window.activeTextEditor,
    { quiet }: { quiet: boolean } = { quiet: false },
  ): PredictionResult {
    if (editor === undefined) {
      throw new UserFacingError('Open a text file and select some text to predict its next word.');
    }
    const input = readInput(editor);
    const config = readModelConfig(this.log);

    const started = performance.now();
    let result: InspectorResult;
    try {
      result = runForInspector(
        { text: input.text, offset: input.offset, document: editor.document.uri.toString() },
        input.source,
        config,
        this.store.claimSequence(),
        this.models.current,
      );
    } catch (error) {
      if (error instanceof EmptyTextError) {
        throw new UserFacingError(`No words to predict from (${input.source.description}).`);
      }
      throw error;
    }
    const elapsed = performance.now() - started;
    const { inspectorRun, modelRun } = result;
    const { payload } = inspectorRun;
    // The status bar first: posting the run to the inspector takes longer.
    this.showStatus(payload.prediction.word, payload.prediction.probability, payload.tokens.length);
    this.store.add(inspectorRun, modelRun);
    this.log.info(
      `Predicted "${payload.prediction.word}" from ${payload.tokens.length} tokens of ` +
        `${input.source.fileName} in ${elapsed.toFixed(1)} ms`,
    );

    const prediction: PredictionResult = {
      ...payload.prediction,
      tokens: payload.tokens,
      vocabulary: payload.vocabulary,
    };
    if (quiet) {
      return prediction;
    }
    if (input.notice !== undefined) {
      void vscode.window.showInformationMessage(input.notice);
    }
    if (payload.droppedCharacters > 0) {
      const setting =
        payload.training === undefined ? 'tinyLlm.contextLength' : 'tinyLlm.training.contextLength';
      void vscode.window.showInformationMessage(
        `The text is longer than the context of ${payload.config.contextLength} tokens ` +
          `(${setting}), so the model read its last ${payload.tokens.length} tokens ` +
          `and left out the first ${payload.droppedCharacters.toLocaleString('en')} characters.`,
      );
    }
    this.showInspector();
    return prediction;
  }

  /**
   * Runs the model again on text a previous session read, for an inspector
   * that VS Code restored after a window reload. Nothing is shown but the
   * inspector's content.
   */
  restore(input: RunInput, source: RunSource): void {
    const config = readModelConfig(this.log);
    const { inspectorRun, modelRun } = runForInspector(
      input,
      source,
      config,
      this.store.claimSequence(),
      this.models.current,
    );
    this.store.add(inspectorRun, modelRun);
    const { prediction, tokens } = inspectorRun.payload;
    this.showStatus(prediction.word, prediction.probability, tokens.length);
    this.log.info(`Restored the inspector's run on ${source.fileName}`);
  }

  private showStatus(word: string, probability: number, tokenCount: number): void {
    this.statusBar.text = `$(sparkle) Next word: ${word}`;
    const trained = this.models.current;
    const weights =
      trained === undefined
        ? 'The weights are untrained, so this is not yet meaningful.'
        : `The model was trained on ${trained.info.document}.`;
    this.statusBar.tooltip =
      `Tiny LLM predicts “${word}” (${(probability * 100).toFixed(1)}%) after ${tokenCount} ` +
      `tokens. ${weights} Click to open the inspector.`;
    this.statusBar.show();
  }
}

/** Picks the text to read: the primary selection, another non-empty selection, or the text before the cursor. */
function readInput(editor: vscode.TextEditor): ModelInput {
  const document = editor.document;
  const fileName = document.uri.path.split('/').pop() || document.uri.toString();
  const selections = editor.selections.filter((selection) => !selection.isEmpty);

  if (selections.length > 0) {
    const selection = editor.selection.isEmpty ? selections[0] : editor.selection;
    const lines =
      selection.start.line === selection.end.line
        ? `line ${selection.start.line + 1}`
        : `lines ${selection.start.line + 1}–${selection.end.line + 1}`;
    return {
      text: document.getText(selection),
      offset: document.offsetAt(selection.start),
      source: { fileName, description: `Selection, ${lines}` },
      notice:
        selections.length > 1
          ? `Tiny LLM read the selection on ${lines} and ignored the other ${selections.length - 1}.`
          : undefined,
    };
  }

  const cursor = editor.selection.active;
  const beforeCursor = new vscode.Range(new vscode.Position(0, 0), cursor);
  if (!document.getText(beforeCursor).trim()) {
    return {
      text: document.getText(),
      offset: 0,
      source: { fileName, description: 'Whole document' },
      notice:
        'Nothing was selected and nothing precedes the cursor, so Tiny LLM read the whole document.',
    };
  }
  return {
    text: document.getText(beforeCursor),
    offset: 0,
    source: { fileName, description: `Text before the cursor (line ${cursor.line + 1})` },
    notice: 'Nothing was selected, so Tiny LLM read the text before the cursor.',
  };
}
