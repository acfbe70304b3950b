// Steps a person takes in the code-server workbench, driven with
// playwright-core, and the CLI run the end-to-end tests compare against.
// Every step waits for the element or state it needs, with a timeout.

'use strict';

const { execFileSync } = require('node:child_process');
const path = require('node:path');

const STEP_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 250;

/**
 * Opens `fileName` with Quick Open (Ctrl+P) in the active editor group and
 * waits until its editor tab is active there and its editor has focus.
 */
async function openFile(page, fileName) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(fileName);
  // Quick Open first lists recently opened editors and filters them a moment
  // later, once ripgrep has searched the folder, so Enter waits until the
  // highlighted entry is the file.
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: fileName })
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await page
    .locator('.editor-group-container.active .tab.active', { hasText: fileName })
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page
    .locator('.editor-group-container.active .monaco-editor.focused')
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

/**
 * Runs `title` (as the Command Palette lists it) from the Command Palette
 * (F1) and waits until the palette closes. A command that opens a quick
 * pick of its own keeps the palette's input open, so pass
 * `{ waitForClose: false }` for it.
 */
async function runCommand(page, title, { waitForClose = true } = {}) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(`>${title}`);
  // The palette may rank a longer title first ("Preferences: Browse Color
  // Themes in Marketplace" for "Preferences: Color Theme"), so pick the
  // entry whose label is exactly `title`.
  const entry = exactLabel(page, '.quick-input-list .monaco-list-row', title);
  await entry.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await entry.click();
  if (waitForClose) {
    await input.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  }
}

/**
 * Types `title` into the Command Palette (F1) and waits until the entry
 * labelled exactly `title` is the focused one, so that the caller's Enter
 * runs it. For timing a command from the moment Enter is pressed.
 */
async function focusCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(`>${title}`);
  await exactLabel(page, '.quick-input-list .monaco-list-row.focused', title).waitFor({
    state: 'visible',
    timeout: STEP_TIMEOUT_MS,
  });
}

/** Picks the entry labelled exactly `label` in the open quick pick, such as a command's own choices. */
async function pickQuickInputEntry(page, label) {
  const entry = exactLabel(page, '.quick-input-list .monaco-list-row', label);
  await entry.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await entry.click();
}

/**
 * Waits until code-server's save dialog shows a suggested file and resolves
 * to its path. The dialog is a quick input that contains the path to save
 * to (VS Code's "simple file dialog", which VS Code in a browser uses for
 * every file dialog). It opens with the folder's path and adds the file
 * name a moment later.
 */
async function waitForSaveDialog(page, timeoutMs = STEP_TIMEOUT_MS) {
  const handle = await page.waitForFunction(
    () => {
      const value = document.querySelector('.quick-input-widget input')?.value ?? '';
      return /\/[^/]+\.\w+$/.test(value) ? value : false;
    },
    undefined,
    { timeout: timeoutMs },
  );
  return handle.jsonValue();
}

/**
 * Replaces the path in code-server's save dialog with `filePath`, accepts
 * it and waits until the dialog closes. The path is typed key by key, as
 * the dialog reads each change of its input. It ignores Enter while it is
 * busy (its progress bar runs), so Enter is pressed again while the dialog
 * stays open.
 */
async function saveInSimpleDialog(page, filePath, timeoutMs = STEP_TIMEOUT_MS) {
  const input = page.locator('.quick-input-widget input');
  const busy = page.locator('.quick-input-widget .monaco-progress-container.active');
  await waitForSaveDialog(page, timeoutMs);
  await input.press('Control+A');
  await input.pressSequentially(filePath);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await busy.waitFor({ state: 'hidden', timeout: Math.max(1, deadline - Date.now()) });
    const value = await input.inputValue();
    if (value !== filePath) {
      throw new Error(`The save dialog changed the typed path ${filePath} to "${value}".`);
    }
    await page.keyboard.press('Enter');
    try {
      await input.waitFor({ state: 'hidden', timeout: 2_000 });
      return;
    } catch {
      // Still open, so the dialog was busy when Enter came.
    }
    if (Date.now() > deadline) {
      throw new Error(`The save dialog did not accept ${filePath} within ${timeoutMs} ms.`);
    }
  }
}

