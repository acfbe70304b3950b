#!/usr/bin/env node
// Times loading dist/extension.js and running its `activate` in plain Node,
// with a stand-in for the `vscode` module: an object whose namespaces and
// classes are callable proxies at any depth, so each API call returns at once. The time is the
// extension's own share of activation (module evaluation and `activate`),
// without VS Code's extension host. Prints one JSON line; run `npm run build`
// first. Usage: node bench/activation.js
'use strict';

const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const EXTENSION = path.resolve(__dirname, '..', 'dist', 'extension.js');

/** Returns a proxy that can be called, constructed and read at any depth. */
function standIn(name) {
  const target = function () {};
  return new Proxy(target, {
    get(_, property) {
      if (property === 'then') {
        return undefined; // not a promise, so `await` returns it at once
      }
      if (property === Symbol.toPrimitive) {
        return () => name;
      }
      return standIn(`${name}.${String(property)}`);
    },
    set: () => true,
    apply: () => standIn(`${name}()`),
    construct: () => standIn(`new ${name}`),
  });
}

/**
 * Returns a stand-in for each name that the `vscode` module exports, as
 * @types/vscode declares them, so that a minified bundle finds its names too.
 */
function standInModule() {
  const declarations = fs.readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8');
  const names = declarations.matchAll(
    /^\s*export (?:namespace|class|enum|const|function|let) (\w+)/gm,
  );
  return Object.fromEntries([...names].map(([, name]) => [name, standIn(`vscode.${name}`)]));
}

async function main() {
  const vscode = standInModule();
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
  const context = {
    subscriptions: [],
    extensionUri: standIn('uri'),
    globalStorageUri: standIn('uri'),
  };
  const start = performance.now();
  const extension = require(EXTENSION);
  const loaded = performance.now();
  await extension.activate(context);
  const activated = performance.now();
  const result = {
    name: 'activation',
    runtime: 'node',
    require_ms: Number((loaded - start).toFixed(2)),
    activate_ms: Number((activated - loaded).toFixed(2)),
    total_ms: Number((activated - start).toFixed(2)),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
