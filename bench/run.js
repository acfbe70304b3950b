#!/usr/bin/env node
// Runs the benchmark. `npm run bench` times every configuration of
// bench/configs.json in Node, each in a fresh process (so that peak memory
// is per configuration), and prints one JSON line per configuration to
// stdout. `npm run bench:compare` (--compare) also runs numpy on the forward
// rows and PyTorch on the training rows in the same run, prints their JSON
// lines and the extension's activation time (bench/activation.js), and then
// prints a Markdown table of times and ratios. Everything else goes to stderr.
//
// Usage: node bench/run.js [--compare] [--check] [--copy] [--relaxed-simd] [NAME...]
//   --check         add max_abs_diff: the largest difference of any forward
//                   stage between the WebAssembly kernels and the readable ones
//   --copy          copy every forward pass's stages out of the kernels'
//                   memory into a new buffer, as the inspector does, instead
//                   of reusing that memory. Those rows have "outputs": "copied".
//   --relaxed-simd  run Node with --experimental-wasm-relaxed-simd, so that the
//                   matrix product fuses its multiply-adds, as V8 11.4 and
//                   later (Node 22, VS Code's Electron) do by default. Those
//                   rows have runtime "node-relaxed-simd". --compare runs Node
//                   both ways.
//   NAME            run only these configurations
// Environment: BENCH_NUMPY_PYTHON and BENCH_TORCH_PYTHON choose the Python
// executables. By default numpy runs on `python3`, and PyTorch on the first
// of `python3` and /usr/bin/python3 that imports torch.
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const esbuild = require('esbuild');
const { compileKernels } = require('../src/model/kernels/wat/compile');
const configs = require('./configs.json');

const ROOT = path.resolve(__dirname, '..');
const NODE_CASE = path.join(ROOT, 'out', 'bench', 'nodeCase.js');

async function buildNodeCase() {
  await compileKernels();
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'nodeCase.ts')],
    outfile: NODE_CASE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
}

/** Runs a command and returns its stdout's JSON lines; stderr passes through. */
function runJsonLines(command, args, env = process.env) {
  const result = childProcess.spawnSync(command, args, {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (result.error) {
    throw new Error(`${command} failed to start: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result.stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Returns the first Python executable that imports `module`, or undefined. */
function findPython(module, override) {
  const candidates = override ? [override] : ['python3', '/usr/bin/python3'];
  return candidates.find(
    (python) =>
      childProcess.spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0,
  );
}

/**
 * Returns the median of 5 runs of bench/activation.js, each in a fresh
 * process, or undefined when dist/extension.js is missing.
 */
function measureActivation() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) {
    process.stderr.write('dist/extension.js is missing; run npm run build to time activation\n');
    return undefined;
  }
  const runs = [];
  for (let run = 0; run < 5; run++) {
    runs.push(...runJsonLines(process.execPath, [path.join(__dirname, 'activation.js')]));
  }
  runs.sort((a, b) => a.total_ms - b.total_ms);
  const median = runs[Math.floor(runs.length / 2)];
  printRow(median);
  return median;
}

function printRow(row) {
  process.stdout.write(JSON.stringify(row) + '\n');
}

/** Formats milliseconds with four significant digits, or two below 0.1 ms. */
function formatMs(ms) {
  if (ms >= 1000) {
    return Math.round(ms).toLocaleString('en');
  }
  return String(Number(ms.toPrecision(ms < 0.1 ? 2 : 4)));
}

/** Returns the Markdown table of Node's rows beside numpy's or PyTorch's. */
function comparisonTable(nodeRows, otherRows) {
  const lines = [
    '| config | Node ms | numpy / PyTorch ms | Node ÷ other time | Node tokens/s | other tokens/s | Node GFLOP/s | Node peak MiB | other peak MiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const node of nodeRows) {
    const other = otherRows.find((row) => row.name === node.name);
    const cells = [
      node.runtime === 'node' ? node.name : `${node.name}, relaxed SIMD`,
      formatMs(node.ms),
      other ? `${formatMs(other.ms)} (${other.runtime})` : 'not run',
      other ? (node.ms / other.ms).toFixed(3) : '',
      node.tokens_per_s ?? '',
      other?.tokens_per_s ?? '',
      node.gflops,
      node.peak_mb,
      other?.peak_mb ?? '',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const compare = args.includes('--compare');
  // Options that bench/nodeCase.ts reads.
  const caseOptions = args.filter((arg) => arg === '--check' || arg === '--copy');
  const names = args.filter((arg) => !arg.startsWith('--'));
  const unknown = names.filter((name) => !configs.some((config) => config.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown configuration ${unknown.join(', ')}; see bench/configs.json`);
  }
  const selected = configs.filter((config) => names.length === 0 || names.includes(config.name));

  await buildNodeCase();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stderr.write(
    `${cpu}, ${os.cpus().length} CPUs, Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );

  const relaxed = ['--experimental-wasm-relaxed-simd'];
  const nodeFlags = compare ? [[], relaxed] : args.includes('--relaxed-simd') ? [relaxed] : [[]];
  const nodeRows = [];
  for (const flags of nodeFlags) {
    for (const config of selected) {
      process.stderr.write(`${['node', ...flags].join(' ')}: ${config.name}\n`);
      const caseArgs = [...flags, '--expose-gc', NODE_CASE, config.name, ...caseOptions];
      for (const row of runJsonLines(process.execPath, caseArgs)) {
        printRow(row);
        nodeRows.push(row);
      }
    }
  }
  if (!compare) {
    return;
  }

  const otherRows = [];
  const forwardNames = selected.filter((c) => c.kind === 'forward').map((c) => c.name);
  const trainNames = selected.filter((c) => c.kind === 'train').map((c) => c.name);
  if (forwardNames.length > 0) {
    const python = findPython('numpy', process.env.BENCH_NUMPY_PYTHON);
    if (python === undefined) {
      throw new Error('no Python with numpy found; set BENCH_NUMPY_PYTHON');
    }
    // OpenBLAS reads these at load time; a forced core type slows a current numpy.
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const script = path.join(__dirname, 'bench_numpy.py');
    for (const row of runJsonLines(python, [script, ...forwardNames], env)) {
      printRow(row);
      otherRows.push(row);
    }
  }
  if (trainNames.length > 0) {
    const python = findPython('torch', process.env.BENCH_TORCH_PYTHON);
    if (python === undefined) {
      process.stderr.write(
        'no Python with PyTorch found (Debian: apt-get install python3-torch); skipping the training comparison\n',
      );
    } else {
      const script = path.join(__dirname, 'bench_torch.py');
      for (const row of runJsonLines(python, [script, ...trainNames])) {
        printRow(row);
        otherRows.push(row);
      }
    }
  }
  const activation = measureActivation();
  process.stderr.write(
    `load average after the run: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  process.stdout.write('\n' + comparisonTable(nodeRows, otherRows) + '\n');
  if (activation !== undefined) {
    process.stdout.write(
      `\nActivation (bench/activation.js, median of 5): ${activation.total_ms} ms ` +
        `(require ${activation.require_ms} ms, activate ${activation.activate_ms} ms)\n`,
    );
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
