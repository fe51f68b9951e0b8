// Where inference runs. `process` (the default): warm child processes, one per worker, each
// under the spec's wall-clock and memory limits, killed on expiry; a model that crashes native
// code takes down only its child. `thread`: piscina worker threads, faster to start, no hard
// limits (onnxruntime cannot be stopped mid-run inside a thread). Both run the same sessions
// with the same options and give the same bits.
// Inputs reach workers without a copy per chunk (shared-inputs.ts): a job names a row range of an
// input window. Threads read the window's shared memory in place; child processes read the
// window's inputs file (shm-inputs.ts), which `share` writes once per window, or, when there is
// no memory-backed place for it, get the rows over IPC as before. Outputs go into the job's slab:
// a thread writes them there; a child that reads an inputs file writes them into its outputs file
// beside it, which the engine checks (dims and type against the contract) and reads into the slab
// (isolation/runner.ts FileTensor); without an inputs file they come back over IPC.
import path from 'node:path';
import { ArbiterError } from '../errors.ts';
import { createPool } from './pool.ts';
import { IsolatedPool } from './isolation/pool.ts';
import type { FileBatchOutputs, FileFeeds, FileTensor, IsolationLimits, WireFeeds } from './isolation/runner.ts';
import { columnOffsets, removeInputsFile, writeInputsFile } from './isolation/shm-inputs.ts';
import { batchCount, batchRange, ChunkOutputBuilder, rowWidth } from './batch.ts';
import { bytesPerValue, type InputWindow } from './shared-inputs.ts';
import { GRAPH_OPTIMIZATION_LEVEL, type ChunkJob, type InferenceResult, type InferenceTask } from './task.ts';

export type Isolation = 'process' | 'thread';

export interface Executor {
  readonly kind: Isolation;
  /** make a window's rows readable by the workers (idempotent); before the window's first job */
  share(window: InputWindow): void;
  /** every job of the window has settled: drop what share made for it */
  unshare(window: InputWindow): void;
  /** never rejects for a submission's fault: failures come back as { ok: false, error } */
  run(job: ChunkJob): Promise<InferenceResult>;
  /** call only once every run() has settled */
  close(): Promise<void>;
}

export interface ExecutorOptions {
  /** a worker module in place of worker.ts (threads only; a test seam) */
  workerFile?: string | undefined;
  /**
   * the rows are secret at rest (a decrypted set): an inputs file may only go to a memory-backed
   * file system; without one, rows go to the children over IPC
   */
  memoryOnlyInputs?: boolean;
  /** where inputs files go and whether that is memory (a test seam); default /dev/shm, else the OS temp dir */
  inputsDir?: { dir: string; memory: boolean };
  /** a child module in place of isolation/child.ts (processes only; a test seam) */
  childEntry?: string;
}

/** The worker-thread message for a job: the window's columns (shared memory, not copied) instead of the window. */
export function threadTask(job: ChunkJob): InferenceTask {
  const { window, ...rest } = job;
  return { ...rest, inputs: window.columns.map((c) => ({ name: c.name, dtype: c.dtype, rowShape: c.rowShape, data: c.data })) };
}

/** Batches per message to a child: at most 64, and a group's outputs at most 1 MiB (what its outputs file holds). */
const MAX_GROUP_BATCHES = 64;
const GROUP_OUTPUT_BYTES = 1024 * 1024;

/**
 * How many of a job's batches go to a child in one message (and one outputs-file read): one
 * message each way per group is the main thread's cost of a group, so small outputs get big
 * groups (64 batches of the bench's 256 x 4 floats instead of 16 took the main thread from
 * about 0.15 to 0.11 µs per row, under load); wide outputs get smaller ones, so the file stays
 * small. The wall-clock limit of a group is batchTimeoutMs x its batches.
 */
export function groupBatches(job: Pick<ChunkJob, 'batchSize' | 'output'>): number {
  const perBatch = job.batchSize * rowWidth(job.output.rowShape) * 8;
  return Math.max(1, Math.min(MAX_GROUP_BATCHES, Math.floor(GROUP_OUTPUT_BYTES / Math.max(1, perBatch))));
}

