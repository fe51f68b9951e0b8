// Where inference runs. `process` (the default): warm child processes, one per worker, each
// under the spec's wall-clock and memory limits, killed on expiry; a model that crashes native
// code takes down only its child. `thread`: piscina worker threads, faster to start, no hard
// limits (onnxruntime cannot be stopped mid-run inside a thread). Both run the same sessions
// with the same options and give the same bits.
import { ArbiterError } from '../errors.ts';
import { createPool } from './pool.ts';
import { IsolatedPool } from './isolation/pool.ts';
import type { IsolationLimits, WireFeeds } from './isolation/runner.ts';
import { batchCount, batchInputs, ChunkOutputBuilder } from './batch.ts';
import { GRAPH_OPTIMIZATION_LEVEL, type InferenceResult, type InferenceTask } from './task.ts';

export type Isolation = 'process' | 'thread';

export interface Executor {
  readonly kind: Isolation;
  /** never rejects for a submission's fault: failures come back as { ok: false, error } */
  run(task: InferenceTask): Promise<InferenceResult>;
  /** call only once every run() has settled */
  close(): Promise<void>;
}

export function createExecutor(kind: Isolation, workers: number, limits: IsolationLimits, workerFile?: string): Executor {
  if (kind === 'thread') {
    const pool = createPool(workers, workerFile);
    return {
      kind,
      run: (task) => pool.run(task, { transferList: task.inputs.map((i) => i.data.buffer as ArrayBuffer) }) as Promise<InferenceResult>,
      close: () => pool.destroy(),
    };
  }
  if (kind !== 'process') throw new ArbiterError('E_USAGE', `--isolation must be process or thread, found ${String(kind)}`);
  if (workerFile) throw new ArbiterError('E_USAGE', 'a custom worker module needs --isolation thread');
  const pool = new IsolatedPool({ size: workers, limits, graphOptimizationLevel: GRAPH_OPTIMIZATION_LEVEL, batchesPerMessage: 16 });
  return {
    kind,
    async run(task) {
      const out = new ChunkOutputBuilder(task);
      let bad: ReturnType<ChunkOutputBuilder['add']> = null;
      const outcome = await pool.run({
        submission: task.modelSha256,
        model: task.modelPath,
        batches: batchCount(task),
        fetches: [task.output.name],
        feeds: (i): WireFeeds => Object.fromEntries(batchInputs(task, i).map((b) => [b.name, { type: b.dtype, dims: b.dims, data: b.data }])),
        onBatch: (i, outputs) => {
          if (bad) return;
          const t = outputs[task.output.name];
          bad = t
            ? out.add(i, t.type, t.dims, t.data as Float32Array | Float64Array)
            : { code: 'E_MODEL_CONTRACT', message: `expected an output named "${task.output.name}", the model gave ${Object.keys(outputs).join(', ') || 'none'}` };
          if (bad) throw new ArbiterError(bad.code, bad.message, bad.details);
        },
      });
      if (bad) return { ok: false, error: bad };
      if (!outcome.ok) return { ok: false, error: outcome.error };
      return { ok: true, output: out.result() };
    },
    close: () => pool.close(),
  };
}
