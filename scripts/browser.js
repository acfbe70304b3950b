// Starts Debian's headless Chromium with playwright-core and opens the
// code-server workbench in it, for the integration and end-to-end layers.
// Playwright's own browser download does not work offline, so the
// executable comes from the system (CHROMIUM_PATH, default /usr/bin/chromium).

'use strict';

const fs = require('node:fs');

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying to reach
// Google's hosts for updates, sync and field trials.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const WORKBENCH_TIMEOUT_MS = 120_000;

/** Throws an error with install instructions if CHROMIUM_PATH does not exist. */
function assertChromiumInstalled() {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it with \`apt-get install chromium\` or set CHROMIUM_PATH.`,
    );
  }
}

/** Launches headless Chromium. */
async function launchBrowser() {
  assertChromiumInstalled();
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

function isLoopback(url) {
  let hostname;
  try {
    ({ hostname } = new URL(url));
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Creates a browser context that aborts every HTTP(S) request to a host
 * other than loopback. Returns `{ context, blockedRequests }`, where
 * `blockedRequests` collects the URLs that were aborted, so tests can
 * assert that the workbench tried to reach no other host.
 */
async function newOfflineContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...options });
  const blockedRequests = [];
  await context.route(
    (url) => (url.protocol === 'http:' || url.protocol === 'https:') && !isLoopback(url.href),
    (route) => {
      blockedRequests.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  return { context, blockedRequests };
}

/**
 * Opens the workbench at `url` with `folder` open and waits until its
 * explorer is shown, which happens after the remote extension host
 * connected and the folder was read.
 */
async function openWorkbench(page, url, folder, timeoutMs = WORKBENCH_TIMEOUT_MS) {
  await page.goto(`${url}?folder=${encodeURI(folder)}`, { timeout: timeoutMs });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
}

module.exports = {
  CHROMIUM_PATH,
  assertChromiumInstalled,
  launchBrowser,
  newOfflineContext,
  openWorkbench,
  isLoopback,
};