export function createExecutor(kind: Isolation, workers: number, limits: IsolationLimits, opts: ExecutorOptions = {}): Executor {
  if (kind === 'thread') {
    const pool = createPool(workers, opts.workerFile);
    return {
      kind,
      share: () => undefined,
      unshare: () => undefined,
      run: (job) => pool.run(threadTask(job)) as Promise<InferenceResult>,
      close: () => pool.destroy(),
    };
  }
  if (kind !== 'process') throw new ArbiterError('E_USAGE', `--isolation must be process or thread, found ${String(kind)}`);
  if (opts.workerFile) throw new ArbiterError('E_USAGE', 'a custom worker module needs --isolation thread');
  const pool = new IsolatedPool({ size: workers, limits, graphOptimizationLevel: GRAPH_OPTIMIZATION_LEVEL, ...(opts.childEntry ? { childEntry: opts.childEntry } : {}) });
  // window id -> its inputs file (null: none could be written, rows go over IPC)
  const files = new Map<number, string | null>();
  const fileOf = (w: InputWindow): string | null => {
    if (!files.has(w.id)) files.set(w.id, writeInputsFile(w, { memoryOnly: opts.memoryOnlyInputs === true, ...(opts.inputsDir ? { where: opts.inputsDir } : {}) }));
    return files.get(w.id)!;
  };
  return {
    kind,
    share: (w) => { w.file = fileOf(w); },
    unshare(w) {
      const f = files.get(w.id);
      files.delete(w.id);
      if (f) removeInputsFile(f);
      w.file = null;
    },
    async run(job) {
      const out = new ChunkOutputBuilder(job);
      let bad: ReturnType<ChunkOutputBuilder['add']> = null;
      const w = job.window;
      const file = fileOf(w);
      const offsets = columnOffsets(w);
      const outcome = await pool.run({
        submission: job.modelSha256,
        model: job.modelPath,
        batches: batchCount(job),
        batchesPerMessage: groupBatches(job),
        fetches: [job.output.name],
        // Without an inputs file (today's path): the batch's rows, copied into the message.
        feeds: (i): WireFeeds => {
          const { start, rows, padTo } = batchRange(job, i);
          return Object.fromEntries(w.columns.map((c) => {
            const width = rowWidth(c.rowShape);
            const from = (job.start + start) * width;
            const data = new (c.data.constructor as new (n: number) => typeof c.data)(padTo * width);
            data.set(c.data.subarray(from, from + rows * width) as never);
            return [c.name, { type: c.dtype, dims: [padTo, ...c.rowShape], data }];
          }));
        },
        ...(file ? {
          fileFeeds: (i: number): FileFeeds => {
            const { start, rows, padTo } = batchRange(job, i);
            return {
              file,
              inputs: w.columns.map((c, k) => ({
                name: c.name, type: c.dtype, rowShape: c.rowShape, rows, padTo,
                offset: offsets[k]! + (job.start + start) * rowWidth(c.rowShape) * bytesPerValue(c.dtype),
              })),
            };
          },
        } : {}),
        onBatch: (i, outputs) => {
          if (bad) return;
          const t = outputs[job.output.name];
          bad = t
            ? out.add(i, t.type, t.dims, t.data as Float32Array | Float64Array)
            : { code: 'E_MODEL_CONTRACT', message: `expected an output named "${job.output.name}", the model gave ${Object.keys(outputs).join(', ') || 'none'}` };
          if (bad) throw new ArbiterError(bad.code, bad.message, bad.details);
        },
        ...(file ? {
          // outputs files go where the inputs file is (so only where a decrypted set's rows may go)
          fileOutputs: {
            dir: path.dirname(file),
            onGroup: (i: number, outputs: FileBatchOutputs[]): void => {
              if (bad) return;
              const tensors: FileTensor[] = [];
              for (const o of outputs) {
                const t = o[job.output.name];
                if (!t) {
                  bad = { code: 'E_MODEL_CONTRACT', message: `expected an output named "${job.output.name}", the model gave ${Object.keys(o).join(', ') || 'none'}` };
                  break;
                }
                tensors.push(t);
              }
              // one read for the group when its batches' outputs lie back to back in the file (one output each)
              bad ??= out.addGroupFrom(i, tensors, outputs.every((o) => Object.keys(o).length === 1));
              if (bad) throw new ArbiterError(bad.code, bad.message, bad.details);
            },
          },
        } : {}),
      });
      // every batch of the chunk must have been written: a child that answered fewer leaves rows unscored
      if (!bad && outcome.ok && out.added !== batchCount(job)) {
        bad = { code: 'E_WORKER_CRASH', message: `the inference process answered ${out.added} of the chunk's ${batchCount(job)} batches` };
      }
      if (bad) return { ok: false, error: bad };
      if (!outcome.ok) return { ok: false, error: outcome.error };
      return { ok: true, dtype: out.dtype() };
    },
    async close() {
      await pool.close();
      for (const f of files.values()) if (f) removeInputsFile(f);
      files.clear();
    },
  };
}
