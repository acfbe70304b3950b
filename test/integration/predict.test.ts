import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  CliResult,
  PredictResult,
  activateProduct,
  hoverTexts,
  openSample,
  predictWithCli,
  selectLine,
} from './support';

const SAMPLE = 'gettysburg-address.txt';
/** 0-based line of the first paragraph ("Four score and seven years ago ..."). */
const FIRST_PARAGRAPH_LINE = 3;

describe('Predict Next Word', () => {
  let editor: vscode.TextEditor;
  let text: string;
  let result: PredictResult;
  let cli: CliResult;

  before(async () => {
    const extension = await activateProduct();
    editor = await openSample(SAMPLE);
    text = selectLine(editor, FIRST_PARAGRAPH_LINE);
    result = await vscode.commands.executeCommand<PredictResult>('tinyLlm.predictNextWord');
    cli = await predictWithCli(extension.extensionPath, text);
  });

  it('returns a result for the selection', () => {
    assert.ok(result, 'tinyLlm.predictNextWord resolved to nothing');
    assert.ok(text.startsWith('Four score'), `unexpected sample text: ${text.slice(0, 40)}`);
  });

  it('predicts the same word as the CLI', () => {
    assert.equal(result.word, cli.prediction.word);
    assert.equal(result.id, cli.prediction.id);
  });

  it('reports the same probability as the CLI', () => {
    assert.ok(
      Math.abs(result.probability - cli.prediction.probability) < 1e-9,
      `${result.probability} != ${cli.prediction.probability}`,
    );
  });

  it('tokenizes like the CLI', () => {
    assert.deepEqual(
      result.tokens.map(({ text, id }) => ({ text, id })),
      cli.tokens.map(({ text, id }) => ({ text, id })),
    );
    assert.deepEqual(result.vocabulary, cli.vocabulary);
  });

  it('returns tokens at their document offsets', () => {
    for (const token of result.tokens) {
      const range = new vscode.Range(
        editor.document.positionAt(token.start),
        editor.document.positionAt(token.end),
      );
      assert.equal(
        editor.document.getText(range),
        token.text,
        `token ${token.id} at ${token.start}-${token.end}`,
      );
    }
  });

  describe('hover', () => {
    /** Returns the document position `offset` code units into the selected paragraph. */
    function positionInParagraph(offset: number): vscode.Position {
      const paragraphStart = editor.document.offsetAt(new vscode.Position(FIRST_PARAGRAPH_LINE, 0));
      return editor.document.positionAt(paragraphStart + offset);
    }

    it('shows the token and id over words', async () => {
      // The first token, one in the middle and the last word before the final period.
      const last = cli.tokens.length - 1;
      const chosen = [cli.tokens[0], cli.tokens[Math.floor(last / 2)], cli.tokens[last - 1]];
      for (const token of chosen) {
        const middle = positionInParagraph(Math.floor((token.start + token.end) / 2));
        const texts = await hoverTexts(editor.document.uri, middle);
        const joined = texts.join('\n');
        assert.ok(
          joined.includes(token.text),
          `hover at ${middle.line}:${middle.character} lacks token "${token.text}": ${JSON.stringify(texts)}`,
        );
        // A word boundary keeps "id 1" from matching "id 12".
        assert.match(
          joined,
          new RegExp(`\\bid ${token.id}\\b`),
          `hover at ${middle.line}:${middle.character} lacks "id ${token.id}"`,
        );
      }
    });

    it('shows nothing in whitespace between words', async () => {
      // Token offsets are half-open, so `end` of the first word is the space after it.
      const [first, second] = cli.tokens;
      assert.ok(
        second.start > first.end,
        `no whitespace between "${first.text}" and "${second.text}"`,
      );
      const space = positionInParagraph(first.end);
      assert.equal(editor.document.getText(new vscode.Range(space, space.translate(0, 1))), ' ');
      const texts = await hoverTexts(editor.document.uri, space);
      assert.deepEqual(texts, [], `expected no hover at ${space.line}:${space.character}`);
    });
  });
});
