/**
 * Tiny LLM: Continue Text. Appends the trained model's next words at the
 * cursor as one edit, so a single undo removes them. The generation
 * settings choose greedy or sampled words.
 */
import * as vscode from 'vscode';
import { MAX_GENERATED_WORDS, joinWords, sampleNextWords } from './model/train/train';
import { UserFacingError } from './predictCommand';
import { readGenerationSettings } from './settings';
import { ModelStore } from './training/modelStore';

/** Options a caller may pass to the command, over the settings. */
export interface ContinueOptions {
  readonly words?: number;
  readonly temperature?: number;
  readonly topK?: number;
  readonly seed?: number;
}

/** Inserts the continuation at the cursor and returns the inserted text. */
export async function continueText(
  models: ModelStore,
  log: vscode.LogOutputChannel,
  options: ContinueOptions = {},
): Promise<string> {
  const model = models.current;
  if (model === undefined) {
    throw new UserFacingError(
      'The model is untrained, so its words would be noise. Run Tiny LLM: Train on Document first.',
    );
  }
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    throw new UserFacingError('Open a text file and place the cursor where the words should go.');
  }
  const settings = { ...readGenerationSettings(log), ...options };
  if (settings.words > MAX_GENERATED_WORDS) {
    throw new UserFacingError(`Continue Text writes at most ${MAX_GENERATED_WORDS} words.`);
  }

  const cursor = editor.selection.active;
  const before = editor.document.getText(new vscode.Range(new vscode.Position(0, 0), cursor));
  if (!before.trim()) {
    throw new UserFacingError('Place the cursor after some text for the model to continue.');
  }
  const words = sampleNextWords(before, model, {
    count: settings.words,
    temperature: settings.temperature,
    topK: settings.topK,
    seed: options.seed ?? Date.now() % 4294967296,
  });
  const continuation = joinWords(
    before,
    words.map((word) => word.word),
  );

  const inserted = await editor.edit((builder) => builder.insert(cursor, continuation));
  if (!inserted) {
    throw new Error('the editor rejected the edit');
  }
  log.info(`Continued the text with ${words.length} words`);
  return continuation;
}