/** Returns the first element matching `selector` whose `.label-name` reads exactly `label`. */
function exactLabel(page, selector, label) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page
    .locator(selector, {
      has: page.locator('.label-name', { hasText: new RegExp(`^${escaped}$`) }),
    })
    .first();
}

/** Opens a new untitled text file with the Command Palette and waits until its editor has focus. */
async function newUntitledFile(page) {
  const tabsBefore = await page.locator('.tab', { hasText: 'Untitled-' }).count();
  await runCommand(page, 'File: New Untitled Text File');
  await page
    .locator('.tab', { hasText: 'Untitled-' })
    .nth(tabsBefore)
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page
    .locator('.editor-instance .monaco-editor.focused')
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
}

/**
 * Selects the whole text of the focused editor (Ctrl+A) and waits until the
 * status bar reports `length` characters selected.
 */
async function selectAll(page, length) {
  await page.keyboard.press('Control+A');
  const status = page.locator('.statusbar-item', { hasText: `(${length} selected)` });
  await status.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
}

/**
 * Moves the mouse over the first visible occurrence of `word` in an editor
 * and resolves to the text of the Tiny LLM hover that appears. Occurrences
 * inside a longer word do not count.
 */
async function hoverWord(page, word) {
  const point = await page.evaluate((target) => {
    const isWordCharacter = (character) =>
      character !== undefined && /[\p{L}\p{N}_]/u.test(character);
    const lines = document.querySelectorAll('.part.editor .monaco-editor .view-lines .view-line');
    for (const line of lines) {
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        const text = node.textContent;
        for (
          let start = text.indexOf(target);
          start >= 0;
          start = text.indexOf(target, start + 1)
        ) {
          const end = start + target.length;
          if (isWordCharacter(text[start - 1]) || isWordCharacter(text[end])) {
            continue;
          }
          const range = document.createRange();
          range.setStart(node, start);
          range.setEnd(node, end);
          const rect = range.getBoundingClientRect();
          if (rect.width > 0 && rect.top >= 0 && rect.bottom <= window.innerHeight) {
            return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
          }
        }
      }
    }
    return null;
  }, word);
  if (point === null) {
    throw new Error(`"${word}" is not visible in any editor.`);
  }
  // A hover still open from an earlier word would be read in place of the new one.
  const hover = page.locator('.monaco-hover .hover-contents', { hasText: 'Tiny LLM' }).first();
  await hover.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  await page.mouse.move(point.x, point.y);
  await hover.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  return hover.innerText();
}

/**
 * Picks the colour theme labelled `label` with Preferences: Color Theme and
 * waits until the workbench carries `workbenchClass` (for example
 * `hc-black` or `hc-light`).
 */
