// End-to-end tests: markup in the selected text and in the file name
// reaches the inspector as text. The webview must show the characters and
// must neither create the elements they describe nor run their script.

'use strict';

const assert = require('node:assert/strict');
const { assertInspectorMatches } = require('./assertions');
const { useSession } = require('./session');
const {
  openFile,
  newUntitledFile,
  selectAll,
  runCommand,
  waitForInspector,
  readInspector,
  predictWithCli,
} = require('./workbench');

const MARKUP = '<img src=x onerror=alert(1)> </td><script>alert(2)</script>';
/** A file name may contain markup too, though not "/", and the inspector shows it in its heading. */
const MARKUP_FILE_NAME = '<img src=x onerror=alert(3)>.txt';

/** Resolves to how many elements and attributes that markup could create exist in the inspector's root. */
function countInjectedElements(frame) {
  return frame.evaluate(() => {
    const root = document.getElementById('root');
    return {
      images: root.querySelectorAll('img').length,
      scripts: root.querySelectorAll('script').length,
      handlers: root.querySelectorAll('[onerror]').length,
      text: root.textContent,
    };
  });
}

function assertNothingInjected(injected) {
  assert.equal(injected.images, 0, 'the webview root contains an img element');
  assert.equal(injected.scripts, 0, 'the webview root contains a script element');
  assert.equal(injected.handlers, 0, 'an element in the webview root has an onerror attribute');
}

describe('markup in the selection', function () {
  this.timeout(120_000);
  const session = useSession('untrusted-text', { files: { [MARKUP_FILE_NAME]: MARKUP } });

  it('shows markup as text', async () => {
    const { page, extensionDir } = session();
    const cli = predictWithCli(extensionDir, MARKUP);

    await newUntitledFile(page);
    // Inserted like a paste, so that auto-closing brackets add nothing.
    await page.keyboard.insertText(MARKUP);
    await selectAll(page, MARKUP.length);
    await runCommand(page, 'Tiny LLM: Predict Next Word');
    const frame = await waitForInspector(page, cli.tokens.length);
    const displayed = await readInspector(frame);

    assertInspectorMatches(displayed, cli);
    // A chip reads its token followed by its id.
    for (const token of ['<', 'img', 'onerror', '=', 'alert', '(', '/', 'td', 'script', '>']) {
      assert.ok(
        displayed.tokens.some(({ id, text }) => text === `${token}${id}`),
        `no token chip reads "${token}": ${JSON.stringify(displayed.tokens)}`,
      );
    }
    assertNothingInjected(await countInjectedElements(frame));
  });

  it('shows a markup file name as text', async () => {
    const { page, extensionDir } = session();
    const cli = predictWithCli(extensionDir, MARKUP);

    // The panel shows the same tokens from the untitled file of the test
    // above, so the new run is recognised by its sequence number.
    const previous = await waitForInspector(page, cli.tokens.length);
    const before = Number(await previous.evaluate(() => document.body.dataset.sequence));
    await openFile(page, MARKUP_FILE_NAME);
    await selectAll(page, MARKUP.length);
    await runCommand(page, 'Tiny LLM: Predict Next Word');
    const frame = await waitForInspector(page, cli.tokens.length);
    await frame.waitForFunction(
      (sequence) =>
        Number(document.body.dataset.sequence) > sequence &&
        document.body.dataset.state === 'ready',
      before,
      { timeout: 30_000 },
    );

    assertInspectorMatches(await readInspector(frame), cli);
    const injected = await countInjectedElements(frame);
    assert.ok(
      injected.text.includes(MARKUP_FILE_NAME),
      `the inspector does not show the file name ${MARKUP_FILE_NAME} literally`,
    );
    assertNothingInjected(injected);
  });

  it('opens no dialog', () => {
    assert.deepEqual(session().dialogs, []);
  });

  it('logs no CSP violation', () => {
    assert.deepEqual(session().cspViolations, []);
  });

  it('throws no page error', () => {
    assert.deepEqual(session().pageErrors, []);
  });
});
