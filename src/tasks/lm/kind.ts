// The language-model task kind (chat-loss, multiple-choice, sequence-classification on a JSONL
// hidden set): submissions are transformers.js model folders or a .tar of one, registered by the
// hash of their file manifest. Admission is pure JS on the folder (admitLmFolder with the task's
// rules), plus copies: the same bytes, or the same weights in another folder (the graph's stored
// tensors, whatever config.json or the tokenizer files say). Batches of `batching.size` rows in
// file order run in the inference layer; answers become metric batches (plans.ts, the only place
// that tells the three LM tasks apart) folded per split in batch order, each journaled.
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError, toErrorData } from '../../errors.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import type { BenchmarkSpecData } from '../../benchmark/schema.ts';
import type { Store, SubmissionRecord } from '../../store/store.ts';
import { Store as StoreClass } from '../../store/store.ts';
import { PUBLIC, SPLITS } from '../../data/split.ts';
import type { MetricBatch, MetricContext } from '../../../scoring/types.ts';
import { admitLmFolder } from '../../models/hf/admission.ts';
import { resolveModelFolder } from '../../models/hf/tar.ts';
import { PredictionFingerprint } from '../../models/admission/duplicates.ts';
import { dropWeightCopies, type WeightsRef } from '../weight-copies.ts';
import { admissionRules } from '../../benchmark/admission-rules.ts';
import { makeLmFingerprint } from '../../inference/fingerprint.ts';
import { initFold, metricContext, type ChunkStates, type FoldState } from '../../fold/fold.ts';
import { JournaledFold } from '../../fold/journaled-fold.ts';
import { collectLmSubmissions, folderSha256, registerLmSubmission } from './submissions.ts';
import { sha256FileSync } from '../../data/file-hash.ts';
import { ensureBundledSubmissions } from '../../demo/demo-submissions.ts';
import { createLmExecutor, type LmExecutor } from './executor.ts';
import { DEFAULT_LIMITS } from '../../inference/isolation/runner.ts';
import type { Admitted, RunData, ScoreContext, TaskKind } from '../task-kind.ts';
import type { ChunkRange, RunControl } from '../task-kind.ts';
import type { Outcome } from '../../results.ts';
import { admissionRulesOf, type LmTask } from '../../benchmark/lm-task.ts';
import { pickRows } from './metric-batch.ts';
import type { LmTaskMessage, LmTaskResult } from './worker.ts';
import { lmJobPlan, type LmJobPlan } from './plans.ts';
import { collectGarbage } from '../../inference/heap.ts';
import { lmFolderFor, lmFolderOf, lmSubmissionByteLimit, lmTaskOf } from './folder.ts';

export { lmFolderFor, lmFolderOf, lmSubmissionByteLimit, lmTaskOf };






/** Keep the rows of `batch` whose split bit is `want` (the metric states of one split). */
function splitBatch(batch: MetricBatch, mask: Uint8Array, want: number): MetricBatch | null {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === want) idx.push(i);
  if (idx.length === 0) return null;
  return pickRows(batch, idx);
}

/** The per-split metric states of one scored batch, from fresh states (what the journal stores). */
export function lmChunkStates(fold: FoldState, batch: MetricBatch, mask: Uint8Array, ctx: MetricContext = {}): ChunkStates {
  const out = {} as ChunkStates;
  for (const split of SPLITS) {
    const states = fold.metrics.map((m) => m.metric.init(m.options, ctx));
    const part = splitBatch(batch, mask, split === 'public' ? PUBLIC : 1 - PUBLIC);
    if (part) fold.metrics.forEach((m, i) => { states[i] = m.metric.update(states[i], part, m.options); });
    out[split] = states;
  }
  return out;
}

/**
 * One 32-bit fingerprint per row of what the model said about it (per-row losses: a conversation's
 * NLL, a question's choice log-likelihoods, a text's class probabilities), for prediction-agreement
 * copy detection (admission.duplicates.predictionAgreement). No value is kept.
 */
export function lmRowFingerprint(batch: MetricBatch, digits: number): Uint32Array {
  const fp = new PredictionFingerprint(digits);
  if (batch.nllSums) fp.addRows(batch.nllSums, 1);
  else if (batch.choiceLogliks && batch.choiceCounts) {
    let off = 0;
    for (let r = 0; r < batch.n; r++) {
      const c = batch.choiceCounts[r]!;
      fp.addRows(batch.choiceLogliks.subarray(off, off + c), Math.max(1, c));
      off += c;
    }
  } else if (batch.probabilities && batch.numClasses) fp.addRows(batch.probabilities, batch.numClasses);
  else throw new ArbiterError('E_INTERNAL', 'a language-model metric batch without per-row values to fingerprint');
  return fp.digest();
}

/** What an LM run's hidden set gives the lifecycle, with the task's plan (messages and metric batches). */
export interface LmRunData extends RunData { plan: LmJobPlan }

export interface LmAdmitted extends Admitted { folder: string }

