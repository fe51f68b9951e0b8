// Where language-model inference runs: the LM counterpart of executor.ts, with the same two
// modes. `process` (the default): the IsolatedPool's warm child processes, each hosting the LM
// runner under the spec's limits (a wall clock per submission across all its batches, a batch
// clock, RSS polling and RLIMIT_AS), killed on expiry. `thread`: piscina worker threads, no hard
// limits. Both run the same runner (src/tasks/lm/run-task.ts) with the same session options and
// give the same bits.
import path from 'node:path';
import { Piscina } from 'piscina';
import { ArbiterError } from '../../errors.ts';
import { IsolatedPool } from '../../inference/isolation/pool.ts';
import type { IsolationLimits } from '../../inference/isolation/runner.ts';
import { lmPoolOptions } from './pool.ts';
import type { LmRunTask, LmTaskMessage, LmTaskResult } from './run-task.ts';
import { lmKindOf } from './model-kind.ts';
import type { Isolation } from '../../inference/executor.ts';

export interface LmExecutor {
  readonly kind: Isolation;
  /** score one batch; never rejects for a submission's fault: failures come back as { ok: false, error } */
  run(msg: LmTaskMessage): Promise<LmTaskResult>;
  /** call only once every run() has settled */
  close(): Promise<void>;
}

/**
 * LM children are limited by resident memory (VmRSS polled), not by address space: with the
 * Qwen-vocabulary demo (logits [batch, seq, 151669]) a child needed RLIMIT_AS above 18 GiB to
 * score normally (measured: memoryLimitMb 2048 + 16384 MiB headroom failed, + 18144 passed)
 * while transformers.js under tsx alone reserves 3.95 GB; an address-space cap would fail honest
 * models. A single huge allocation still fails at once (the kernel refuses it) as E_MEMORY_LIMIT.
 */
export function createLmExecutor(kind: Isolation, workers: number, limits: IsolationLimits): LmExecutor {
  if (!Number.isInteger(workers) || workers < 1) throw new ArbiterError('E_USAGE', `--workers must be a positive integer, found ${workers}`);
  if (kind === 'thread') {
    const pool = new Piscina({ ...lmPoolOptions(), minThreads: workers, maxThreads: workers, concurrentTasksPerWorker: 1, idleTimeout: 60_000 });
    return {
      kind,
      run: (msg) => (pool.run(msg) as Promise<LmTaskResult>).catch((): LmTaskResult => ({
        // the thread's own error text is not quoted: it may come from the model's run
        ok: false, error: { code: 'E_WORKER_CRASH', message: 'the worker thread running this submission died' },
      })),
      close: () => pool.destroy(),
    };
  }
  if (kind !== 'process') throw new ArbiterError('E_USAGE', `--isolation must be process or thread, found ${String(kind)}`);
  // A 2 MiB young generation (V8's default is 16 MiB per semi-space): an LM child's heap is mostly
  // the long-lived parsed tokenizer, and the smaller nursery cut a worker's peak RSS on the
  // qwen-chat-demo batches from 415 to 386 MB at the same speed (docs/language-models.md §7). GC
  // settings change no value.
  const pool = new IsolatedPool({ size: workers, limits, addressSpaceLimit: 'none', nodeFlags: ['--max-semi-space-size=2'] });
  return {
    kind,
    async run(msg) {
      const folder = path.resolve(msg.folder);
      const { folder: _given, ...task } = msg;
      let scored: LmTaskResult | null = null;
      const outcome = await pool.run({
        submission: folder,
        model: { runner: 'lm', folder, lmKind: lmKindOf(msg.kind) },
        lm: task as LmRunTask,
        onResult: (r) => { scored = r; },
      });
      if (!outcome.ok) return { ok: false, error: outcome.error };
      return scored ?? { ok: false, error: { code: 'E_INTERNAL', message: 'the LM runner finished a batch without scores' } };
    },
    close: () => pool.close(),
  };
}
