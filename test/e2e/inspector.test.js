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
const path = require('node:path');
const { REPO_ROOT } = require('../../scripts/code-server');
const { assertInspectorMatches } = require('./assertions');
const { useSession } = require('./session');
const {
  openFile,
  selectLine,
  runCommand,
  hoverWord,
  waitForInspector,
  clickInspectorTab,
  waitForNoInspectorFrame,
  readInspector,
  predictWithCli,
} = require('./workbench');

const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');
const SAMPLE = 'gettysburg-address.txt';
/** 1-based line of the first paragraph ("Four score and seven years ago ..."). */
const FIRST_PARAGRAPH_LINE = 4;
const DOCS_SCREENSHOT = path.join(REPO_ROOT, 'docs', 'images', 'inspector.png');

function sampleLines() {
  return fs.readFileSync(path.join(SAMPLES_DIR, SAMPLE), 'utf8').split(/\r?\n/);
}

describe('Attention Inspector in code-server', function () {
  this.timeout(120_000);
  // Word wrap keeps the selected paragraph in view for the screenshots.
  const session = useSession('inspector', {
    settings: { 'editor.wordWrap': 'on', 'editor.minimap.enabled': false },
  });

  it('shows the first paragraph like the CLI', async () => {
    const { page, extensionDir, resultsDir } = session();
    const text = sampleLines()[FIRST_PARAGRAPH_LINE - 1];
    assert.ok(
      text.startsWith('Four score'),
      `line ${FIRST_PARAGRAPH_LINE} of ${SAMPLE} is not the first paragraph`,
    );
    const cli = predictWithCli(extensionDir, text);

    await openFile(page, SAMPLE);
    await selectLine(page, FIRST_PARAGRAPH_LINE, text.length);
    await runCommand(page, 'Tiny LLM: Predict Next Word');
    const frame = await waitForInspector(page, cli.tokens.length);
    const displayed = await readInspector(frame);
    await page.screenshot({ path: path.join(resultsDir, 'first-paragraph.png') });
    if (process.env.TINY_LLM_SCREENSHOT_DOCS === '1') {
      fs.mkdirSync(path.dirname(DOCS_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: DOCS_SCREENSHOT });
    }

    // Every stage names the readable loops that the kernels must match.
    assert.ok(displayed.stageFacts > 0, 'no stage facts drawn');
    assert.equal(displayed.readableCode.length, displayed.stageFacts);
    assert.ok(
      displayed.readableCode.includes(
        'Readable code: referenceAttentionHeads in src/model/attention.ts',
      ),
      `no pointer to the attention loops among ${JSON.stringify(displayed.readableCode)}`,
    );

    const drawn = assertInspectorMatches(displayed, cli);
    assert.equal(
      drawn,
      cli.tokens.length,
      'a paragraph this short should have every token in the heatmap',
    );
  });

  it('shows the token and id on hover', async () => {
    const { page, extensionDir, resultsDir } = session();
    // The editor still shows the paragraph that the previous test predicted
    // on, but this test runs Predict itself so that it also passes alone.
    const text = sampleLines()[FIRST_PARAGRAPH_LINE - 1];
    const cli = predictWithCli(extensionDir, text);
    await openFile(page, SAMPLE);
    await selectLine(page, FIRST_PARAGRAPH_LINE, text.length);
    await runCommand(page, 'Tiny LLM: Predict Next Word');
    await waitForInspector(page, cli.tokens.length);

    for (const word of ['Liberty', 'proposition']) {
      const id = cli.vocabulary.indexOf(word);
      assert.ok(id >= 0, `the CLI's vocabulary lacks "${word}"`);
      const tooltip = await hoverWord(page, word);
      await page.screenshot({ path: path.join(resultsDir, `hover-${word.toLowerCase()}.png`) });
      assert.ok(tooltip.includes(`“${word}”`), `the hover over ${word} reads: ${tooltip}`);
      // A word boundary keeps "id 1" from matching "id 12".
      assert.match(
        tooltip,
        new RegExp(`\\bid ${id}\\b`),
        `the hover over ${word} reads: ${tooltip}`,
      );
      await page.keyboard.press('Escape');
    }
  });

  it('redraws after being hidden', async () => {
    const { page, extensionDir } = session();
    const text = sampleLines()[FIRST_PARAGRAPH_LINE - 1];
    const cli = predictWithCli(extensionDir, text);
    await openFile(page, SAMPLE);
    await selectLine(page, FIRST_PARAGRAPH_LINE, text.length);
    await runCommand(page, 'Tiny LLM: Predict Next Word');
    await waitForInspector(page, cli.tokens.length);

    // Quick Open in the inspector's group covers it with the sample, and
    // VS Code then unloads the webview, which keeps no context when hidden.
    await clickInspectorTab(page);
    await openFile(page, SAMPLE);
    await page
      .locator('.tab.active', { hasText: 'Attention Inspector' })
      .waitFor({ state: 'detached', timeout: 30_000 });
    await waitForNoInspectorFrame(page);

    await clickInspectorTab(page);
    const frame = await waitForInspector(page, cli.tokens.length);
    assertInspectorMatches(await readInspector(frame), cli);
  });

  it('shows the whole document like the CLI', async () => {
    const { page, extensionDir, resultsDir } = session();
    const text = fs.readFileSync(path.join(SAMPLES_DIR, SAMPLE), 'utf8');
    const cli = predictWithCli(extensionDir, text);

    // Reopening the file moves focus from the inspector back to the editor.
    await openFile(page, SAMPLE);
    await page.keyboard.press('Control+A');
    await runCommand(page, 'Tiny LLM: Predict Next Word');
    const frame = await waitForInspector(page, cli.tokens.length);
    const displayed = await readInspector(frame);
    await page.screenshot({ path: path.join(resultsDir, 'whole-document.png') });

    assertInspectorMatches(displayed, cli);
  });

  it('comes back after a window reload', async () => {
    const { page, extensionDir } = session();
    const text = fs.readFileSync(path.join(SAMPLES_DIR, SAMPLE), 'utf8');
    const cli = predictWithCli(extensionDir, text);
    await waitForInspector(page, cli.tokens.length);

    // Developer: Reload Window shuts the workbench down as a person's reload
    // does, saving the editors' state first. The new extension host restores
    // the panel through the extension's serializer, which computes the run
    // again from the text the webview kept in its state.
    const navigation = page.waitForEvent('framenavigated', { timeout: 60_000 });
    await runCommand(page, 'Developer: Reload Window', { waitForClose: false });
    await navigation;
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    const frame = await waitForInspector(page, cli.tokens.length, 60_000);
    assertInspectorMatches(await readInspector(frame), cli);
  });

  it('logs no CSP violation', () => {
    assert.deepEqual(session().cspViolations, []);
  });

  it('sends no request beyond loopback', () => {
    assert.deepEqual(session().blockedRequests, []);
  });
});