export const lmKind: TaskKind<LmRunData, LmAdmitted, LmExecutor> = {
  name: 'language-model',
  collect: collectLmSubmissions,
  identify: (p) => {
    try { return lstatSync(p).isDirectory() ? folderSha256(p) : sha256FileSync(p).sha256; } catch { return null; }
  },
  async checkOne(b, store, f) {
    const task = lmTaskOf(b.spec);
    admitLmFolder(resolveModelFolder(f.path, path.join(store.blobDir, 'unpacked'), { maxBytes: lmSubmissionByteLimit(task) }), admissionRulesOf(task));
  },
  checkRules: async (b, p) => (await import('./check.ts')).checkLm(b, p),
  sampleRows: async (file) => (await import('./check.ts')).jsonlRows(file),
  register: (store, b, f) => registerLmSubmission(store, b.spec.id, f, lmSubmissionByteLimit(lmTaskOf(b.spec))),
  ensureBundled: async (b) => { await ensureBundledSubmissions(b); },
  // One batch per task: the journal's chunk is the spec's batch.
  taskRows: (b) => b.spec.batching.size,
  async admit(b, store, subs, settled) {
    const task = lmTaskOf(b.spec);
    const rules = admissionRulesOf(task);
    const dup = admissionRules(b).duplicates;
    const outcomes = new Map<number, Outcome>();
    const todo: LmAdmitted[] = [];
    const firstBySha = new Map<string, SubmissionRecord>();
    const weights: WeightsRef[] = [];
    for (const [order, sub] of subs.entries()) {
      const original = firstBySha.get(sub.sha256);
      if (!original) firstBySha.set(sub.sha256, sub);
      if (original && !settled.has(sub.id)) {
        outcomes.set(sub.id, { splitScores: null, error: { code: 'E_DUPLICATE', message: `same content as the earlier submission ${sub.sha256.slice(0, 12)} by ${original.participant}; only the first is ranked` } });
        continue;
      }
      if (original) continue;
      try {
        const folder = lmFolderOf(store, sub, task);
        const report = admitLmFolder(folder, rules);
        // Settled submissions (a resumed run) still count as originals for weight copies.
        weights.push({ key: String(sub.id), order, sha256: sub.sha256, weightsHash: report.weightsHash });
        if (!settled.has(sub.id)) todo.push({ sub, order, folder });
      } catch (err) {
        if (!settled.has(sub.id)) outcomes.set(sub.id, { splitScores: null, error: toErrorData(err, 'E_MODEL_FORMAT') });
      }
    }
    // Admission parsed every tokenizer.json for its hash: give that heap back before workers start (src/inference/heap.ts).
    collectGarbage();
    // The same weights in another folder (an edited config.json, renamed files): a copy of the earliest.
    return { outcomes, todo: dropWeightCopies(subs, todo, weights, dup.weights, outcomes) };
  },
  async prepare(b, opts) {
    const plan = lmJobPlan(b, { keyFile: opts.keyFile });
    return { sha256: plan.data.sha256, rows: plan.data.rows, splitMask: plan.data.splitMask, plan };
  },
  // The first batch of every model runs under the same limits as the rest; a model broken on
  // its first batch fails there without a separate sanity pass.
  sanity: async (_b, todo) => ({ outcomes: new Map(), todo: [...todo] }),
  fingerprint: (b, data) => makeLmFingerprint(b.specHash, data.sha256, b.spec.batching.size),
  // Isolated child processes under the spec's limits (the default), or worker threads.
  executor(b, todo, opts) {
    if (todo.length === 0) return null;
    return createLmExecutor(opts.isolation, opts.workers, { ...DEFAULT_LIMITS, ...b.spec.limits });
  },
  scoreOne: (ctx, t, progressed, ctl, range) => scoreLm(ctx, t, progressed, ctl, range),
};

async function scoreLm(
  ctx: ScoreContext<LmRunData, LmExecutor>, t: LmAdmitted, progressed: (rows: number) => void, ctl: RunControl = {}, range?: ChunkRange,
): Promise<Outcome> {
  const { b, data, store, runId, executor, inflight } = ctx;
  const { plan } = data;
  const size = b.spec.batching.size;
  const fold = initFold(b);
  const mctx = metricContext(b);
  const jf = new JournaledFold<{ mask: Uint8Array; batch: MetricBatch }>(
    store, runId, t.sub.id, fold, (p) => lmChunkStates(fold, p.batch, p.mask, mctx), progressed, range?.first, ctl.guard);
  const dup = admissionRules(b).duplicates;
  // Per-row fingerprints for prediction-agreement copies, journaled beside the fold (a shard keeps none).
  const fingerprint = dup.predictionAgreement !== undefined && store instanceof StoreClass
    ? (index: number, batch: MetricBatch) => store.journalFingerprint(runId, t.sub.id, index, lmRowFingerprint(batch, dup.predictionDigits))
    : null;

  const end = range ? range.end : Math.ceil(data.rows / size);
  const tasks: Promise<void>[] = [];
  for (let index = jf.resumeAt; index < end; index++) {
    if (jf.failure || ctl.signal?.aborted) break;
    const start = index * size;
    const stop = Math.min(data.rows, start + size);
    const msg = plan.message(t.folder, start, stop);
    const mask = data.splitMask.subarray(start, stop);
    await inflight.acquire();
    if (jf.failure || ctl.signal?.aborted) { inflight.release(); break; }
    tasks.push(executor!.run(msg).then(async (res) => {
      await ctx.hooks?.afterTask?.(t.order, index);
      if (!res.ok) { jf.fail(res.error); return; }
      let batch: MetricBatch;
      try { batch = plan.metricBatch(res, start, stop); } catch (err) { jf.fail(toErrorData(err, 'E_INTERNAL')); return; }
      fingerprint?.(index, batch);
      jf.deliver(index, { mask, batch });
    }, (err: unknown) => {
      jf.fail({ code: 'E_WORKER_CRASH', message: `the worker running this submission died: ${toErrorData(err).message}` });
    }).finally(() => inflight.release()));
  }
  await Promise.allSettled(tasks);
  return range ? { splitScores: null, error: jf.settled(range.rows) } : jf.outcome(data.rows);
}
