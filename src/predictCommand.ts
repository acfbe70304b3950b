/**
 * Tiny LLM: Predict Next Word. Reads the selection (or, with nothing
 * selected, the text before the cursor), runs the model, shows the
 * predicted word in the status bar and sends the run to the inspector.
 */
import * as vscode from 'vscode';
import { InspectorRun, RunSource } from './messages';
import { EmptyTextError, runModel } from './model/run';
import { runToJson } from './model/serialize';
import { RunStore } from './runStore';
import { readModelConfig } from './settings';

/** What the command returns to its caller, for scripts and tests. */
export interface PredictionResult {
  readonly word: string;
  readonly id: number;
  readonly probability: number;
  readonly tokens: InspectorRun['run']['tokens'];
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
    let run;
    try {
      run = runModel(input.text, config);
    } catch (error) {
      if (error instanceof EmptyTextError) {
        throw new UserFacingError(
          `Nothing to predict from: the ${input.source.description.toLowerCase()} has no words.`,
        );
      }
      throw error;
    }
    const elapsed = performance.now() - started;

    const json = runToJson(run);
    // Offsets in the run count from the start of the text; the inspector and
    // the hover need them in the document.
    const tokens = json.tokens.map((token) => ({
      ...token,
      start: token.start + input.offset,
      end: token.end + input.offset,
    }));
    const inspectorRun: InspectorRun = {
      sequence: this.store.claimSequence(),
      source: input.source,
      run: { ...json, tokens },
    };
    this.store.add(editor.document, inspectorRun);
    const result: PredictionResult = {
      word: run.prediction.word,
      id: run.prediction.id,
      probability: run.prediction.probability,
      tokens,
      vocabulary: json.vocabulary,
    };
    this.log.info(
      `Predicted "${run.prediction.word}" from ${run.tokens.length} tokens of ${input.source.fileName} ` +
        `in ${elapsed.toFixed(1)} ms`,
    );

    this.showStatus(run.prediction.word, run.prediction.probability, run.tokens.length);
    if (quiet) {
      return result;
    }
    if (input.notice !== undefined) {
      void vscode.window.showInformationMessage(input.notice);
    }
    if (run.droppedTokens > 0) {
      void vscode.window.showInformationMessage(
        `The text has ${run.tokens.length + run.droppedTokens} tokens; the model read the last ` +
          `${run.tokens.length} (tinyLlm.contextLength).`,
      );
    }
    this.showInspector();
    return result;
  }

  private showStatus(word: string, probability: number, tokenCount: number): void {
    this.statusBar.text = `$(sparkle) Next word: ${word}`;
    this.statusBar.tooltip =
      `Tiny LLM predicts “${word}” (${(probability * 100).toFixed(1)}%) after ${tokenCount} tokens. ` +
      'The weights are untrained, so this is not yet meaningful. Click to open the inspector.';
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
