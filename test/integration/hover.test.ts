import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  CliResult,
  HoverText,
  PredictResult,
  activateProduct,
  closeWithoutSaving,
  deleteTemporaryFiles,
  hoversAt,
  openTemporaryFile,
  openUntitled,
  predict,
  runCli,
  selectAll,
} from './support';

/** Returns the CLI's id of `word`, failing when the CLI's vocabulary lacks it. */
function cliId(cli: CliResult, word: string): number {
  const id = cli.vocabulary.indexOf(word);
  assert.ok(id >= 0, `the CLI's vocabulary lacks "${word}"`);
  return id;
}

/** Returns the one hover at `position`, failing when there is none or more than one. */
async function onlyHover(document: vscode.TextDocument, position: vscode.Position) {
  const hovers = await hoversAt(document.uri, position);
  assert.equal(
    hovers.length,
    1,
    `expected one hover at ${position.line}:${position.character}, got ${JSON.stringify(hovers)}`,
  );
  return hovers[0];
}

/** Checks that `hover` names `word` with id `id` and covers exactly `expected`. */
function assertHover(hover: HoverText, word: string, id: number, expected: vscode.Range): void {
  assert.ok(hover.text.includes(`“${word}”`), `hover lacks the token “${word}”: ${hover.text}`);
  // A word boundary keeps "id 1" from matching "id 12".
  assert.match(hover.text, new RegExp(`\\bid ${id}\\b`), `hover lacks "id ${id}": ${hover.text}`);
  assert.ok(hover.range, `hover over “${word}” has no range`);
  assert.deepEqual(
    [
      hover.range.start.line,
      hover.range.start.character,
      hover.range.end.line,
      hover.range.end.character,
    ],
    [expected.start.line, expected.start.character, expected.end.line, expected.end.character],
    `range of the hover over “${word}”`,
  );
}

/** Returns the range of the first `word` on `line` of `document`. */
function rangeOf(document: vscode.TextDocument, line: number, word: string): vscode.Range {
  const text = document.lineAt(line).text;
  const start = text.indexOf(word);
  assert.ok(start >= 0, `line ${line} "${text}" lacks "${word}"`);
  return new vscode.Range(line, start, line, start + word.length);
}

/** Returns the middle of `range`, where a person would point at the word. */
function middle(range: vscode.Range): vscode.Position {
  return new vscode.Position(
    range.start.line,
    Math.floor((range.start.character + range.end.character) / 2),
  );
}

describe('hover', () => {
  let extensionPath: string;

  before(async () => {
    extensionPath = (await activateProduct()).extensionPath;
  });

  after(() => {
    deleteTemporaryFiles();
  });

  describe('in a file with CRLF line endings', () => {
    const CONTENT = 'alpha beta\r\ngamma delta alpha\r\nepsilon, beta zeta!\r\n';
    let editor: vscode.TextEditor;
    let result: PredictResult | undefined;
    let cli: CliResult;

    before(async () => {
      editor = await openTemporaryFile('crlf.txt', CONTENT);
      const text = selectAll(editor);
      result = await predict();
      cli = await runCli(extensionPath, text);
    });

    after(async () => {
      await closeWithoutSaving(editor);
    });

    it('reads the file as CRLF', () => {
      assert.equal(editor.document.eol, vscode.EndOfLine.CRLF);
      assert.equal(editor.document.getText(), CONTENT);
    });

    it('predicts like the CLI', () => {
      assert.ok(result, 'tinyLlm.predictNextWord resolved to nothing');
      assert.equal(result.word, cli.prediction.word);
      assert.deepEqual(result.vocabulary, cli.vocabulary);
    });

    it('returns tokens at their document offsets', () => {
      assert.ok(result, 'tinyLlm.predictNextWord resolved to nothing');
      for (const token of result.tokens) {
        const range = new vscode.Range(
          editor.document.positionAt(token.start),
          editor.document.positionAt(token.end),
        );
        assert.equal(editor.document.getText(range), token.text, `token at ${token.start}`);
      }
    });

    const cases: { line: number; word: string }[] = [
      { line: 1, word: 'delta' },
      { line: 1, word: 'alpha' },
      { line: 2, word: 'epsilon' },
      { line: 2, word: ',' },
      { line: 2, word: 'zeta' },
      { line: 2, word: '!' },
    ];
    for (const { line, word } of cases) {
      it(`shows “${word}” on line ${line + 1}`, async () => {
        const range = rangeOf(editor.document, line, word);
        const hover = await onlyHover(editor.document, middle(range));
        assertHover(hover, word, cliId(cli, word), range);
      });
    }

    it('shows nothing at the line end', async () => {
      const end = editor.document.lineAt(1).range.end;
      assert.deepEqual(await hoversAt(editor.document.uri, end), []);
    });
  });

  describe('after an emoji', () => {
    const EMOJI = '👨‍👩‍👧';
    const LINE = `${EMOJI} family hello`;
    let editor: vscode.TextEditor;
    let cli: CliResult;

    before(async () => {
      editor = await openUntitled(`first words\n${LINE}\n`);
      const text = selectAll(editor);
      assert.ok(await predict(), 'tinyLlm.predictNextWord resolved to nothing');
      cli = await runCli(extensionPath, text);
    });

    after(async () => {
      await closeWithoutSaving(editor);
    });

    it('covers the word in UTF-16 units', async () => {
      // The family emoji is 3 code points and 2 joiners: 8 UTF-16 code units.
      assert.equal(EMOJI.length, 8);
      const range = new vscode.Range(1, 9, 1, 15);
      assert.equal(editor.document.getText(range), 'family');
      for (const character of [9, 12, 14]) {
        const hover = await onlyHover(editor.document, new vscode.Position(1, character));
        assertHover(hover, 'family', cliId(cli, 'family'), range);
      }
    });

    it('shows the whole emoji as one token', async () => {
      const range = new vscode.Range(1, 0, 1, EMOJI.length);
      // Inside the second code point, which is a surrogate pair itself.
      const hover = await onlyHover(editor.document, new vscode.Position(1, 3));
      assertHover(hover, EMOJI, cliId(cli, EMOJI), range);
    });

    it('shows the word at the line end', async () => {
      const range = new vscode.Range(1, 16, 1, 21);
      const hover = await onlyHover(editor.document, new vscode.Position(1, 20));
      assertHover(hover, 'hello', cliId(cli, 'hello'), range);
    });

    it('shows nothing between two words', async () => {
      const space = new vscode.Position(1, 15);
      assert.equal(editor.document.getText(new vscode.Range(space, space.translate(0, 1))), ' ');
      assert.deepEqual(await hoversAt(editor.document.uri, space), []);
    });
  });

  it('shows nothing in an unread document', async () => {
    // The same words as a document the model has read, so that only the
    // document, not the vocabulary, can explain a missing hover.
    const unread = await openUntitled('never read hover words');
    const read = await openUntitled('never read hover words');
    try {
      selectAll(read);
      assert.ok(await predict(), 'tinyLlm.predictNextWord resolved to nothing');
      const word = new vscode.Position(0, 2);
      assert.equal((await hoversAt(read.document.uri, word)).length, 1, 'no hover in the read one');

      assert.deepEqual(await hoversAt(unread.document.uri, word), []);
    } finally {
      await closeWithoutSaving(unread);
      await closeWithoutSaving(read);
    }
  });
});
