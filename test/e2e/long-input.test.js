// End-to-end tests of long selections: a 2,048-token run drawn on the
// heatmap canvas, and how long the panel and the status bar take to show
// runs of 100, 500 and 2,048 tokens. The times are written to
// test-results/timings.json and printed to stderr, one line each; they are
// reported, not asserted, because they depend on the machine.
//
// Needs `npm run build` first. Screenshots go to test-results/e2e/.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { REPO_ROOT } = require('../../scripts/code-server');
const { useSession } = require('./session');
const {
  openFile,
  selectLine,
  runCommand,
  focusCommand,
  waitForInspector,
  predictWithCli,
} = require('./workbench');

const SAMPLE = 'gettysburg-address.txt';
const STEP_TIMEOUT_MS = 30_000;
/** A 2,048-token run takes a few seconds to compute and draw on 2 cores. */
const LONG_RUN_TIMEOUT_MS = 90_000;
const CONTEXT_LENGTH = 2048;
/** Words of the selection whose time to the status bar is measured. */
const STATUS_BAR_WORDS = 500;
const TIMINGS_FILE = path.join(REPO_ROOT, 'test-results', 'timings.json');
/** CLI flags that match the session's settings. */
const flags = ['--context-length', String(CONTEXT_LENGTH)];

/**
 * Returns `count` words of the sample, repeated as needed and joined by
 * spaces. Letters only, so each word is exactly one token.
 */
function words(count) {
  const sample = fs.readFileSync(path.join(REPO_ROOT, 'samples', SAMPLE), 'utf8');
  const all = sample.match(/\p{L}+/gu);
  return Array.from({ length: count }, (_, i) => all[i % all.length]).join(' ');
}

/** Lines of timing.txt (1-based) and the tokens each holds. */
const TIMING_LINES = [
  { line: 1, tokens: 100 },
  { line: 3, tokens: STATUS_BAR_WORDS },
  { line: 5, tokens: CONTEXT_LENGTH },
];
// The final line break lets selectLine select the last line like the others.
const TIMING_TEXT = `${TIMING_LINES.map(({ tokens }) => words(tokens)).join('\n\n')}\n`;
/** More tokens than the context holds, so the model keeps the last CONTEXT_LENGTH. */
const LONG_TEXT = words(2100);

/** Returns the text of 1-based `line` of timing.txt. */
function timingLine(line) {
  return TIMING_TEXT.split('\n')[line - 1];
}

/** Returns the lines "Predicted ... in N ms" of the product's log in the session's user data. */
function hostPredictLines(session) {
  const found = [];
  const visit = (folder) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        visit(full);
      } else if (entry.name === 'Tiny LLM.log') {
        found.push(...fs.readFileSync(full, 'utf8').split('\n'));
      }
    }
  };
  visit(path.join(session.workDir, 'user-data', 'logs'));
  return found.filter((line) => /Predicted .* in [\d.]+ ms/.test(line));
}

/** Returns the host-side time of the last logged run of `tokens` tokens, or null. */
function hostMilliseconds(session, tokens) {
  const lines = hostPredictLines(session).filter((line) => line.includes(` ${tokens} tokens `));
  const match = /in ([\d.]+) ms/.exec(lines[lines.length - 1] ?? '');
  return match === null ? null : Number(match[1]);
}

