#!/usr/bin/env node
// Builds the extension and runs it in a local code-server (VS Code in the
// browser) on 127.0.0.1, with the samples/ folder open, until Ctrl+C.
//
// Usage: npm run demo [-- --port N]
// The port comes from --port, else the PORT environment variable, else 8080.
// When that port is in use, a free port is picked instead.

'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const {
  REPO_ROOT,
  ensureCodeServer,
  installExtension,
  startCodeServer,
  isPortFree,
  findFreePort,
} = require('./code-server');

const DEFAULT_PORT = 8080;
const DEMO_DIR = path.join(REPO_ROOT, '.cache', 'demo');
const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');

function parsePort(argv) {
  const index = argv.indexOf('--port');
  let text;
  let source;
  if (index !== -1) {
    text = argv[index + 1];
    source = '--port';
  } else if (process.env.PORT) {
    text = process.env.PORT;
    source = 'PORT';
  } else {
    return DEFAULT_PORT;
  }
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      `Invalid port ${JSON.stringify(text)} in ${source}: expected an integer from 1 to 65535.`,
    );
  }
  return port;
}

function build() {
  process.stderr.write('[demo] building the extension: node esbuild.js\n');
  const result = childProcess.spawnSync(process.execPath, ['esbuild.js'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (result.status !== 0) {
    throw new Error(
      `Build failed (node esbuild.js exited with ${result.status ?? result.signal}). Fix the errors above and run the demo again.`,
    );
  }
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'Usage: npm run demo [-- --port N]\nRuns the extension in code-server on 127.0.0.1:N (default: PORT or 8080) with samples/ open, until Ctrl+C.\n',
    );
    return;
  }
  let port = parsePort(argv);

  build();
  ensureCodeServer();

  // A fresh extensions folder each run, so that only the current build of
  // the extension is installed. User settings and state persist.
  const extensionsDir = path.join(DEMO_DIR, 'extensions');
  fs.rmSync(extensionsDir, { recursive: true, force: true });
  installExtension(extensionsDir, REPO_ROOT);

  if (!(await isPortFree(port))) {
    const requested = port;
    port = await findFreePort();
    process.stderr.write(`[demo] port ${requested} is in use, using ${port} instead\n`);
  }

  const logFile = path.join(DEMO_DIR, 'code-server.log');
  fs.rmSync(logFile, { force: true });
  process.stderr.write(
    `[demo] starting code-server on 127.0.0.1:${port} (log: ${path.relative(REPO_ROOT, logFile)})\n`,
  );
  const server = await startCodeServer({
    folder: SAMPLES_DIR,
    port,
    userDataDir: path.join(DEMO_DIR, 'user-data'),
    extensionsDir,
    logFile,
  });

  process.stdout.write(
    `\nTiny LLM is running in VS Code at:\n\n  ${server.url}?folder=${encodeURI(SAMPLES_DIR)}\n\n`,
  );
  process.stdout.write(
    'Open a sample, select some text and run "Tiny LLM: Predict Next Word" from the Command Palette (F1).\n',
  );
  process.stdout.write('Press Ctrl+C to stop.\n');

  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n[demo] ${signal} received, stopping code-server\n`);
    await server.stop();
    process.stderr.write('[demo] stopped\n');
    process.exit(0);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  server.process.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(
      `[demo] ERROR: code-server exited unexpectedly (code ${code}, signal ${signal}). See ${logFile}.\n`,
    );
    process.exit(1);
  });
}

main().catch((error) => {
  process.stderr.write(`[demo] ERROR: ${error.message}\n`);
  process.exit(1);
});
