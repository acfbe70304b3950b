// End-to-end tests of what a reader does inside the Attention Inspector:
// switching heads, pointing at tokens and cells, letting the panel follow the
// editor's selection, and exporting with code-server's save dialog.
//
// Needs `npm run build` first. Screenshots go to test-results/e2e/.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { REPO_ROOT } = require('../../scripts/code-server');
const { useSession } = require('./session');
const {
  openFile,
  goToLine,
  selectLine,
  runCommand,
  pickQuickInputEntry,
  waitForSaveDialog,
  saveInSimpleDialog,
  waitForInspector,
  predictWithCli,
} = require('./workbench');

const SAMPLE = 'gettysburg-address.txt';
/** 1-based lines of the first and second paragraphs. */
const FIRST_PARAGRAPH_LINE = 4;
const SECOND_PARAGRAPH_LINE = 6;
const STEP_TIMEOUT_MS = 30_000;
const HEATMAP_CELL = 'table[data-testid="heatmap"] td[data-testid="heatmap-cell"]';
/** The CLI flags that match this session's settings. */
const CLI_FLAGS = ['--heads', '2'];

function sampleLine(line) {
  const lines = fs.readFileSync(path.join(REPO_ROOT, 'samples', SAMPLE), 'utf8').split(/\r?\n/);
  return lines[line - 1];
}

/** Reads the text of every attention-weight cell of the first heatmap table. */
function heatmapCellTexts(frame) {
  return frame.evaluate(
    (selector) => Array.from(document.querySelectorAll(selector), (cell) => cell.textContent),
    HEATMAP_CELL,
  );
}

/** Selects the first paragraph, runs Predict and resolves to the inspector's frame and the CLI run. */
async function predictFirstParagraph(session) {
  const { page, extensionDir } = session;
  const text = sampleLine(FIRST_PARAGRAPH_LINE);
  const cli = predictWithCli(extensionDir, text, CLI_FLAGS);
  await openFile(page, SAMPLE);
  await selectLine(page, FIRST_PARAGRAPH_LINE, text.length);
  await runCommand(page, 'Tiny LLM: Predict Next Word');
  const frame = await waitForInspector(page, cli.tokens.length);
  return { frame, cli };
}

/**
 * Runs in the page: returns the boxes of the editor's overlay elements that
 * paint the background of `editor.findMatchHighlightBackground`, or, when
 * `expected` is given, whether there are that many.
 *
 * The extension marks a token with a decoration type whose background is
 * that theme colour. VS Code draws such a decoration as an element in the
 * editor's `.view-overlays` layer, with a generated class name (`ced-...`)
 * whose CSS rule sets the colour. So the element is found by its computed
 * background rather than by the generated name. The current line and the
 * selection are drawn in other colours and do not match.
 */
function findMatchDecorations(expected) {
  const probe = document.createElement('div');
  probe.style.backgroundColor = 'var(--vscode-editor-findMatchHighlightBackground)';
  document.querySelector('.monaco-workbench').append(probe);
  const colour = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const overlays = document.querySelectorAll(
    '.part.editor .monaco-editor .view-overlays div[class*="ced-"]',
  );
  const boxes = Array.from(overlays)
    .filter((node) => getComputedStyle(node).backgroundColor === colour)
    .map((node) => {
      const box = node.getBoundingClientRect();
      return { x: box.left, y: box.top, width: box.width, height: box.height };
    });
  return expected === undefined ? boxes : boxes.length === expected;
}

/** Returns the word of the editor's text under the page point (x, y), or null. */
function editorWordAt(page, x, y) {
  return page.evaluate(
    ([px, py]) => {
      const range = document.caretRangeFromPoint(px, py);
      if (range === null || range.startContainer.nodeType !== Node.TEXT_NODE) {
        return null;
      }
      const text = range.startContainer.textContent;
      let start = range.startOffset;
      let end = range.startOffset;
      while (start > 0 && /[\p{L}\p{N}]/u.test(text[start - 1])) start--;
      while (end < text.length && /[\p{L}\p{N}]/u.test(text[end])) end++;
      return text.slice(start, end);
    },
    [x, y],
  );
}