describe('long input in the inspector', function () {
  this.timeout(180_000);
  const session = useSession('long-input', {
    settings: {
      'tinyLlm.contextLength': CONTEXT_LENGTH,
      // The follower would run the model on each selection before the timed command does.
      'tinyLlm.followSelection': false,
      'editor.minimap.enabled': false,
    },
    files: {
      [SAMPLE]: fs.readFileSync(path.join(REPO_ROOT, 'samples', SAMPLE), 'utf8'),
      'timing.txt': TIMING_TEXT,
      'long.txt': LONG_TEXT,
    },
  });
  const timings = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model } };

  after(() => {
    fs.mkdirSync(path.dirname(TIMINGS_FILE), { recursive: true });
    fs.writeFileSync(TIMINGS_FILE, `${JSON.stringify(timings, null, 2)}\n`);
  });

  /** Records one measurement and prints it to stderr. */
  function report(name, milliseconds, detail = '') {
    timings[name] = milliseconds;
    process.stderr.write(`[timing] ${name}: ${milliseconds} ms${detail}\n`);
  }

  /** Runs Predict from the palette and returns the ms until the status bar shows `word`. */
  async function timeStatusBar(page, word) {
    await focusCommand(page, 'Tiny LLM: Predict Next Word');
    const started = Date.now();
    await page.keyboard.press('Enter');
    await page
      .locator('.statusbar-item', { hasText: `Next word: ${word}` })
      .first()
      .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    return Date.now() - started;
  }

  /**
   * Runs Predict with its keybinding and returns two times in ms, by the
   * page's own clock. `changed` runs from the keydown event to the mutation
   * that put `word` in the status bar, and `painted` to the frame after it.
   */
  async function timeStatusBarFromKeybinding(page, word) {
    const measured = page.evaluate(
      ({ text, timeoutMs }) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`the status bar did not show "${text}" within ${timeoutMs} ms`)),
            timeoutMs,
          );
          let pressed;
          const onKey = (event) => {
            if (event.key === 'Enter' && event.ctrlKey && event.altKey) {
              pressed = performance.now();
            }
          };
          window.addEventListener('keydown', onKey, true);
          const observer = new MutationObserver(() => {
            const wordShown = [...document.querySelectorAll('.statusbar-item')].some((item) =>
              item.textContent.includes(text),
            );
            if (pressed !== undefined && wordShown) {
              const changed = performance.now();
              clearTimeout(timer);
              observer.disconnect();
              window.removeEventListener('keydown', onKey, true);
              requestAnimationFrame(() =>
                resolve({ changed: changed - pressed, painted: performance.now() - pressed }),
              );
            }
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        }),
      { text: `Next word: ${word}`, timeoutMs: STEP_TIMEOUT_MS },
    );
    await page.keyboard.press('Control+Alt+Enter');
    return measured;
  }

  it('shows the status bar word for 500 words', async () => {
    const { page } = session();
    const [short, long] = TIMING_LINES;
    const extensionDir = session().extensionDir;
    const shortWord = predictWithCli(extensionDir, timingLine(short.line), flags).prediction.word;
    const longWord = predictWithCli(extensionDir, timingLine(long.line), flags).prediction.word;
    // The warm run is recognised by the status bar changing to the new word.
    assert.notEqual(shortWord, longWord, 'both lines predict the same word');
    await openFile(page, 'timing.txt');

    // The first command also activates the extension and opens the panel.
    await selectLine(page, long.line, timingLine(long.line).length);
    const cold = await timeStatusBar(page, longWord);
    report(`statusBar${long.tokens}WordsFirstRun`, cold, ' from Enter, activation included');
    await waitForInspector(page, long.tokens);

    // A run on the short line first, so that the timed run on the long one is warm.
    const timeWarmRun = async (time) => {
      await selectLine(page, short.line, timingLine(short.line).length);
      await time(page, shortWord);
      await waitForInspector(page, short.tokens);
      await selectLine(page, long.line, timingLine(long.line).length);
      const result = await time(page, longWord);
      await waitForInspector(page, long.tokens);
      return result;
    };
    const warm = await timeWarmRun(timeStatusBar);
    report(`statusBar${long.tokens}Words`, warm, ' from Enter on the command to "Next word:"');

    // The keybinding runs the command with no palette to close first.
    const fromKey = await timeWarmRun(timeStatusBarFromKeybinding);
    report(
      `statusBar${long.tokens}WordsFromKeybinding`,
      Math.round(fromKey.painted),
      ` from the Ctrl+Alt+Enter keydown to the first frame with "Next word:" ` +
        `(the word reached the status bar after ${Math.round(fromKey.changed)} ms)`,
    );
  });

  it('times the panel for 100, 500 and 2048 tokens', async () => {
    const { page } = session();
    await openFile(page, 'timing.txt');
    for (const { line, tokens } of TIMING_LINES) {
      await selectLine(page, line, timingLine(line).length);
      // The panel is open from the previous test, so the timed update reuses its frame.
      const frame = await waitForInspector(page, await countShownTokens(page));
      const before = Number(await frame.evaluate(() => document.body.dataset.sequence));

      await focusCommand(page, 'Tiny LLM: Predict Next Word');
      const started = Date.now();
      await page.keyboard.press('Enter');
      await frame.waitForFunction(
        (sequence) =>
          Number(document.body.dataset.sequence) > sequence &&
          document.body.dataset.state === 'ready',
        before,
        { timeout: LONG_RUN_TIMEOUT_MS, polling: 10 },
      );
      const elapsed = Date.now() - started;
      const host = hostMilliseconds(session(), tokens);
      report(
        `panelUpdate${tokens}Tokens`,
        elapsed,
        ` from Enter to the new run in the panel; the host logged ${host} ms for the model`,
      );
      timings[`hostPredict${tokens}Tokens`] = host;
      assert.equal(await frame.locator('[data-testid="token"]').count(), tokens);
    }
  });

  describe('2048-token selection', () => {
    let frame;

    before(async function () {
      this.timeout(LONG_RUN_TIMEOUT_MS + 30_000);
      const { page } = session();
      await openFile(page, 'long.txt');
      await page.keyboard.press('Control+A');
      await page
        .locator('.statusbar-item', { hasText: /selected\)/ })
        .first()
        .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      // The panel may already show a 2048-token run of timing.txt, so the new
      // run is recognised by its sequence number.
      const shown = await waitForInspector(page, await countShownTokens(page));
      const before = Number(await shown.evaluate(() => document.body.dataset.sequence));
      await runCommand(page, 'Tiny LLM: Predict Next Word');
      await shown.waitForFunction(
        (sequence) => Number(document.body.dataset.sequence) > sequence,
        before,
        { timeout: LONG_RUN_TIMEOUT_MS },
      );
      frame = await waitForInspector(page, CONTEXT_LENGTH, LONG_RUN_TIMEOUT_MS);
      const source = await frame.locator('.source').textContent();
      assert.match(source, /long\.txt/, 'the inspector does not show the run on long.txt');
    });

    it('draws every token on the canvas', async () => {
      const canvas = frame.locator('[data-testid="heatmap-canvas"]');
      await canvas.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      const zoom = Number(await frame.locator('select[aria-label="Heatmap zoom"]').inputValue());
      const size = await canvas.evaluate((node) => ({
        width: node.width,
        height: node.height,
        boxWidth: node.getBoundingClientRect().width,
      }));
      assert.equal(size.width, CONTEXT_LENGTH * zoom);
      assert.equal(size.height, CONTEXT_LENGTH * zoom);
      assert.equal(size.boxWidth, CONTEXT_LENGTH * zoom, 'the canvas is scaled on screen');
    });

    it('draws the tables for the last 48 tokens', async () => {
      const rows = await frame.locator('table[data-testid="heatmap"] tbody tr').count();
      assert.equal(rows, 48);
      const notices = await frame.locator('.notice').allTextContents();
      assert.ok(
        notices.some(
          (text) => text.includes(`read ${CONTEXT_LENGTH} tokens`) && text.includes('last 48'),
        ),
        `no notice says that the tables show the last 48 of ${CONTEXT_LENGTH}: ${JSON.stringify(notices)}`,
      );
      const caption = await frame.locator('table[data-testid="heatmap"] caption').textContent();
      assert.match(caption, new RegExp(`last 48 of ${CONTEXT_LENGTH} tokens`));
    });

    it('reads out the cell under the pointer', async () => {
      const { page } = session();
      const tokens = await frame.locator('[data-testid="token"] .token-text').allTextContents();
      const readout = frame.locator('[data-testid="heatmap-readout"]');
      const canvas = frame.locator('[data-testid="heatmap-canvas"]');
      // At 4 px per cell the pointer lands inside the cell whatever the
      // fractional offset of the canvas in the page is.
      await frame.locator('select[aria-label="Heatmap zoom"]').selectOption('4');
      await frame.waitForFunction(
        (width) => document.querySelector('[data-testid="heatmap-canvas"]')?.width === width,
        CONTEXT_LENGTH * 4,
        { timeout: STEP_TIMEOUT_MS },
      );
      // Row 100 (the query) attends to column 30 (the key), below the diagonal.
      await pointAtCanvas(page, canvas, 30 * 4 + 2, 100 * 4 + 2);
      const expected = new RegExp(
        `^${escapeRegExp(tokens[100])} \\(100\\) → ${escapeRegExp(tokens[30])} \\(30\\): (0\\.\\d{4}|1\\.0000)$`,
      );
      await waitForText(readout, expected);
      await page.screenshot({ path: path.join(session().resultsDir, 'long-input-canvas.png') });
    });

    it('redraws at another zoom', async () => {
      const { page } = session();
      const canvas = frame.locator('[data-testid="heatmap-canvas"]');
      const zoomSelect = frame.locator('select[aria-label="Heatmap zoom"]');
      const started = Date.now();
      await zoomSelect.selectOption('2');
      await frame.waitForFunction(
        (width) => document.querySelector('[data-testid="heatmap-canvas"]')?.width === width,
        CONTEXT_LENGTH * 2,
        { timeout: STEP_TIMEOUT_MS, polling: 10 },
      );
      report('canvasZoomRedraw2048Tokens', Date.now() - started, ' from choosing zoom 2');
      // The canvas still reads out the cell under the pointer at the new scale. The move is
      // repeated within the same cell, because one made while the resized
      // canvas is still being laid out can miss it.
      const readout = frame.locator('[data-testid="heatmap-readout"]');
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      for (let nudge = 0; ; nudge = 1 - nudge) {
        await pointAtCanvas(page, canvas, 2 * 10 + nudge, 2 * 20 + nudge);
        if (/\(20\) → .* \(10\): /.test(await readout.textContent())) {
          break;
        }
        assert.ok(Date.now() < deadline, `readout stayed "${await readout.textContent()}"`);
      }
    });
  });
});

