#!/usr/bin/env node
// Installs a pinned code-server (VS Code in the browser) into .cache/ and
// starts it on loopback, for the demo and for the integration and
// end-to-end test layers.
//
// code-server 4.100.3 ships VS Code 1.100.3 and is the newest release whose
// `engines.node` is 20. Its own postinstall script is skipped because it
// rejects root and downloads ripgrep, so `installCodeServer()` runs the
// equivalent steps itself using only the npm registry.
//
// Usage: node scripts/code-server.js install

'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

const CODE_SERVER_VERSION = '4.100.3';
const REPO_ROOT = path.resolve(__dirname, '..');
const CACHE_DIR = path.join(REPO_ROOT, '.cache', `code-server-${CODE_SERVER_VERSION}`);
const PACKAGE_DIR = path.join(CACHE_DIR, 'node_modules', 'code-server');
const VSCODE_DIR = path.join(PACKAGE_DIR, 'lib', 'vscode');
const ENTRY_FILE = path.join(PACKAGE_DIR, 'out', 'node', 'entry.js');
const MARKER_FILE = path.join(CACHE_DIR, 'install-complete.json');
const SYSTEM_RIPGREP = '/usr/bin/rg';
const BUNDLED_RIPGREP = path.join(VSCODE_DIR, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');

// Native modules of VS Code's server that `--ignore-scripts` left unbuilt.
// `kerberos` is left out because only proxy authentication uses it.
const NATIVE_MODULES = ['@parcel/watcher', 'node-pty', '@vscode/spdlog', 'native-watchdog'];

// User settings that keep the workbench from reaching any host: no extension
// gallery, update checks, recommendations, telemetry, experiments or schema
// downloads. They also turn off the welcome page and walkthroughs on start.
const DEFAULT_USER_SETTINGS = {
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'json.schemaDownload.enable': false,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'security.workspace.trust.enabled': false,
  'git.autofetch': false,
  // The samples/ folder lies inside this repository, and the prompt to open
  // the parent repository would cover part of the workbench.
  'git.openRepositoryInParentFolders': 'never',
};

// Files of an extension folder that `installExtension()` copies when they
// exist, besides package.json and the entries of its `files` field.
const DEFAULT_EXTENSION_FILES = [
  'dist',
  'media',
  'README.md',
  'LICENSE',
  'LICENSE.md',
  'CHANGELOG.md',
];

const SERVER_START_TIMEOUT_MS = 60_000;
const SERVER_STOP_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 250;
const TERMINATION_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function log(message) {
  process.stderr.write(`[code-server] ${message}\n`);
}

/** Runs a command with its output sent to stderr, and throws if it fails. */
function runStep(description, command, args, options = {}) {
  log(`${description}: ${command} ${args.join(' ')} (in ${options.cwd || process.cwd()})`);
  const result = childProcess.spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (result.error) {
    throw new Error(`${description} failed to start ${command}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const reason = result.signal ? `signal ${result.signal}` : `exit code ${result.status}`;
    throw new Error(
      `${description} failed with ${reason}. Command: ${command} ${args.join(' ')} in ${options.cwd}`,
    );
  }
}

function readMarker() {
  try {
    return JSON.parse(fs.readFileSync(MARKER_FILE, 'utf8'));
  } catch {
    return undefined;
  }
}

function isInstalled() {
  const marker = readMarker();
  return (
    marker !== undefined && marker.version === CODE_SERVER_VERSION && fs.existsSync(ENTRY_FILE)
  );
}

/**
 * Copies Debian's ripgrep into VS Code's @vscode/ripgrep package, whose own
 * install script would download it. Without it Quick Open and search fail.
 * Returns whether ripgrep is in place.
 */
function installRipgrep() {
  if (!fs.existsSync(SYSTEM_RIPGREP)) {
    if (fs.existsSync(BUNDLED_RIPGREP)) {
      return true;
    }
    log(
      `WARNING: ${SYSTEM_RIPGREP} not found, so Quick Open (Ctrl+P) and search will not work in code-server.`,
    );
    log(
      'WARNING: install it with `apt-get install ripgrep`, then run `node scripts/code-server.js install` again.',
    );
    return false;
  }
  fs.mkdirSync(path.dirname(BUNDLED_RIPGREP), { recursive: true });
  fs.copyFileSync(SYSTEM_RIPGREP, BUNDLED_RIPGREP);
  fs.chmodSync(BUNDLED_RIPGREP, 0o755);
  return true;
}

/** Installs code-server into CACHE_DIR, redoing every step. */
function installCodeServer() {
  const started = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${CACHE_DIR}`);
  fs.rmSync(MARKER_FILE, { force: true });
  fs.mkdirSync(CACHE_DIR, { recursive: true });

  // A package.json of its own keeps npm from treating the repository as the
  // project to install into.
  const manifest = {
    name: 'tiny-llm-code-server-cache',
    private: true,
    dependencies: { 'code-server': CODE_SERVER_VERSION },
  };
  fs.writeFileSync(path.join(CACHE_DIR, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const npmFlags = ['--ignore-scripts', '--no-audit', '--no-fund'];
  runStep('install code-server', 'npm', ['install', ...npmFlags], { cwd: CACHE_DIR });
  runStep('install VS Code server dependencies', 'npm', ['install', '--omit=dev', ...npmFlags], {
    cwd: VSCODE_DIR,
  });

  // The server loads its dependencies from node_modules.asar, as the desktop
  // build packs them, so point that name at the unpacked folder.
  const asarLink = path.join(VSCODE_DIR, 'node_modules.asar');
  fs.rmSync(asarLink, { force: true, recursive: true });
  fs.symlinkSync('node_modules', asarLink);

  // node-pty's build script runs `npx node-gyp`, which would prompt without
  // npm_config_yes.
  runStep('build native modules', 'npm', ['rebuild', ...NATIVE_MODULES], {
    cwd: VSCODE_DIR,
    env: { npm_config_yes: 'true' },
  });
  runStep(
    'install built-in extension dependencies',
    'npm',
    ['install', '--omit=dev', ...npmFlags],
    {
      cwd: path.join(VSCODE_DIR, 'extensions'),
    },
  );
  runStep('build argon2', 'npm', ['rebuild', 'argon2'], { cwd: CACHE_DIR });

  const ripgrep = installRipgrep();
  const marker = { version: CODE_SERVER_VERSION, ripgrep, installedAt: new Date().toISOString() };
  fs.writeFileSync(MARKER_FILE, `${JSON.stringify(marker, null, 2)}\n`);
  log(
    `installed code-server ${CODE_SERVER_VERSION} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

/**
 * Installs code-server unless the marker file records a complete install
 * of this version, and returns the path of its entry script. Ripgrep is copied on
 * every call, so installing Debian's package later is enough.
 */
function ensureCodeServer() {
  if (isInstalled()) {
    log(`reusing code-server ${CODE_SERVER_VERSION} in ${CACHE_DIR}`);
    installRipgrep();
  } else {
    installCodeServer();
  }
  return ENTRY_FILE;
}

function readManifest(folder) {
  const manifestPath = path.join(folder, 'package.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`Extension manifest not found: ${manifestPath}`);
  }
  return JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
}

/**
 * Copies the extension in `sourceDir` into `extensionsDir` as
 * `publisher.name-version`, the layout VS Code scans, replacing any installed
 * version of the same extension. Copies package.json, the entries of its
 * `files` field and the usual extension files (dist, media, README, LICENSE,
 * CHANGELOG) that exist. Returns the installed folder.
 */
function installExtension(extensionsDir, sourceDir) {
  const manifest = readManifest(sourceDir);
  for (const field of ['publisher', 'name', 'version']) {
    if (typeof manifest[field] !== 'string' || manifest[field] === '') {
      throw new Error(
        `Extension manifest ${path.join(sourceDir, 'package.json')} is missing "${field}".`,
      );
    }
  }
  const prefix = `${manifest.publisher}.${manifest.name}-`;
  const target = path.join(extensionsDir, `${prefix}${manifest.version}`);

  fs.mkdirSync(extensionsDir, { recursive: true });
  for (const entry of fs.readdirSync(extensionsDir)) {
    if (entry.toLowerCase().startsWith(prefix.toLowerCase())) {
      fs.rmSync(path.join(extensionsDir, entry), { recursive: true, force: true });
    }
  }

  const entries = new Set(['package.json', ...(manifest.files || []), ...DEFAULT_EXTENSION_FILES]);
  fs.mkdirSync(target, { recursive: true });
  for (const entry of entries) {
    const from = path.join(sourceDir, entry);
    if (fs.existsSync(from)) {
      fs.cpSync(from, path.join(target, entry), { recursive: true });
    }
  }

  if (manifest.main) {
    const main = path.join(target, manifest.main);
    if (!fs.existsSync(main) && !fs.existsSync(`${main}.js`)) {
      throw new Error(
        `Extension ${prefix}${manifest.version} has no main file ${manifest.main} in ${sourceDir}. Run \`npm run build\` first.`,
      );
    }
  }
  return target;
}

/** Writes the default settings into `userDataDir/User/settings.json`, keeping other settings found there. */
function writeUserSettings(userDataDir, extraSettings = {}) {
  const settingsPath = path.join(userDataDir, 'User', 'settings.json');
  let existing = {};
  if (fs.existsSync(settingsPath)) {
    try {
      existing = JSON.parse(fs.readFileSync(settingsPath, 'utf8'));
    } catch (error) {
      throw new Error(
        `User settings ${settingsPath} are not valid JSON (${error.message}). Fix or delete the file.`,
      );
    }
  }
  const settings = { ...existing, ...DEFAULT_USER_SETTINGS, ...extraSettings };
  fs.mkdirSync(path.dirname(settingsPath), { recursive: true });
  fs.writeFileSync(settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
}

/** Resolves to whether `port` on 127.0.0.1 can be listened on now. */
function isPortFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves to a port on 127.0.0.1 that the system reports free. */
function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves to the HTTP status of a GET on `url`, or undefined if the connection failed. */
function probe(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(undefined));
  });
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts code-server on 127.0.0.1 and resolves once its /healthz endpoint
 * responds with 200. Output goes to `logFile` when given, else to stderr.
 *
 * Options: `folder` (opened by default), `port` (0 or missing picks a free
 * one), `userDataDir`, `extensionsDir`, `env` (added to the server's
 * environment, which its extension host inherits), `settings` (user
 * settings added to the default ones), `logFile`, `timeoutMs`.
 * Resolves to `{ url, port, process, stop() }`, where `url` is the
 * workbench address without a query and `stop()` ends the server's whole
 * process group.
 */
async function startCodeServer(options) {
  const {
    folder,
    userDataDir,
    extensionsDir,
    env = {},
    settings = {},
    logFile,
    timeoutMs = SERVER_START_TIMEOUT_MS,
  } = options;
  if (!userDataDir || !extensionsDir) {
    throw new Error('startCodeServer needs userDataDir and extensionsDir.');
  }
  if (!fs.existsSync(ENTRY_FILE)) {
    throw new Error(
      `code-server is not installed (${ENTRY_FILE} not found). Run \`node scripts/code-server.js install\`.`,
    );
  }
  const port = options.port || (await findFreePort());
  writeUserSettings(userDataDir, settings);
  fs.mkdirSync(extensionsDir, { recursive: true });

  // --config inside the user data folder keeps code-server from writing
  // ~/.config/code-server/config.yaml.
  const args = [
    ENTRY_FILE,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--config',
    path.join(userDataDir, 'code-server.yaml'),
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
  ];
  if (folder) {
    args.push(folder);
  }

  let output = process.stderr;
  if (logFile) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    output = fs.openSync(logFile, 'a');
  }

  // An empty gallery service URL turns off the extension marketplace.
  // XDG_DATA_HOME moves code-server's own logs and heartbeat file from
  // ~/.local/share/code-server into the user data folder. The server runs
  // in its own process group so that stop() can end it together with its
  // extension host, pty host and file watcher.
  const server = childProcess.spawn(process.execPath, args, {
    env: {
      ...process.env,
      EXTENSIONS_GALLERY: '{"serviceUrl":""}',
      XDG_DATA_HOME: path.join(userDataDir, 'xdg-data'),
      ...env,
    },
    stdio: ['ignore', output, output],
    detached: true,
  });
  if (typeof output === 'number') {
    fs.closeSync(output);
  }

  let exited = false;
  const exitPromise = new Promise((resolve) => {
    server.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });

  const signalGroup = (signal) => {
    try {
      process.kill(-server.pid, signal);
    } catch (error) {
      if (error.code !== 'ESRCH') throw error;
    }
  };

  // The detached group would outlive this process, so end it when this
  // process exits or gets a termination signal. A signal that no other
  // listener handles is raised again, so the process still ends as usual.
  const onExit = () => signalGroup('SIGTERM');
  const onSignal = (signal) => {
    signalGroup('SIGTERM');
    if (process.listenerCount(signal) === 1) {
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    }
  };
  process.once('exit', onExit);
  for (const signal of TERMINATION_SIGNALS) {
    process.on(signal, onSignal);
  }
  const removeListeners = () => {
    process.removeListener('exit', onExit);
    for (const signal of TERMINATION_SIGNALS) {
      process.removeListener(signal, onSignal);
    }
  };

  const stop = async () => {
    // The group can outlive the server's main process, so it is signalled
    // even after that process exited.
    signalGroup('SIGTERM');
    if (exited) {
      removeListeners();
      return;
    }
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(resolve, SERVER_STOP_TIMEOUT_MS, 'timeout');
    });
    const outcome = await Promise.race([exitPromise, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      log(
        `code-server (pid ${server.pid}) did not stop within ${SERVER_STOP_TIMEOUT_MS} ms of SIGTERM, sending SIGKILL`,
      );
      signalGroup('SIGKILL');
      await exitPromise;
    }
    removeListeners();
  };

  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      const { code, signal } = await exitPromise;
      const where = logFile ? `\nLast lines of ${logFile}:\n${tail(logFile)}` : '';
      throw new Error(
        `code-server exited before it responded on ${url} (code ${code}, signal ${signal}).${where}`,
      );
    }
    if ((await probe(`${url}healthz`)) === 200) {
      break;
    }
    if (Date.now() > deadline) {
      await stop();
      const where = logFile ? `\nLast lines of ${logFile}:\n${tail(logFile)}` : '';
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for code-server to respond on ${url}healthz.${where}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return { url, port, process: server, stop };
}

module.exports = {
  CODE_SERVER_VERSION,
  CACHE_DIR,
  REPO_ROOT,
  ensureCodeServer,
  installCodeServer,
  installExtension,
  startCodeServer,
  writeUserSettings,
  findFreePort,
  isPortFree,
};

if (require.main === module) {
  const [command] = process.argv.slice(2);
  if (command !== 'install') {
    process.stderr.write('Usage: node scripts/code-server.js install\n');
    process.stderr.write(
      `Installs code-server ${CODE_SERVER_VERSION} into ${path.relative(process.cwd(), CACHE_DIR) || CACHE_DIR}, or reuses a complete install there.\n`,
    );
    process.exit(2);
  }
  try {
    ensureCodeServer();
  } catch (error) {
    process.stderr.write(`[code-server] ERROR: ${error.message}\n`);
    process.exit(1);
  }
}
