// The tabular task kind (classification and regression on an Arrow hidden set): submissions are
// ONNX models (a file, or a .tar of one with its external data) scored in the inference layer,
// or prediction files looked up by row id in the main process. Admission, the sanity run and
// the fold are the tabular ones (src/tasks/tabular/admission.ts, sanity-run.ts, fold.ts).
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { sha256FileSync } from '../../data/file-hash.ts';
import { prepareDataset, type PreparedDataset } from '../../data/prepare.ts';
import { admitForRun, isPredictionFile, withPredictions, type AdmittedSubmission } from './admission.ts';
import { sanityForRun } from './sanity-run.ts';
import { metricsNeed } from '../../fold/fold.ts';
import { createExecutor, type Executor } from '../../inference/executor.ts';
import { DEFAULT_LIMITS } from '../../inference/isolation/runner.ts';
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
import { scoreTabular } from './score-one.ts';

/** Rows per inference task when none is asked for (a speed knob: never changes a result). */
export const DEFAULT_TASK_ROWS = 8192;

/** Rows per worker task, rounded up to whole batches. */
export function wholeTaskRows(requested: number | undefined, batchSize: number): number {
  return Math.max(1, Math.ceil((requested ?? DEFAULT_TASK_ROWS) / batchSize)) * batchSize;
}

export const tabularKind: TaskKind<PreparedDataset, AdmittedSubmission, Executor> = {
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
  taskRows: (b, requested) => wholeTaskRows(requested, b.spec.batching.size),
  admit: (b, _store, subs, settled) => admitForRun(b, subs, settled, metricsNeed(b, 'probabilities')),
  prepare: (b, opts) => prepareDataset(b, { keyFile: opts.keyFile, signal: opts.signal }),
  sanity: (b, todo, data) => sanityForRun(b, todo, data),
  fingerprint: (b: LoadedBenchmark, data) => makeFingerprint(b.specHash, data.sha256, b.spec.batching.size),
  executor(b, todo, opts) {
    if (todo.every(isPredictionFile)) return null;
    const limits = { ...DEFAULT_LIMITS, ...b.spec.limits };
    // A decrypted set's rows never go to a disk: its inputs file only to a memory-backed one.
    return createExecutor(opts.isolation, opts.workers, limits, { workerFile: opts.hooks?.workerFile, memoryOnlyInputs: b.spec.dataset.encrypted === true });
  },
  // A prediction file is loaded when it is scored and dropped after (admission only checked it).
  scoreOne: (ctx, t, progressed, ctl, range) =>
    withPredictions(ctx.b, t, metricsNeed(ctx.b, 'probabilities'), (u) => scoreTabular(ctx, u, progressed, ctl, range)),
};