/** Returns the number of token chips in the inspector, for waitForInspector. */
async function countShownTokens(page) {
  for (const frame of page.frames()) {
    try {
      const count = await frame.evaluate(() =>
        document.title === 'Attention Inspector'
          ? document.querySelectorAll('[data-testid="token"]').length
          : undefined,
      );
      if (count !== undefined) {
        return count;
      }
    } catch {
      // The frame navigated or was detached while it was read.
    }
  }
  throw new Error('No frame shows the inspector.');
}

/**
 * Moves the mouse to (x, y) in the canvas's own pixels. The canvas is far
 * larger than its scrolling container, so the container is scrolled to its
 * start and the canvas's top brought into view first. The pointer is moved
 * in page coordinates because Playwright's hover may scroll the container
 * after it has computed the point.
 */
async function pointAtCanvas(page, canvas, x, y) {
  await canvas.evaluate((node) => {
    node.parentElement.scrollTo(0, 0);
    node.scrollIntoView({ block: 'start', inline: 'start' });
  });
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + x, box.y + y);
}

/** Resolves once `locator`'s text matches `pattern`; rejects with the last text after the timeout. */
async function waitForText(locator, pattern, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let text = await locator.textContent();
  while (!pattern.test(text)) {
    if (Date.now() > deadline) {
      throw new Error(`The text "${text}" did not match ${pattern} within ${timeoutMs} ms.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    text = await locator.textContent();
  }
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
