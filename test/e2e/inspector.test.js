// End-to-end tests: a person's steps in a real VS Code (code-server 4.100.3
// in headless Chromium) from opening the sample to reading the Attention
// Inspector, compared with the CLI's numbers for the same text.
//
// Needs `npm run build` first. Screenshots go to test-results/e2e/; with
// TINY_LLM_SCREENSHOT_DOCS=1 the first scenario also saves
// docs/images/inspector.png for the README. TINY_LLM_EXTENSION_DIR names
// another built extension folder to test in place of the repository.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  REPO_ROOT,
  ensureCodeServer,
  installExtension,
  startCodeServer,
} = require('../../scripts/code-server');
const { launchBrowser, newOfflineContext, openWorkbench } = require('../../scripts/browser');
const {
  openFile,
  selectLine,
  runCommand,
  waitForInspector,
  readInspector,
  predictWithCli,
} = require('./workbench');

const EXTENSION_DIR = path.resolve(process.env.TINY_LLM_EXTENSION_DIR || REPO_ROOT);
const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');
const SAMPLE = 'gettysburg-address.txt';
/** 1-based line of the first paragraph ("Four score and seven years ago ..."). */
const FIRST_PARAGRAPH_LINE = 4;
const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');
const DOCS_SCREENSHOT = path.join(REPO_ROOT, 'docs', 'images', 'inspector.png');

function sampleLines() {
  return fs.readFileSync(path.join(SAMPLES_DIR, SAMPLE), 'utf8').split(/\r?\n/);
}

/** Checks the inspector's DOM against the CLI's run of the same text. */
function assertInspectorMatches(displayed, cli) {
  assert.equal(displayed.bodyState, 'ready');
  assert.equal(displayed.word, cli.prediction.word, 'predicted word differs from the CLI');

  assert.equal(
    displayed.tokens.length,
    cli.tokens.length,
    'number of token chips differs from the CLI',
  );
  displayed.tokens.forEach((chip, index) => {
    const expected = cli.tokens[index];
    assert.equal(
      chip.id,
      String(expected.id),
      `token chip ${index} has data-id ${chip.id}, the CLI gives "${expected.text}" id ${expected.id}`,
    );
    assert.ok(
      chip.text.includes(expected.text),
      `token chip ${index} reads "${chip.text}", expected "${expected.text}"`,
    );
  });

  // The panel may draw only the last rows of a long text, so the DOM reports
  // how many tokens the heatmap covers, and they must be the last ones.
  assert.ok(displayed.heatmap, 'table[data-testid="heatmap"] not found');
  const drawn = displayed.heatmap.rowHeaders.length;
  assert.ok(drawn > 0, 'heatmap has no rows');
  assert.ok(
    drawn <= cli.tokens.length,
    `heatmap has ${drawn} rows for ${cli.tokens.length} tokens`,
  );
  const lastTokens = cli.tokens.slice(cli.tokens.length - drawn).map((token) => token.text);
  assert.deepEqual(
    displayed.heatmap.rowHeaders,
    lastTokens,
    'heatmap row headers are not the last tokens',
  );
  assert.deepEqual(
    displayed.heatmap.columnHeaders,
    lastTokens,
    'heatmap column headers are not the last tokens',
  );
  assert.equal(
    displayed.heatmap.cells,
    drawn * drawn,
    `heatmap has ${displayed.heatmap.cells} cells, expected ${drawn}×${drawn}`,
  );
  displayed.heatmap.cellsPerRow.forEach((cells, row) => {
    assert.equal(cells, drawn, `heatmap row ${row} has ${cells} cells, expected ${drawn}`);
  });
  return drawn;
}

describe('Attention Inspector in code-server', function () {
  this.timeout(120_000);

  let workDir;
  let server;
  let browser;
  let page;
  let blockedRequests;

  before(async function () {
    this.timeout(300_000);
    if (!fs.existsSync(path.join(EXTENSION_DIR, 'dist', 'extension.js'))) {
      throw new Error(
        `${path.join(EXTENSION_DIR, 'dist', 'extension.js')} not found. Run \`npm run build\` first.`,
      );
    }
    ensureCodeServer();
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-llm-e2e-'));
    const extensionsDir = path.join(workDir, 'extensions');
    installExtension(extensionsDir, EXTENSION_DIR);
    server = await startCodeServer({
      folder: SAMPLES_DIR,
      userDataDir: path.join(workDir, 'user-data'),
      extensionsDir,
      logFile: path.join(RESULTS_DIR, 'code-server.log'),
      // Word wrap keeps the selected paragraph in view for the screenshots.
      settings: { 'editor.wordWrap': 'on', 'editor.minimap.enabled': false },
    });
    browser = await launchBrowser();
    let context;
    ({ context, blockedRequests } = await newOfflineContext(browser));
    page = await context.newPage();
    await openWorkbench(page, server.url, SAMPLES_DIR);
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      await page.screenshot({ path: path.join(RESULTS_DIR, `failed-${name}.png`) });
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('shows the first paragraph like the CLI', async () => {
    const text = sampleLines()[FIRST_PARAGRAPH_LINE - 1];
    assert.ok(
      text.startsWith('Four score'),
      `line ${FIRST_PARAGRAPH_LINE} of ${SAMPLE} is not the first paragraph`,
    );
    const cli = predictWithCli(EXTENSION_DIR, text);

    await openFile(page, SAMPLE);
    await selectLine(page, FIRST_PARAGRAPH_LINE, text.length);
    await runCommand(page, 'Tiny LLM: Predict Next Word');
    const frame = await waitForInspector(page, cli.tokens.length);
    const displayed = await readInspector(frame);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'first-paragraph.png') });
    if (process.env.TINY_LLM_SCREENSHOT_DOCS === '1') {
      fs.mkdirSync(path.dirname(DOCS_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: DOCS_SCREENSHOT });
    }

    const drawn = assertInspectorMatches(displayed, cli);
    assert.equal(
      drawn,
      cli.tokens.length,
      'a paragraph this short should have every token in the heatmap',
    );
  });

  it('shows the whole document like the CLI', async () => {
    const text = fs.readFileSync(path.join(SAMPLES_DIR, SAMPLE), 'utf8');
    const cli = predictWithCli(EXTENSION_DIR, text);

    // Reopening the file moves focus from the inspector back to the editor.
    await openFile(page, SAMPLE);
    await page.keyboard.press('Control+A');
    await runCommand(page, 'Tiny LLM: Predict Next Word');
    const frame = await waitForInspector(page, cli.tokens.length);
    const displayed = await readInspector(frame);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'whole-document.png') });

    assertInspectorMatches(displayed, cli);
  });

  it('sends no request beyond loopback', () => {
    assert.deepEqual(blockedRequests, []);
  });
});
