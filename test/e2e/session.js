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

/** Chromium's console wording when a Content Security Policy blocks something. */
const CSP_MESSAGE = /Content Security Policy|Refused to/i;

/**
 * Starts code-server with the extension in EXTENSION_DIR and `samples/`
 * open, opens its workbench in headless Chromium and resolves to the
 * session. `name` names the log files in test-results/e2e/, and `settings`
 * are added to the user settings.
 *
 * The session's `cspViolations` collects console messages of any frame
 * that match CSP_MESSAGE, `dialogs` every alert, confirm or prompt (each
 * dismissed), `pageErrors` uncaught exceptions, and `blockedRequests` the
 * requests to hosts other than loopback, which the browser aborts.
 */
async function startSession(name, settings = {}) {
  const extensionMain = path.join(EXTENSION_DIR, 'dist', 'extension.js');
  if (!fs.existsSync(extensionMain)) {
    throw new Error(`${extensionMain} not found. Run \`npm run build\` first.`);
  }
  ensureCodeServer();
  fs.mkdirSync(RESULTS_DIR, { recursive: true });

  const session = {
    extensionDir: EXTENSION_DIR,
    samplesDir: SAMPLES_DIR,
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
    const extensionsDir = path.join(session.workDir, 'extensions');
    installExtension(extensionsDir, EXTENSION_DIR);
    session.server = await startCodeServer({
      folder: SAMPLES_DIR,
      userDataDir: path.join(session.workDir, 'user-data'),
      extensionsDir,
      logFile: path.join(RESULTS_DIR, `${name}-code-server.log`),
      settings,
    });
    session.browser = await launchBrowser();
    const { context, blockedRequests } = await newOfflineContext(session.browser);
    session.blockedRequests = blockedRequests;
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
    });
    page.on('pageerror', (error) => {
      session.pageErrors.push(error.message);
      session.consoleLog.write(`[pageerror] ${error.stack || error.message}\n`);
    });
    page.on('dialog', (dialog) => {
      session.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => undefined);
    });

    await openWorkbench(page, session.server.url, SAMPLES_DIR);
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
 * (prefixed `failed-` when the test failed) and `after` closes it. Returns
 * a function that returns the session.
 */
function useSession(name, settings = {}) {
  let session;
  before(async function () {
    this.timeout(300_000);
    session = await startSession(name, settings);
  });
  afterEach(async function () {
    if (session?.page === undefined) {
      return;
    }
    const failed = this.currentTest.state === 'failed';
    const file = `${failed ? 'failed-' : ''}${name}-${screenshotName(this.currentTest.title)}`;
    await session.page.screenshot({ path: path.join(RESULTS_DIR, file) });
  });
  after(async () => {
    if (session) await session.close();
  });
  return () => session;
}

module.exports = { CSP_MESSAGE, startSession, useSession };
