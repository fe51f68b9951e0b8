#!/usr/bin/env node
// The `arbiter` executable. Runs the compiled build (dist/, made by `npm run build`, or on
// `npm install` through `prepare`) when it is complete and no source file is newer than it;
// otherwise runs the TypeScript sources through tsx (a slower start: tsx compiles on load).
// ARBITER_FROM_SOURCE=1 forces the sources (the test suite sets it).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBuild } from './fresh-build.js';

const root = fileURLToPath(new URL('../', import.meta.url));

if (!process.env.ARBITER_FROM_SOURCE && freshBuild(root)) {
  await import(pathToFileURL(path.join(root, 'dist', 'src', 'cli', 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
