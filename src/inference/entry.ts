// Where a worker thread or an isolated child process starts, and the node flags it needs: in a
// build, the compiled .js beside the caller; running from source, the .ts file through tsx.
// A source run with ARBITER_WORKERS_FROM_BUILD=1 (the test suite sets it in vitest.config.ts)
// starts them from the compiled build in dist/ instead, when that build is fresh (complete and
// not older than any source: bin/fresh-build.js, checked on every call), so that the same code
// runs without tsx hooking every module each thread and child imports (about 2 s of CPU per
// transformers.js import). A stale or missing build falls back to the sources.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** The package root (this file is src/inference/entry.ts there). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

type FreshBuild = (root: string) => boolean;
// bin/fresh-build.js is plain JS outside src/ (no dependencies): a source run loads it up front
const freshBuild: FreshBuild | null = FROM_SOURCE
  ? ((await import(pathToFileURL(path.join(ROOT, 'bin', 'fresh-build.js')).href)) as { freshBuild: FreshBuild }).freshBuild
  : null;

/**
 * The entry `name` (e.g. './worker', no extension) beside the module at `callerUrl`: its file URL,
 * and the execArgv that loads it (tsx for a .ts file, nothing for compiled JS).
 */
export function entryBeside(callerUrl: string, name: string): { url: string; execArgv: string[] } {
  if (!callerUrl.endsWith('.ts')) return { url: new URL(`${name}.js`, callerUrl).href, execArgv: [] };
  const source = fileURLToPath(new URL(`${name}.ts`, callerUrl));
  if (freshBuild && process.env.ARBITER_WORKERS_FROM_BUILD === '1' && freshBuild(ROOT)) {
    const compiled = path.join(ROOT, 'dist', path.relative(ROOT, source).replace(/\.ts$/, '.js'));
    if (existsSync(compiled)) return { url: pathToFileURL(compiled).href, execArgv: [] };
  }
  return { url: pathToFileURL(source).href, execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] };
}