describe('inspector interaction', function () {
  this.timeout(120_000);
  const session = useSession('interaction', {
    settings: { 'tinyLlm.heads': 2, 'editor.minimap.enabled': false },
    // A copy of the sample in a temporary folder, which is also where the
    // save dialog suggests to export, so no test run writes into samples/.
    files: { [SAMPLE]: fs.readFileSync(path.join(REPO_ROOT, 'samples', SAMPLE), 'utf8') },
  });

  it('switches heads with the selector', async () => {
    const { frame } = await predictFirstParagraph(session());
    const select = frame.locator('select[data-testid="head-select"]');
    await select.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const caption = frame.locator('table[data-testid="heatmap"] caption').first();
    assert.match(await caption.textContent(), /head 1 of 2/);
    const headOne = await heatmapCellTexts(frame);

    await select.selectOption({ label: 'Head 2' });
    await frame.waitForFunction(
      () =>
        document
          .querySelector('table[data-testid="heatmap"] caption')
          ?.textContent.includes('head 2 of 2'),
      undefined,
      { timeout: STEP_TIMEOUT_MS },
    );
    const headTwo = await heatmapCellTexts(frame);
    assert.equal(headTwo.length, headOne.length, 'the two heads have different cell counts');
    assert.notDeepEqual(headTwo, headOne, 'head 2 shows the same weights as head 1');

    await frame
      .locator('select[data-testid="head-select"]')
      .selectOption({ label: 'All heads side by side' });
    await frame.waitForFunction(
      () => document.querySelectorAll('table[data-testid="heatmap"]').length === 2,
      undefined,
      { timeout: STEP_TIMEOUT_MS },
    );
    const captions = await frame.locator('table[data-testid="heatmap"] caption').allTextContents();
    assert.match(captions[0], /head 1 of 2/);
    assert.match(captions[1], /head 2 of 2/);
    await frame.locator('select[data-testid="head-select"]').selectOption({ label: 'Head 1' });
  });

  it('highlights a hovered token', async () => {
    const { page } = session();
    const { frame, cli } = await predictFirstParagraph(session());
    const index = cli.tokens.findIndex((token) => token.text === 'Liberty');
    assert.ok(index > 0, 'the first paragraph has no token "Liberty"');
    assert.deepEqual(await page.evaluate(findMatchDecorations), [], 'a decoration is left over');

    await frame.locator(`[data-testid="token"][data-row="${index}"]`).hover();
    await frame.waitForFunction(
      (row) =>
        document
          .querySelector(`table[data-testid="heatmap"] tr[data-row="${row}"]`)
          ?.classList.contains('highlight'),
      index,
      { timeout: STEP_TIMEOUT_MS },
    );
    const columnCells = await frame.evaluate(
      (column) =>
        Array.from(
          document.querySelectorAll(`table[data-testid="heatmap"] [data-column="${column}"]`),
          (cell) => cell.classList.contains('highlight-column'),
        ),
      index,
    );
    assert.ok(columnCells.length > 1, `the heatmap has no column ${index}`);
    assert.ok(
      columnCells.every(Boolean),
      `${columnCells.filter((marked) => !marked).length} cells of column ${index} lack highlight-column`,
    );

    // The host sets the decoration after the webview's message, so it appears a moment later.
    await page.waitForFunction(findMatchDecorations, 1, { timeout: STEP_TIMEOUT_MS });
    const decorations = await page.evaluate(findMatchDecorations);
    await page.screenshot({ path: path.join(session().resultsDir, 'hover-token-liberty.png') });
    assert.equal(decorations.length, 1, 'the editor shows no single token decoration');
    const [box] = decorations;
    const word = await editorWordAt(page, box.x + box.width / 2, box.y + box.height / 2);
    assert.equal(word, 'Liberty', 'the decoration is not on the hovered token');

    await frame.locator('h1').hover();
    await frame.waitForFunction(
      () => document.querySelectorAll('.highlight, .highlight-column').length === 0,
      undefined,
      { timeout: STEP_TIMEOUT_MS },
    );
    await page.waitForFunction(findMatchDecorations, 0, { timeout: STEP_TIMEOUT_MS });
  });

  it('titles a heatmap cell with tokens and weight', async () => {
    const { frame, cli } = await predictFirstParagraph(session());
    // Row 3 attends to key 1: below the diagonal, so the causal mask keeps it.
    const row = 3;
    const column = 1;
    const cell = frame.locator(
      `table[data-testid="heatmap"] tr[data-row="${row}"] td[data-column="${column}"]`,
    );
    await cell.hover();
    const title = await cell.getAttribute('title');
    const text = await cell.textContent();
    const expected = `${cli.tokens[row].text} → ${cli.tokens[column].text}: `;
    assert.ok(title.startsWith(expected), `the cell's title reads "${title}"`);
    const weight = Number(title.slice(expected.length));
    assert.ok(weight > 0, `the title's weight in "${title}" is not positive`);
    assert.ok(weight < 1, `the title's weight in "${title}" is not below 1`);
    assert.equal(weight.toFixed(2), text, 'the title and the cell show different weights');
  });

  it('follows a keyboard selection', async () => {
    const { page, extensionDir } = session();
    const { frame } = await predictFirstParagraph(session());
    const before = Number(await frame.evaluate(() => document.body.dataset.sequence));
    const text = sampleLine(SECOND_PARAGRAPH_LINE);
    const cli = predictWithCli(extensionDir, text, CLI_FLAGS);
    const shown = await frame.locator('[data-testid="token"]').count();
    assert.notEqual(cli.tokens.length, shown, 'both paragraphs have as many tokens');

    await openFile(page, SAMPLE);
    await goToLine(page, SECOND_PARAGRAPH_LINE);
    // Without word wrap, Shift+End selects the whole logical line.
    await page.keyboard.press('Shift+End');
    const followed = await waitForInspector(page, cli.tokens.length);
    const after = Number(await followed.evaluate(() => document.body.dataset.sequence));
    assert.ok(after > before, `the sequence went from ${before} to ${after}`);
    const word = await followed
      .locator('[data-testid="prediction-word"]')
      .textContent({ timeout: STEP_TIMEOUT_MS });
    assert.equal(word, cli.prediction.word);
  });

  describe('export', () => {
    // The session's workspace is a temporary folder; the files go there
    // under names other than the dialog's suggestions.
    const exportPath = (name) => path.join(session().folder, name);

    for (const format of ['svg', 'png']) {
      it(`saves the heatmap as ${format.toUpperCase()}`, async () => {
        const { page } = session();
        const { cli } = await predictFirstParagraph(session());
        const file = exportPath(`exported-heatmap.${format}`);

        await runCommand(page, 'Tiny LLM: Export Attention Heatmap', { waitForClose: false });
        await pickQuickInputEntry(page, format);
        await saveInSimpleDialog(page, file);
        await waitForFile(file);

        const bytes = fs.readFileSync(file);
        if (format === 'svg') {
          const svg = bytes.toString('utf8');
          assert.match(svg, /^<svg[\s>]/);
          assert.ok(svg.includes('>Liberty</text>'), 'the SVG lacks the label "Liberty"');
          // One rectangle per token pair and one for the background; no token is highlighted.
          assert.equal((svg.match(/<rect /g) ?? []).length, cli.tokens.length ** 2 + 1);
        } else {
          assert.deepEqual(
            [...bytes.subarray(0, 8)],
            [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
          );
        }
      });
    }

    it('saves the trace as JSON', async () => {
      const { page } = session();
      const { cli } = await predictFirstParagraph(session());
      const file = exportPath('exported-trace.json');

      await runCommand(page, 'Tiny LLM: Export Trace as JSON', { waitForClose: false });
      await saveInSimpleDialog(page, file);
      await waitForFile(file);

      const trace = JSON.parse(fs.readFileSync(file, 'utf8'));
      for (const field of ['tokens', 'vocabulary', 'prediction', 'stages']) {
        assert.ok(field in trace, `the trace lacks "${field}"`);
      }
      assert.deepEqual(
        trace.tokens.map((token) => token.text),
        cli.tokens.map((token) => token.text),
      );
      assert.equal(trace.prediction.word, cli.prediction.word);
    });

    for (const kind of ['json', 'svg', 'png']) {
      it(`opens the save dialog from the ${kind} button`, async () => {
        const { page } = session();
        const { frame } = await predictFirstParagraph(session());
        await frame.locator(`[data-testid="export-${kind}"]`).click();
        const suggested = await waitForSaveDialog(page);
        assert.ok(
          suggested.endsWith(`.${kind}`),
          `the save dialog suggests "${suggested}", not a .${kind} file`,
        );
        const input = page.locator('.quick-input-widget input');
        await page.keyboard.press('Escape');
        await input.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
      });
    }
  });

  describe('whole session', () => {
    it('logs no CSP violation or page error', () => {
      assert.deepEqual(session().cspViolations, []);
      assert.deepEqual(session().pageErrors, []);
    });
  });
});

/** Resolves once `file` exists with content, which the extension host writes after the dialog closes. */
async function waitForFile(file, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!(fs.existsSync(file) && fs.statSync(file).size > 0)) {
    if (Date.now() > deadline) {
      throw new Error(`${file} was not written within ${timeoutMs} ms.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
