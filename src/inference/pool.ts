// The piscina pool of inference workers. Workers run TypeScript sources through tsx when arbiter
// runs from source, plain JS when compiled (entry.ts). The pool is destroyed only after every task settled:
// terminating a worker inside an onnxruntime call aborts the process.
import { Piscina } from 'piscina';
import { ArbiterError } from '../errors.ts';
import { entryBeside } from './entry.ts';

export { defaultWorkerCount } from './defaults.ts';

export function workerFileUrl(): string {
  return entryBeside(import.meta.url, './worker').url;
}

export function createPool(workers: number, filename = workerFileUrl()): Piscina {
  if (!Number.isInteger(workers) || workers < 1 || workers > 1024) {
    throw new ArbiterError('E_USAGE', `--workers must be an integer from 1 to 1024, found ${workers}`);
  }
  const execArgv = filename.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  return new Piscina({
    filename,
    minThreads: workers,
    maxThreads: workers,
    // Two tasks per worker: piscina keeps its queue in the main thread, so with one the worker
    // idles from each task's end until the main thread (busy folding) posts the next. The worker
    // runs its two tasks one after the other (worker.ts), so one is always ready to start.
    concurrentTasksPerWorker: 2,
    idleTimeout: 60_000,
    execArgv,
  });
}
