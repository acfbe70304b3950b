/**
 * Shows a word's token and vocabulary id when hovering it, only in documents
 * that Predict Next Word has read, so other files get no extra hovers.
 */
import * as vscode from 'vscode';
import { tokenize } from './model/tokenizer';
import { RunStore } from './runStore';

/** Characters on each side of the cursor that the hover tokenizes; long lines stay cheap. */
const HOVER_WINDOW = 256;

export class TokenHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: RunStore) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const vocabulary = this.store.vocabularyOf(document);
    if (vocabulary === undefined) {
      return undefined;
    }

    const line = document.lineAt(position.line).text;
    const windowStart = Math.max(0, position.character - HOVER_WINDOW);
    const windowEnd = Math.min(line.length, position.character + HOVER_WINDOW);
    const tokens = tokenize(line.slice(windowStart, windowEnd));
    const offset = position.character - windowStart;
    const token = tokens.find((candidate) => candidate.start <= offset && offset < candidate.end);
    if (token === undefined) {
      return undefined;
    }

    const range = new vscode.Range(
      position.line,
      windowStart + token.start,
      position.line,
      windowStart + token.end,
    );
    const id = vocabulary.get(token.text);
    const markdown = new vscode.MarkdownString();
    markdown.appendMarkdown('**Tiny LLM** token ');
    markdown.appendText(`“${token.text}”`);
    markdown.appendMarkdown(
      id === undefined
        ? `: not in the vocabulary of the last run (${vocabulary.size} tokens)`
        : `: id ${id} of ${vocabulary.size} in the vocabulary`,
    );
    return new vscode.Hover(markdown, range);
  }
}
