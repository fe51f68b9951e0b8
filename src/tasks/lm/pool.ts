// Where the LM worker lives and how to start it: the .ts file under tsx (tests, dev) or the
// compiled .js. Workers started from vitest do not inherit tsx, so the loader is passed
// explicitly as an absolute URL (stack-facts §4).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export function lmWorkerFilename(): string {
  return new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url).href;
}

/** Piscina options for the LM worker: `new Piscina({ ...lmPoolOptions(), maxThreads: n, minThreads: n })`. */
export function lmPoolOptions(): { filename: string; execArgv: string[] } {
  const filename = lmWorkerFilename();
  if (!filename.endsWith('.ts')) return { filename, execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { filename, execArgv: ['--import', tsx] };
}
