#!/usr/bin/env node
// Runs the integration suite inside a real VS Code extension host: code-server
// 4.100.3 (VS Code 1.100.3) on 127.0.0.1, with the built extension and the
// test-only host extension (host-extension/) installed into a fresh
// extensions folder. code-server starts an extension host only for a
// connected workbench, so headless Chromium opens the page. The host
// extension runs the compiled suite and writes its results to a JSON file,
// which this runner waits for and prints.
//
// Usage: node test/integration/runInCodeServer.js [--results FILE]
// Needs `npm run build` (dist/) and `tsc -p tsconfig.json` (out/) first.
// TINY_LLM_EXTENSION_DIR names another built extension folder to test in
// place of the repository (for example an unpacked .vsix).
// Exits 0 when every test passed, 1 when a test failed and 2 when the suite
// could not run. Logs go to test-results/integration/.

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
const {
  assertChromiumInstalled,
  launchBrowser,
  newOfflineContext,
  openWorkbench,
} = require('../../scripts/browser');

const EXTENSION_DIR = path.resolve(process.env.TINY_LLM_EXTENSION_DIR || REPO_ROOT);
const HOST_EXTENSION_SOURCE = path.join(__dirname, 'host-extension');
const COMPILED_OUT = path.join(REPO_ROOT, 'out');
const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');
const LOG_DIR = path.join(REPO_ROOT, 'test-results', 'integration');
const RESULTS_TIMEOUT_MS = 5 * 60_000;
const POLL_INTERVAL_MS = 250;

function log(message) {
  process.stderr.write(`[integration] ${message}\n`);
}

/**
 * Installs the host extension with a copy of the compiled out/ folder inside
 * it, and returns the copy's path. The extension host gives `require('vscode')` the API of the extension
 * whose folder contains the requiring file, so the suite has to live inside
 * an installed extension. A node_modules link lets the copy load mocha.
 */
function installHostExtension(extensionsDir) {
  const suiteIndex = path.join(COMPILED_OUT, 'test', 'integration', 'index.js');
  if (!fs.existsSync(suiteIndex)) {
    throw new Error(
      `Compiled suite not found: ${suiteIndex}. Run \`npx tsc -p tsconfig.json\` first.`,
    );
  }
  const hostDir = installExtension(extensionsDir, HOST_EXTENSION_SOURCE);
  fs.cpSync(COMPILED_OUT, path.join(hostDir, 'out'), { recursive: true });
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(hostDir, 'node_modules'));
  return path.join(hostDir, 'out');
}

/** Points stack traces in `result` at the repository's out/ in place of the deleted copy in `copiedOut`. */
function mapStackPaths(result, copiedOut) {
  const fix = (text) => text.split(copiedOut).join(COMPILED_OUT);
  return {
    ...result,
    tests: result.tests.map((test) => (test.error ? { ...test, error: fix(test.error) } : test)),
    failures: result.failures.map((failure) => ({ ...failure, error: fix(failure.error) })),
  };
}

/** Resolves to the parsed results once `resultsFile` exists; rejects on timeout or when `abortReason()` returns a message. */
async function waitForResults(resultsFile, abortReason) {
  const deadline = Date.now() + RESULTS_TIMEOUT_MS;
  for (;;) {
    if (fs.existsSync(resultsFile)) {
      return JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    }
    const reason = abortReason();
    if (reason) {
      throw new Error(reason);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `No results in ${resultsFile} after ${RESULTS_TIMEOUT_MS / 1000} s. See the logs in ${LOG_DIR}.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

function printResults(result, seconds) {
  for (const test of result.tests) {
    const mark = { passed: 'ok  ', failed: 'FAIL', pending: 'skip' }[test.state];
    const duration = test.durationMs === undefined ? '' : ` (${test.durationMs} ms)`;
    process.stdout.write(`  ${mark} ${test.title}${duration}\n`);
  }
  for (const failure of result.failures) {
    process.stdout.write(`\nFAILED: ${failure.title}\n${failure.error}\n`);
  }
  process.stdout.write(
    `\nintegration layer: ${result.passed} passed, ${result.failed} failed, ${result.pending} pending in ${seconds.toFixed(1)} s\n`,
  );
}

/**
 * Runs the suite in code-server and resolves to its results, written to
 * `resultsFile` by the host extension. Rejects when the suite could not run.
 */
async function runIntegration(resultsFile) {
  ensureCodeServer();
  assertChromiumInstalled();
  fs.mkdirSync(LOG_DIR, { recursive: true });
  fs.rmSync(resultsFile, { force: true });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-llm-integration-'));
  const extensionsDir = path.join(workDir, 'extensions');
  let server;
  let browser;
  try {
    installExtension(extensionsDir, EXTENSION_DIR);
    const copiedOut = installHostExtension(extensionsDir);
    const suitePath = path.join(copiedOut, 'test', 'integration', 'index.js');

    const serverLog = path.join(LOG_DIR, 'code-server.log');
    fs.rmSync(serverLog, { force: true });
    server = await startCodeServer({
      folder: SAMPLES_DIR,
      userDataDir: path.join(workDir, 'user-data'),
      extensionsDir,
      logFile: serverLog,
      env: { TINY_LLM_TEST_RESULTS: resultsFile, TINY_LLM_TEST_SUITE: suitePath },
    });
    log(`code-server answers on ${server.url}, opening the workbench`);
    let serverExit;
    server.process.once('exit', (code, signal) => {
      serverExit = `code-server exited while the suite ran (code ${code}, signal ${signal}). See ${serverLog}.`;
    });

    browser = await launchBrowser();
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const browserLog = fs.createWriteStream(path.join(LOG_DIR, 'browser.log'));
    page.on('console', (message) => browserLog.write(`[${message.type()}] ${message.text()}\n`));
    let pageCrash;
    page.on('crash', () => {
      pageCrash = 'The workbench page crashed in Chromium.';
    });
    await openWorkbench(page, server.url, SAMPLES_DIR);
    log('workbench loaded, waiting for the suite to finish');
    const result = mapStackPaths(
      await waitForResults(resultsFile, () => serverExit || pageCrash),
      copiedOut,
    );
    fs.writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    if (browser) await browser.close();
    if (server) await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const resultsIndex = argv.indexOf('--results');
  const resultsFile = path.resolve(
    resultsIndex === -1 ? path.join(LOG_DIR, 'results.json') : argv[resultsIndex + 1],
  );
  const started = Date.now();
  let result;
  try {
    result = await runIntegration(resultsFile);
  } catch (error) {
    process.stderr.write(`[integration] ERROR: the suite could not run: ${error.message}\n`);
    // The results file then records the reason, so that scripts/test.js
    // counts the layer as one failure and shows why.
    const failure = { title: 'integration layer did not run', error: error.message };
    fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
    fs.writeFileSync(
      resultsFile,
      `${JSON.stringify({ passed: 0, failed: 1, pending: 0, tests: [], failures: [failure] }, null, 2)}\n`,
    );
    process.exitCode = 2;
    return;
  }
  printResults(result, (Date.now() - started) / 1000);
  process.exitCode = result.failed > 0 ? 1 : 0;
}

module.exports = { runIntegration };

if (require.main === module) {
  main();
}
