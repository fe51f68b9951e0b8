#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm install` / `npm ci` build it): compiles src/ and
// scoring/ to dist/ with tsc, copies the non-TypeScript files the code loads at run time
// (*.mjs, *.json under src/ and scoring/), saves the top-level help text (dist/help.txt), and
// lists the sources tsc compiled from outside src/ and scoring/ (reached by an import, e.g. the
// demo data generators under datasets/) in dist/BUILD_INPUTS.json, and writes dist/BUILD_STAMP
// last, so that bin/arbiter.js only ever runs a complete build that is not older than its sources. Without TypeScript (a production install)
// it does nothing: bin/arbiter.js then runs the sources through tsx.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
let tsc;
try { tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc'); } catch {
  console.log('arbiter build: typescript is not installed; skipping (bin/arbiter.js runs the sources through tsx)');
  process.exit(0);
}
rmSync(path.join(dist, 'BUILD_STAMP'), { force: true });
rmSync(path.join(dist, 'help.txt'), { force: true });
rmSync(path.join(dist, 'BUILD_INPUTS.json'), { force: true });
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
let copied = 0;
for (const top of ['src', 'scoring']) {
  for (const e of readdirSync(path.join(root, top), { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !/\.(mjs|cjs|json)$/.test(e.name)) continue;
    const from = path.join(e.parentPath ?? e.path, e.name);
    const to = path.join(dist, path.relative(root, from));
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
    copied++;
  }
}
// bin/fresh-build.js walks src/ and scoring/; any other compiled source is listed for it here.
const inputs = [];
for (const e of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!e.isFile() || !e.name.endsWith('.js')) continue;
  const rel = path.relative(dist, path.join(e.parentPath ?? e.path, e.name));
  const top = rel.split(path.sep)[0];
  if (top === 'src' || top === 'scoring') continue;
  const source = rel.replace(/\.js$/, '.ts');
  if (existsSync(path.join(root, source))) inputs.push(source.split(path.sep).join('/'));
}
writeFileSync(path.join(dist, 'BUILD_INPUTS.json'), `${JSON.stringify(inputs.sort(), null, 1)}\n`);
// `arbiter --help` as yargs prints it to a pipe (width 100): bin/arbiter.js serves it from this
// file when the output would be the same, so a bare `--help` need not load yargs at all.
const help = spawnSync(process.execPath, [path.join(dist, 'src/cli/main.js'), '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
if (help.status !== 0) process.exit(help.status ?? 1);
writeFileSync(path.join(dist, 'help.txt'), help.stdout);
writeFileSync(path.join(dist, 'BUILD_STAMP'), `${new Date().toISOString()}\n`);
console.log(`arbiter build: dist/ ready (${copied} asset file${copied === 1 ? '' : 's'} copied)`);
if (!existsSync(path.join(dist, 'src/cli/main.js'))) process.exit(1);
