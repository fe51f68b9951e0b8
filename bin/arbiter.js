#!/usr/bin/env node
// The `arbiter` executable. Runs the compiled build (dist/, made by `npm run build`, or on
// `npm install` through `prepare`) when it is complete and no source file is newer than it;
// otherwise runs the TypeScript sources through tsx (a slower start: tsx compiles on load).
// A bare `arbiter --help` is served from dist/help.txt (what yargs printed at build time), and a
// bare `arbiter --version` from package.json (what yargs prints), so neither loads the engine.
// ARBITER_FROM_SOURCE=1 forces the sources (the test suite sets it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBuild } from './fresh-build.js';

const root = fileURLToPath(new URL('../', import.meta.url));

const args = process.argv.slice(2);
// src/cli/main.ts wraps help at min(110, columns || 100); dist/help.txt was printed at 100.
const columns = process.stdout.columns;
const helpFromCache = args.length === 1 && args[0] === '--help' && (!columns || columns === 100);

if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version}\n`);
} else if (!process.env.ARBITER_FROM_SOURCE && freshBuild(root)) {
  let served = false;
  if (helpFromCache) {
    try { process.stdout.write(readFileSync(path.join(root, 'dist', 'help.txt'))); served = true; } catch { /* no cache: yargs prints it */ }
  }
  if (!served) await import(pathToFileURL(path.join(root, 'dist', 'src', 'cli', 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
