// Bundles the entry points: the extension (Node, CommonJS, with the `vscode`
// module left to the host), the inspector's webview script (browser), the
// training worker and the command-line tool. `--watch` rebuilds on change,
// `--production` minifies. Before bundling, the WebAssembly kernels' text
// files are compiled into src/model/kernels/wasmBinary.ts, which the bundles
// embed.
const esbuild = require('esbuild');
const { compileKernels } = require('./src/model/kernels/wat/compile');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const shared = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  logLevel: 'info',
};

const builds = [
  {
    ...shared,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...shared,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    ...shared,
    entryPoints: ['src/training/trainWorker.ts'],
    outfile: 'dist/trainWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...shared,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
];

async function main() {
  await compileKernels();
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  if (watch) {
    await Promise.all(contexts.map((context) => context.watch()));
    return;
  }
  await Promise.all(contexts.map((context) => context.rebuild()));
  await Promise.all(contexts.map((context) => context.dispose()));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
