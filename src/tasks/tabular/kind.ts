// The tabular task kind (classification and regression on an Arrow hidden set): submissions are
// ONNX models (a file, or a .tar of one with its external data) scored in the inference layer,
// or prediction files looked up by row id in the main process. Admission, the sanity run and
// the fold are the tabular ones (src/tasks/tabular/admission.ts, sanity-run.ts, chunk-states.ts);
// the executor and fold threads are opened by engine.ts.
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { sha256FileSync } from '../../data/file-hash.ts';
import { prepareDataset, type PreparedDataset } from '../../data/prepare.ts';
import { admitForRun, isPredictionFile, withPredictions, type AdmittedSubmission } from './admission.ts';
import { sanityForRun } from './sanity-run.ts';
import { metricsNeed } from '../../fold/fold.ts';
import { bytesPerValue } from '../../inference/shared-inputs.ts';
import { makeFingerprint } from '../../inference/fingerprint.ts';
import { checkSubmissionSize, collectSubmissionFiles, kindOf, registerFile, regularFileSize, submissionByteLimit } from './submissions.ts';
import { checkPredictionFile, publicSampleIds } from './submit-checks.ts';
import { arrowRows, checkTabular } from './check.ts';
import { readFileSync } from 'node:fs';
import { ArbiterError } from '../../errors.ts';
import { requireModel } from '../../benchmark/schema.ts';
import { admitOnnxBytes } from '../../models/onnx/contract.ts';
import { loadPredictions } from '../../models/predictions.ts';
import { ensureBundledSubmissions } from '../../demo/demo-submissions.ts';
import type { TaskKind } from '../task-kind.ts';
import { openTabularEngine, type TabularEngine } from './engine.ts';
import { scoreTabular } from './score-one.ts';

/** The most rows a chunk gets when no size is asked for. */
export const DEFAULT_TASK_ROWS = 32768;
/** The default chunk's budgets: its model inputs, and its outputs slab (float64-sized values). */
const CHUNK_INPUT_BYTES = 4 * 1024 * 1024;
const CHUNK_OUTPUT_BYTES = 2 * 1024 * 1024;

/**
 * Rows per worker task (the journal's chunk), in whole batches: the request rounded up, else as
 * many rows as fit the chunk budgets, at most DEFAULT_TASK_ROWS. Everything the main thread does
 * per chunk (a message, a fold, a journal transaction) is spread over more rows in bigger chunks:
 * on the engine bench 32,768 rows instead of 8,192 took the main thread from 0.25 to 0.16 µs per
 * row (threads, 0.35 to 0.26 with processes), while wide rows (images, long vectors) get smaller
 * chunks so that a chunk's inputs and outputs stay a few MiB. A function of the spec alone, so
 * every shard and every resumed run cuts the same chunks; a speed knob that never changes a result.
 */
export function wholeTaskRows(requested: number | undefined, batchSize: number, rowBytes = { inputs: 0, outputs: 0 }): number {
  const fit = Math.min(DEFAULT_TASK_ROWS, Math.floor(CHUNK_INPUT_BYTES / Math.max(1, rowBytes.inputs)), Math.floor(CHUNK_OUTPUT_BYTES / Math.max(1, rowBytes.outputs)));
  return Math.max(1, Math.ceil((requested ?? fit) / batchSize)) * batchSize;
}

/** A row's bytes of model inputs and of outputs slab, from the spec's model contract. */
export function chunkRowBytes(b: Pick<LoadedBenchmark, 'spec'>): { inputs: number; outputs: number } {
  const m = requireModel(b.spec).model;
  const values = (shape: readonly unknown[]) => (shape.slice(1) as number[]).reduce((a, d) => a * d, 1);
  return {
    inputs: m.inputs.reduce((a, inp) => a + values(inp.shape) * bytesPerValue(inp.dtype), 0),
    outputs: m.outputs.reduce((a, out) => a + values(out.shape) * 8, 0),
  };
}

export const tabularKind: TaskKind<PreparedDataset, AdmittedSubmission, TabularEngine> = {
  name: 'tabular',
  collect: collectSubmissionFiles,
  identify: (p) => { try { return sha256FileSync(p).sha256; } catch { return null; } },
  async checkOne(b, _store, f) {
    // size from lstat before a byte is read: a file over the limit is never loaded
    checkSubmissionSize(f.path, regularFileSize(f.path), submissionByteLimit(b, kindOf(f.path)));
    if (kindOf(f.path) === 'onnx') {
      const res = admitOnnxBytes(readFileSync(f.path), requireModel(b.spec).model, b.spec.batching.size, b.spec.batching.last === 'pad');
      if (!res.ok) throw new ArbiterError(res.error.code, res.error.message, res.error.details);
      return;
    }
    // What the file alone (or with the public sample) decides fails here, not at score time.
    const table = await loadPredictions(f.path, b, metricsNeed(b, 'probabilities'));
    checkPredictionFile(table, b, f.path, await publicSampleIds(b));
  },
  checkRules: (b, p) => checkTabular(b, p),
  sampleRows: (file) => arrowRows(file),
  register: (store, b, f) => registerFile(store, b.spec.id, f, submissionByteLimit(b, kindOf(f.path))),
  ensureBundled: async (b) => { await ensureBundledSubmissions(b); },
  taskRows: (b, requested) => wholeTaskRows(requested, b.spec.batching.size, chunkRowBytes(b)),
  admit: (b, _store, subs, settled) => admitForRun(b, subs, settled, metricsNeed(b, 'probabilities')),
  prepare: (b, opts) => prepareDataset(b, { keyFile: opts.keyFile, signal: opts.signal }),
  sanity: (b, todo, data) => sanityForRun(b, todo, data),
  fingerprint: (b: LoadedBenchmark, data) => makeFingerprint(b.specHash, data.sha256, b.spec.batching.size),
  executor(b, todo, opts) {
    if (todo.every(isPredictionFile)) return null;
    return openTabularEngine(b, opts);
  },
  // A prediction file is loaded when it is scored and dropped after (admission only checked it).
  scoreOne: (ctx, t, progressed, ctl, range) =>
    withPredictions(ctx.b, t, metricsNeed(ctx.b, 'probabilities'), (u) => scoreTabular(ctx, u, progressed, ctl, range)),
};
