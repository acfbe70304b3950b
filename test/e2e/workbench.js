// Steps a person takes in the code-server workbench, driven with
// playwright-core, and the CLI run the end-to-end tests compare against.
// Every step waits for the element or state it needs, with a timeout.

'use strict';

const { execFileSync } = require('node:child_process');
const path = require('node:path');

const STEP_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 250;

/** Opens `fileName` with Quick Open (Ctrl+P) and waits until its editor tab is active and focused. */
async function openFile(page, fileName) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(fileName);
  // Quick Open lists files once ripgrep has searched the folder.
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: fileName })
    .first()
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await page
    .locator('.tab.active', { hasText: fileName })
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page
    .locator('.editor-instance .monaco-editor.focused')
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
}

/** Moves the cursor to the start of 1-based `line` with Go to Line (Ctrl+G). */
async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // Go to Line is Quick Open with the ':' prefix, which fill() replaces.
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  const status = page.locator('.statusbar-item', { hasText: `Ln ${line}, Col 1` });
  await status.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
}

/**
 * Selects 1-based `line` from its start to its end, without the line break,
 * and waits until the status bar reports `length` characters selected.
 * Expand Line Selection (Ctrl+L) takes the whole logical line even where
 * word wrap breaks it, and Shift+Left drops the line break.
 */
async function selectLine(page, line, length) {
  await goToLine(page, line);
  await page.keyboard.press('Control+L');
  await page.keyboard.press('Shift+ArrowLeft');
  const status = page.locator('.statusbar-item', { hasText: `(${length} selected)` });
  await status.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
}

/** Runs `title` (as the Command Palette lists it) from the Command Palette (F1). */
async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(`>${title}`);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: title })
    .first()
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
}

/**
 * Resolves to the frame of the inspector's webview document once it shows
 * a run of `tokenCount` tokens. A webview is two nested iframes, and the
 * inner one contains the extension's HTML, titled "Attention Inspector".
 */
async function waitForInspector(page, tokenCount, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let lastState = 'no webview frame with the title "Attention Inspector"';
  for (;;) {
    for (const frame of page.frames()) {
      let state;
      try {
        state = await frame.evaluate(() =>
          document.title === 'Attention Inspector'
            ? {
                state: document.body.dataset.state,
                tokens: document.querySelectorAll('[data-testid="token"]').length,
              }
            : undefined,
        );
      } catch {
        // The frame navigated or was detached while it was read.
        continue;
      }
      if (state === undefined) {
        continue;
      }
      lastState = `body data-state="${state.state}" with ${state.tokens} token chips`;
      if (state.state === 'ready' && state.tokens === tokenCount) {
        return frame;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `The inspector did not show ${tokenCount} tokens within ${timeoutMs} ms; last seen: ${lastState}.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Reads what the inspector shows: the predicted word, the token chips and the attention heatmap. */
function readInspector(frame) {
  return frame.evaluate(() => {
    const heatmap = document.querySelector('table[data-testid="heatmap"]');
    const rows = heatmap ? Array.from(heatmap.querySelectorAll('tbody tr')) : [];
    return {
      bodyState: document.body.dataset.state,
      word: document.querySelector('[data-testid="prediction-word"]')?.textContent ?? null,
      tokens: Array.from(document.querySelectorAll('[data-testid="token"]')).map((chip) => ({
        id: chip.getAttribute('data-id'),
        text: chip.textContent,
      })),
      heatmap: heatmap
        ? {
            cells: heatmap.querySelectorAll('td[data-testid="heatmap-cell"]').length,
            columnHeaders: Array.from(heatmap.querySelectorAll('thead th')).map(
              (th) => th.textContent,
            ),
            rowHeaders: rows.map((row) => row.querySelector('th')?.textContent ?? null),
            cellsPerRow: rows.map(
              (row) => row.querySelectorAll('td[data-testid="heatmap-cell"]').length,
            ),
          }
        : null,
    };
  });
}

/** Runs `dist/cli.js predict --json` of the extension in `extensionDir` on `text` with default settings. */
function predictWithCli(extensionDir, text) {
  const stdout = execFileSync(
    process.execPath,
    [path.join(extensionDir, 'dist', 'cli.js'), 'predict', '--text', text, '--json'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout);
}

module.exports = {
  openFile,
  goToLine,
  selectLine,
  runCommand,
  waitForInspector,
  readInspector,
  predictWithCli,
};
