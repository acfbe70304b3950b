// Test-only extension that runs the integration suite inside code-server's
// extension host, where @vscode/test-electron cannot reach. The runner
// (../runInCodeServer.js) starts code-server with two environment variables,
// which the extension host inherits:
//   TINY_LLM_TEST_SUITE    absolute path of the compiled suite's index.js
//   TINY_LLM_TEST_RESULTS  file to write {passed, failed, pending, tests, failures} to
// Without TINY_LLM_TEST_RESULTS the extension does nothing.

'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** Writes `result` as JSON through a temporary file, so the runner never reads half a file. */
function writeResults(resultsPath, result) {
  const temporary = `${resultsPath}.partial`;
  fs.mkdirSync(path.dirname(resultsPath), { recursive: true });
  fs.writeFileSync(temporary, `${JSON.stringify(result, null, 2)}\n`);
  fs.renameSync(temporary, resultsPath);
}

async function runAndReport(suitePath, resultsPath, options) {
  let result;
  try {
    const suite = require(suitePath);
    result = await suite.runSuite(options);
  } catch (error) {
    const message = error instanceof Error ? error.stack || error.message : String(error);
    const failure = { title: `load and run the suite ${suitePath}`, error: message };
    result = {
      passed: 0,
      failed: 1,
      pending: 0,
      tests: [{ ...failure, state: 'failed' }],
      failures: [failure],
    };
  }
  writeResults(resultsPath, result);
}

function activate(context) {
  const resultsPath = process.env.TINY_LLM_TEST_RESULTS;
  if (!resultsPath) {
    return;
  }
  const suitePath = process.env.TINY_LLM_TEST_SUITE;
  if (!suitePath) {
    writeResults(resultsPath, {
      passed: 0,
      failed: 1,
      pending: 0,
      tests: [],
      failures: [{ title: 'find the suite', error: 'TINY_LLM_TEST_SUITE is not set' }],
    });
    return;
  }
  // Every extension's log output channels write into a folder named after
  // the extension id, inside the folder that contains this one's logUri.
  const options = { extensionLogsDir: path.dirname(context.logUri.fsPath) };
  // Not awaited, so that activation finishes and the suite runs like
  // @vscode/test-electron's, after the extension host has started.
  runAndReport(suitePath, resultsPath, options).catch((error) => {
    console.error(`Tiny LLM integration host: failed to write ${resultsPath}:`, error);
  });
}

function deactivate() {}

module.exports = { activate, deactivate };
