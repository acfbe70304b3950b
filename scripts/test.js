#!/usr/bin/env node
// Runs every test layer in order and prints one summary line:
//   1. build              node esbuild.js
//   2. type check         tsc -p tsconfig.json (into a fresh out/)
//   3. unit               mocha on out/test/unit/**/*.test.js
//   3b. unit-fma          the kernel tests again with relaxed SIMD turned on
//   4. code-server        install code-server 4.100.3 into .cache/, or reuse it
//   5. integration        the suite in code-server's extension host
//   6. end-to-end         mocha on test/e2e/*.test.js (code-server + Chromium)
//
// Counts come from mocha's JSON reporter and the integration results file.
// A failed build, type check or install, and a layer that could not run or
// report, each count as one failure. When the code-server install fails,
// the two layers that need it are not started and count as one failure
// each. The last line of output is "N passed, N failed", and the exit code
// is 1 when anything failed.
//
// Usage: npm test

'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
const MOCHA = path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function heading(title) {
  process.stdout.write(`\n=== ${title} ===\n`);
}

/** Runs `node args...` in the repository with output shown, and resolves to its exit code (or signal name). */
function runNode(args) {
  return new Promise((resolve) => {
    const child = childProcess.spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', (error) => resolve(`error: ${error.message}`));
    child.once('exit', (code, signal) => resolve(code ?? signal));
  });
}

/** Runs a step that has no tests of its own, so it counts 0 passed, or 1 failed with the reason. */
async function runStep(name, args) {
  const status = await runNode(args);
  if (status === 0) {
    return { name, step: true, passed: 0, failed: 0, pending: 0, failures: [] };
  }
  const error = `node ${args.join(' ')} exited with ${status}`;
  return { name, step: true, passed: 0, failed: 1, pending: 0, failures: [{ title: name, error }] };
}

/** Runs mocha with the JSON reporter and reads the counts from its report file. */
async function runMochaLayer(name, mochaArgs) {
  const report = path.join(RESULTS_DIR, `${name}.json`);
  fs.rmSync(report, { force: true });
  const status = await runNode([
    MOCHA,
    '--reporter',
    'json',
    '--reporter-option',
    `output=${report}`,
    ...mochaArgs,
  ]);
  if (!fs.existsSync(report)) {
    const error = `mocha exited with ${status} and wrote no report to ${path.relative(REPO_ROOT, report)}`;
    return {
      name,
      passed: 0,
      failed: 1,
      pending: 0,
      failures: [{ title: `${name} layer did not run`, error }],
    };
  }
  const { stats, failures } = JSON.parse(fs.readFileSync(report, 'utf8'));
  const result = {
    name,
    passed: stats.passes,
    failed: stats.failures,
    pending: stats.pending,
    failures: failures.map((test) => ({
      title: test.fullTitle,
      error: test.err.stack || test.err.message || JSON.stringify(test.err),
    })),
  };
  if (stats.tests === 0 && stats.failures === 0) {
    result.failed = 1;
    result.failures.push({
      title: `${name} layer ran no test`,
      error: `no test matched ${mochaArgs.join(' ')}`,
    });
  }
  if (status !== 0 && result.failed === 0) {
    result.failed = 1;
    result.failures.push({
      title: `${name} layer`,
      error: `mocha exited with ${status} although its report lists no failure`,
    });
  }
  return result;
}

/** Runs the integration suite in code-server and reads the counts from the host extension's results file. */
async function runIntegrationLayer() {
  const name = 'integration';
  const report = path.join(RESULTS_DIR, 'integration.json');
  fs.rmSync(report, { force: true });
  const status = await runNode([
    path.join('test', 'integration', 'runInCodeServer.js'),
    '--results',
    report,
  ]);
  if (!fs.existsSync(report)) {
    const error = `runInCodeServer.js exited with ${status} and wrote no results file; its output is above`;
    return {
      name,
      passed: 0,
      failed: 1,
      pending: 0,
      failures: [{ title: 'integration layer did not run', error }],
    };
  }
  const results = JSON.parse(fs.readFileSync(report, 'utf8'));
  const result = {
    name,
    passed: results.passed,
    failed: results.failed,
    pending: results.pending ?? 0,
    failures: results.failures,
  };
  if (results.passed + results.failed === 0) {
    result.failed = 1;
    result.failures.push({
      title: 'integration layer ran no test',
      error: 'the results file lists no test',
    });
  }
  return result;
}

