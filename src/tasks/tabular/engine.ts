// What a tabular run opens for its ONNX models: the inference executor (worker threads or
// isolated child processes, src/inference/executor.ts) and, when the machine has cores for them,
// the fold threads (fold-threads.ts); closed together at the run's end.
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { createExecutor, type Executor, type Isolation } from '../../inference/executor.ts';
import { DEFAULT_LIMITS } from '../../inference/isolation/runner.ts';
import type { Closeable, RunHooks } from '../task-kind.ts';
import { FoldThreads, foldThreadCount } from './fold-threads.ts';

export interface TabularEngine extends Closeable {
  inference: Executor;
  /** null: chunks are folded on the main thread */
  folds: FoldThreads | null;
}

export function openTabularEngine(b: LoadedBenchmark, opts: { isolation: Isolation; workers: number; hooks?: RunHooks }): TabularEngine {
  const limits = { ...DEFAULT_LIMITS, ...b.spec.limits };
  const threads = opts.hooks?.foldThreads ?? foldThreadCount(opts.workers);
  // A decrypted set's rows never go to a disk: its inputs file only to a memory-backed one.
  const inference = createExecutor(opts.isolation, opts.workers, limits, { workerFile: opts.hooks?.workerFile, memoryOnlyInputs: b.spec.dataset.encrypted === true });
  const folds = threads > 0 ? new FoldThreads(b.spec, threads) : null;
  return {
    inference,
    folds,
    async close() { await Promise.all([inference.close(), folds?.close()]); },
  };
}
