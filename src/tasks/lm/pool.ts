// Where the LM worker lives and how to start it: the .ts file under tsx (tests, dev) or the
// compiled .js (inference/entry.ts). Workers started from vitest do not inherit tsx, so the
// loader is passed explicitly as an absolute URL (stack-facts §4).
import { entryBeside } from '../../inference/entry.ts';

export function lmWorkerFilename(): string {
  return entryBeside(import.meta.url, './worker').url;
}

/** Piscina options for the LM worker: `new Piscina({ ...lmPoolOptions(), maxThreads: n, minThreads: n })`. */
export function lmPoolOptions(): { filename: string; execArgv: string[] } {
  const { url, execArgv } = entryBeside(import.meta.url, './worker');
  return { filename: url, execArgv };
}