/** Returns the result of a layer that was not started: one failure with the reason. */
function notRun(name, reason) {
  return {
    name,
    passed: 0,
    failed: 1,
    pending: 0,
    failures: [{ title: `${name} layer did not run`, error: reason }],
  };
}

function describeCounts(result) {
  if (result.step) {
    return result.failed === 0 ? 'ok' : 'FAILED';
  }
  return `${result.passed} passed, ${result.failed} failed, ${result.pending} pending`;
}

function printLayer(result, seconds) {
  process.stdout.write(
    `--- ${result.name}: ${describeCounts(result)} in ${seconds.toFixed(1)} s\n`,
  );
  for (const failure of result.failures) {
    const firstLines = String(failure.error).split('\n').slice(0, 8).join('\n      ');
    process.stdout.write(`    FAILED ${failure.title}\n      ${firstLines}\n`);
  }
}

async function main() {
  const started = Date.now();
  fs.mkdirSync(RESULTS_DIR, { recursive: true });

  const layers = [
    { title: 'build', run: () => runStep('build', ['esbuild.js']) },
    {
      title: 'type check and compile',
      run: () => {
        // A fresh out/ keeps compiled files of deleted tests from running.
        fs.rmSync(path.join(REPO_ROOT, 'out'), { recursive: true, force: true });
        return runStep('type check', [TSC, '-p', 'tsconfig.json']);
      },
    },
    { title: 'unit tests', run: () => runMochaLayer('unit', ['out/test/unit/**/*.test.js']) },
    {
      // Node 20's V8 accepts relaxed SIMD only with this flag; newer ones by default.
      title: 'kernel unit tests with relaxed SIMD (fused multiply-add)',
      run: () =>
        runMochaLayer('unit-fma', [
          '--node-option',
          'experimental-wasm-relaxed-simd',
          'out/test/unit/model/kernels*.test.js',
        ]),
    },
    {
      title: 'install code-server',
      run: () => runStep('code-server', ['scripts/code-server.js', 'install']),
    },
    {
      title: 'integration tests (code-server extension host)',
      name: 'integration',
      needsCodeServer: true,
      run: runIntegrationLayer,
    },
    {
      title: 'end-to-end tests (code-server in headless Chromium)',
      name: 'e2e',
      needsCodeServer: true,
      run: () => runMochaLayer('e2e', ['--timeout', '120000', 'test/e2e/*.test.js']),
    },
  ];

  const results = [];
  for (const layer of layers) {
    heading(layer.title);
    const layerStarted = Date.now();
    const codeServer = results.find(({ result }) => result.name === 'code-server');
    const result =
      layer.needsCodeServer && codeServer.result.failed > 0
        ? notRun(layer.name, 'the code-server install failed (see "install code-server" above)')
        : await layer.run();
    const seconds = (Date.now() - layerStarted) / 1000;
    results.push({ result, seconds });
    printLayer(result, seconds);
  }

  heading('summary');
  for (const { result, seconds } of results) {
    process.stdout.write(
      `${result.name.padEnd(12)} ${describeCounts(result).padEnd(36)} ${seconds.toFixed(1).padStart(7)} s\n`,
    );
  }
  const passed = results.reduce((sum, { result }) => sum + result.passed, 0);
  const failed = results.reduce((sum, { result }) => sum + result.failed, 0);
  process.stdout.write(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error) => {
  process.stdout.write(`test runner failed: ${error.stack || error.message}\n0 passed, 1 failed\n`);
  process.exitCode = 1;
});