async function selectColorTheme(page, label, workbenchClass) {
  await runCommand(page, 'Preferences: Color Theme', { waitForClose: false });
  const input = page.locator('.quick-input-widget input');
  // The theme picker reuses the palette's input with a placeholder of its own.
  await page
    .locator('.quick-input-widget input[placeholder*="Color Theme"]')
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(label);
  const theme = exactLabel(page, '.quick-input-list .monaco-list-row', label);
  await theme.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await theme.click();
  await input.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  await page
    .locator(`.monaco-workbench.${workbenchClass}`)
    .waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
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

/**
 * Clicks the inspector's editor tab and waits until the document in its
 * webview has focus. The webview takes focus a moment after the click, and
 * a Quick Open started before that would close when it loses focus.
 */
async function clickInspectorTab(page, timeoutMs = STEP_TIMEOUT_MS) {
  await page.locator('.tab', { hasText: 'Attention Inspector' }).click();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        const focused = await frame.evaluate(
          () => document.title === 'Attention Inspector' && document.hasFocus(),
        );
        if (focused) {
          return frame;
        }
      } catch {
        // The frame navigated or was detached while it was read.
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `The inspector did not take focus within ${timeoutMs} ms of a click on its tab.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Resolves once no frame shows the inspector's document, as after its panel was hidden or closed. */
async function waitForNoInspectorFrame(page, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let inspectorShown = false;
    for (const frame of page.frames()) {
      try {
        inspectorShown = await frame.evaluate(() => document.title === 'Attention Inspector');
      } catch {
        // The frame was detached while it was read.
        continue;
      }
      if (inspectorShown) {
        break;
      }
    }
    if (!inspectorShown) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`The inspector's frame was still loaded after ${timeoutMs} ms.`);
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
      stageFacts: document.querySelectorAll('.facts').length,
      readableCode: Array.from(document.querySelectorAll('.readable-code')).map(
        (line) => line.textContent,
      ),
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

/** Selector of the attention heatmap's value and masked cells. */
const HEATMAP_CELLS = 'table[data-testid="heatmap"] td[data-testid="heatmap-cell"]';
/** Selector of every element of the inspector's content. */
const INSPECTOR_CONTENT = '#root *';

/**
 * Measures, in the inspector's frame, the WCAG 2 contrast ratio of the text
 * of every rendered element that matches `selector` and has text of its
 * own: its computed colour against its effective background, which is
 * every ancestor's background colour from the root down to the element,
 * composited over white as the browser paints them. Resolves to one
 * `{ element, text, weight, ratio, color, background }` per element, with
 * the colours as 0–255 RGB and `weight` the cell's `--weight`, if any.
 */
function measureContrast(frame, selector) {
  return frame.evaluate((elementSelector) => {
    // A 1×1 canvas composites colours exactly as CSS backgrounds do and
    // reads back any CSS colour syntax (rgb(), color(srgb ...), color-mix()).
    const canvas = document.createElement('canvas');
    canvas.width = 1;
    canvas.height = 1;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    const paint = (colours) => {
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, 1, 1);
      for (const colour of colours) {
        context.fillStyle = colour;
        context.fillRect(0, 0, 1, 1);
      }
      const [r, g, b] = context.getImageData(0, 0, 1, 1).data;
      return [r, g, b];
    };
    const luminance = (rgb) => {
      const [r, g, b] = rgb.map((channel) => {
        const c = channel / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const backgroundsFromRoot = (element) => {
      const colours = [];
      for (let node = element; node instanceof Element; node = node.parentElement) {
        colours.unshift(getComputedStyle(node).backgroundColor);
      }
      return colours;
    };
    const hasOwnText = (element) =>
      Array.from(element.childNodes).some(
        (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== '',
      );

    return Array.from(document.querySelectorAll(elementSelector))
      .filter((element) => hasOwnText(element) && element.getClientRects().length > 0)
      .map((element) => {
        const backgrounds = backgroundsFromRoot(element);
        const background = paint(backgrounds);
        const color = paint([...backgrounds, getComputedStyle(element).color]);
        const lighter = Math.max(luminance(color), luminance(background));
        const darker = Math.min(luminance(color), luminance(background));
        return {
          element: `${element.tagName.toLowerCase()}.${element.className}`,
          text: element.textContent.slice(0, 40),
          weight: element.style.getPropertyValue('--weight'),
          ratio: (lighter + 0.05) / (darker + 0.05),
          color,
          background,
        };
      });
  }, selector);
}

/**
 * Runs `dist/cli.js predict --json` of the extension in `extensionDir` on
 * `text`, with default settings unless `flags` (such as `['--heads', '2']`)
 * change them.
 */
function predictWithCli(extensionDir, text, flags = []) {
  const stdout = execFileSync(
    process.execPath,
    [path.join(extensionDir, 'dist', 'cli.js'), 'predict', '--text', text, '--json', ...flags],
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
  selectAll,
  newUntitledFile,
  hoverWord,
  selectColorTheme,
  runCommand,
  focusCommand,
  pickQuickInputEntry,
  waitForSaveDialog,
  saveInSimpleDialog,
  waitForInspector,
  clickInspectorTab,
  waitForNoInspectorFrame,
  readInspector,
  HEATMAP_CELLS,
  INSPECTOR_CONTENT,
  measureContrast,
  predictWithCli,
};
