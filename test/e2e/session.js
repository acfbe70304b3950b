// One end-to-end session: code-server with the built extension, headless
// Chromium on its workbench, and everything the page reported meanwhile
// (console messages, Content Security Policy violations, dialogs and
// requests beyond loopback), so that each test file can assert on them.

'use strict';

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

const EXTENSION_DIR = path.resolve(process.env.TINY_LLM_EXTENSION_DIR || REPO_ROOT);
const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');
const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');

// Screenshots and logs of an earlier run, such as a failed-*.png of a test
// that passes now, would mislead, so the first test file to load this
// module empties the folder.
fs.rmSync(RESULTS_DIR, { recursive: true, force: true });

/**
 * Chromium's console wording when a Content Security Policy blocks
 * something, and the prefix that `reportCspViolations` logs.
 */
const CSP_MESSAGE = /Content Security Policy|Refused to|securitypolicyviolation/i;

/**
 * Init script that logs each `securitypolicyviolation` event to the console.
 * It runs in every frame the browser loads, but a frame whose document is
 * rewritten with document.open() loses the listener, as the inner frame of
 * a VS Code webview is. Chromium's own console message covers those.
 */
function reportCspViolations() {
  window.addEventListener('securitypolicyviolation', (event) => {
    console.error(
      `securitypolicyviolation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`,
    );
  });
}
/** Chromium's console wording when a sandboxed frame without allow-modals calls a dialog. */
const BLOCKED_DIALOG_MESSAGE = /Ignored call to '(alert|confirm|prompt|print)\(\)'/;

/**
 * Starts code-server with the extension in EXTENSION_DIR, opens its
 * workbench in headless Chromium and resolves to the session. `name` names
 * the log files in test-results/e2e/. Options: `settings` are added to the
 * user settings, and `files` (file name to content) fills a new folder in
 * the session's temporary folder that the workbench opens in place of
 * `samples/`.
 *
 * The session collects what the page reports. `cspViolations` contains the
 * console messages of any frame that match CSP_MESSAGE. `dialogs` contains
 * every alert, confirm or prompt, each dismissed, and every one that a
 * sandboxed frame such as a webview was not allowed to open. `pageErrors`
 * contains uncaught exceptions, and `blockedRequests` the requests to hosts
 * other than loopback, which the browser aborts.
 */
async function startSession(name, { settings = {}, files } = {}) {
  const extensionMain = path.join(EXTENSION_DIR, 'dist', 'extension.js');
  if (!fs.existsSync(extensionMain)) {
    throw new Error(`${extensionMain} not found. Run \`npm run build\` first.`);
  }
  ensureCodeServer();
  fs.mkdirSync(RESULTS_DIR, { recursive: true });

  const session = {
    extensionDir: EXTENSION_DIR,
    folder: SAMPLES_DIR,
    resultsDir: RESULTS_DIR,
    cspViolations: [],
    dialogs: [],
    pageErrors: [],
    blockedRequests: [],
    page: undefined,
    workDir: fs.mkdtempSync(path.join(os.tmpdir(), `tiny-llm-e2e-${name}-`)),
    server: undefined,
    browser: undefined,
    consoleLog: undefined,
  };
  session.close = () => closeSession(session);

  try {
    if (files !== undefined) {
      session.folder = path.join(session.workDir, 'workspace');
      fs.mkdirSync(session.folder);
      for (const [fileName, content] of Object.entries(files)) {
        fs.writeFileSync(path.join(session.folder, fileName), content);
      }
    }
    const extensionsDir = path.join(session.workDir, 'extensions');
    installExtension(extensionsDir, EXTENSION_DIR);
    session.server = await startCodeServer({
      folder: session.folder,
      userDataDir: path.join(session.workDir, 'user-data'),
      extensionsDir,
      logFile: path.join(RESULTS_DIR, `${name}-code-server.log`),
      settings,
    });
    session.browser = await launchBrowser();
    const { context, blockedRequests } = await newOfflineContext(session.browser);
    session.blockedRequests = blockedRequests;
    await context.addInitScript(reportCspViolations);
    const page = await context.newPage();
    session.page = page;

    const consoleLogPath = path.join(RESULTS_DIR, `${name}-console.log`);
    session.consoleLog = fs.createWriteStream(consoleLogPath);
    page.on('console', (message) => {
      const text = message.text();
      const frameUrl = message.location().url;
      session.consoleLog.write(`[${message.type()}] ${text} (${frameUrl})\n`);
      if (CSP_MESSAGE.test(text)) {
        session.cspViolations.push(`${text} (${frameUrl})`);
      }
      if (BLOCKED_DIALOG_MESSAGE.test(text)) {
        session.dialogs.push(`blocked: ${text} (${frameUrl})`);
      }
    });
    page.on('pageerror', (error) => {
      session.pageErrors.push(error.message);
      session.consoleLog.write(`[pageerror] ${error.stack || error.message}\n`);
    });
    page.on('dialog', (dialog) => {
      session.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => undefined);
    });

    await openWorkbench(page, session.server.url, session.folder);
    return session;
  } catch (error) {
    await closeSession(session);
    throw error;
  }
}

/** Closes the browser, stops code-server and deletes the session's folder. */
async function closeSession(session) {
  if (session.browser) {
    await session.browser.close();
    session.browser = undefined;
  }
  if (session.server) {
    await session.server.stop();
    session.server = undefined;
  }
  if (session.consoleLog) {
    await new Promise((resolve) => session.consoleLog.end(resolve));
    session.consoleLog = undefined;
  }
  fs.rmSync(session.workDir, { recursive: true, force: true });
}

/** Returns a file name for a screenshot of the test `title`. */
function screenshotName(title) {
  return `${title
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()}.png`;
}

/**
 * Adds the hooks of a test file that runs in one session: `before` starts
 * it, `afterEach` saves a screenshot of each test to test-results/e2e/
 * (prefixed `failed-` when the test failed) and `after` closes it.
 * `options` are those of `startSession`. Returns a function that returns
 * the session.
 */
function useSession(name, options = {}) {
  let session;
  before(async function () {
    this.timeout(300_000);
    session = await startSession(name, options);
  });
  afterEach(async function () {
    if (session?.page === undefined) {
      return;
    }
    const failed = this.currentTest.state === 'failed';
    // The outermost suite is the file's, which `name` already names.
    const title = this.currentTest.titlePath().slice(1).join(' ');
    const file = `${failed ? 'failed-' : ''}${name}-${screenshotName(title)}`;
    await session.page.screenshot({ path: path.join(RESULTS_DIR, file) });
  });
  after(async () => {
    if (session) await session.close();
  });
  return () => session;
}

module.exports = { startSession, useSession };
