// End-to-end tests: the inspector stays readable in VS Code's default light
// and dark themes and in its high-contrast themes. Each theme is picked with
// Preferences: Color Theme as a person would. The text of every heatmap
// cell, and of every other element of the inspector, must reach the WCAG 2
// AA contrast ratio of 4.5:1 against the background painted behind it.
//
// With TINY_LLM_SCREENSHOT_DOCS=1 (`npm run screenshot:docs`) each theme's
// screenshot is also saved to docs/images/ for the documentation.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { REPO_ROOT } = require('../../scripts/code-server');
const { useSession } = require('./session');
const {
  openFile,
  selectLine,
  runCommand,
  selectColorTheme,
  waitForInspector,
  HEATMAP_CELLS,
  INSPECTOR_CONTENT,
  measureContrast,
  predictWithCli,
} = require('./workbench');

const SAMPLE = 'gettysburg-address.txt';
/** 1-based line of the first paragraph ("Four score and seven years ago ..."). */
const FIRST_PARAGRAPH_LINE = 4;
/** WCAG 2 level AA minimum contrast ratio for normal-size text. */
const MIN_CONTRAST = 4.5;
const STEP_TIMEOUT_MS = 30_000;

/**
 * Theme labels as Preferences: Color Theme lists them, with the classes they
 * give the workbench and the webview's body, and the name of their
 * documentation screenshot.
 */
const THEMES = [
  {
    label: 'Light Modern',
    workbenchClass: 'vs',
    bodyClass: 'vscode-light',
    docsImage: 'inspector-light.png',
  },
  {
    label: 'Dark Modern',
    workbenchClass: 'vs-dark',
    bodyClass: 'vscode-dark',
    docsImage: 'inspector-dark.png',
  },
  {
    label: 'Dark High Contrast',
    workbenchClass: 'hc-black',
    bodyClass: 'vscode-high-contrast',
    docsImage: 'inspector-high-contrast.png',
  },
  {
    label: 'Light High Contrast',
    workbenchClass: 'hc-light',
    bodyClass: 'vscode-high-contrast-light',
    docsImage: 'inspector-high-contrast-light.png',
  },
];
const DOCS_IMAGES_DIR = path.join(REPO_ROOT, 'docs', 'images');

/** Waits until the inspector's body carries `bodyClass`, which VS Code sets when the theme applies. */
async function waitForWebviewTheme(frame, bodyClass) {
  await frame.waitForFunction((expected) => document.body.classList.contains(expected), bodyClass, {
    timeout: STEP_TIMEOUT_MS,
  });
}

/** Fails with the five worst elements when any of `measured` is below MIN_CONTRAST. */
function assertReadable(measured, description) {
  const unreadable = measured.filter((item) => !(item.ratio >= MIN_CONTRAST));
  const worst = unreadable
    .sort((a, b) => a.ratio - b.ratio)
    .slice(0, 5)
    .map(
      ({ element, text, weight, ratio, color, background }) =>
        `${element} "${text}"${weight === '' ? '' : ` (weight ${weight})`}: ` +
        `${ratio.toFixed(2)}:1, text rgb(${color}) on rgb(${background})`,
    );
  assert.equal(
    unreadable.length,
    0,
    `${unreadable.length} of ${measured.length} ${description} are below ${MIN_CONTRAST}:1; ` +
      `the worst: ${worst.join('; ')}`,
  );
}

describe('inspector in colour themes', function () {
  this.timeout(120_000);
  // Word wrap keeps the selected paragraph in view for the screenshots.
  const session = useSession('themes', {
    settings: { 'editor.wordWrap': 'on', 'editor.minimap.enabled': false },
  });
  let frame;

  before(async function () {
    this.timeout(120_000);
    const { page, extensionDir } = session();
    const lines = fs.readFileSync(path.join(REPO_ROOT, 'samples', SAMPLE), 'utf8').split(/\r?\n/);
    const text = lines[FIRST_PARAGRAPH_LINE - 1];
    const cli = predictWithCli(extensionDir, text);
    await openFile(page, SAMPLE);
    await selectLine(page, FIRST_PARAGRAPH_LINE, text.length);
    await runCommand(page, 'Tiny LLM: Predict Next Word');
    frame = await waitForInspector(page, cli.tokens.length);
  });

  for (const { label, workbenchClass, bodyClass, docsImage } of THEMES) {
    describe(label, () => {
      before(async () => {
        const { page, resultsDir } = session();
        await selectColorTheme(page, label, workbenchClass);
        await waitForWebviewTheme(frame, bodyClass);
        await frame.locator('table[data-testid="heatmap"]').scrollIntoViewIfNeeded();
        const screenshot = `theme-${label.toLowerCase().replace(/ /g, '-')}.png`;
        await page.screenshot({ path: path.join(resultsDir, screenshot) });
        if (process.env.TINY_LLM_SCREENSHOT_DOCS === '1') {
          fs.mkdirSync(DOCS_IMAGES_DIR, { recursive: true });
          await page.screenshot({ path: path.join(DOCS_IMAGES_DIR, docsImage) });
        }
      });

      it('keeps heatmap text readable', async () => {
        const cells = await measureContrast(frame, HEATMAP_CELLS);
        assert.ok(cells.length > 0, 'the heatmap has no cells');
        assert.ok(
          cells.some((cell) => cell.weight !== ''),
          'no heatmap cell has a weight, so no cell is coloured',
        );
        assertReadable(cells, `heatmap cells in ${label}`);
      });

      it('keeps all inspector text readable', async () => {
        const elements = await measureContrast(frame, INSPECTOR_CONTENT);
        assert.ok(elements.length > 0, 'the inspector shows no text');
        assertReadable(elements, `inspector elements in ${label}`);
      });
    });
  }

  // Mocha runs a suite's own tests before its nested suites, so this check
  // sits in a suite of its own to run after both themes.
  describe('whole session', () => {
    it('logs no CSP violation', () => {
      assert.deepEqual(session().cspViolations, []);
    });
  });
});
