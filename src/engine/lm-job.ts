// `arbiter score` for language-model benchmarks (chat-loss, multiple-choice,
// sequence-classification): the LM counterpart of score-job.ts's tabular path, with the same
// store, journal, outcomes, ranking, rewards and result. What differs per task lives in lm-plans.ts.
// Submissions are transformers.js model folders or .tar files of one, registered by content hash.
// Admission runs main side in pure JS (admitLmFolder with the spec's rules); admitted models run
// in an LM executor (isolated child processes under the spec's limits, or worker threads with
// --isolation thread), one task per fixed batch of `batching.size` rows in
// file order. Results are folded in batch order into per-split metric states; every folded batch
// is journaled, so `--resume` finishes an interrupted run with the same bytes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError, toErrorData } from '../errors.ts';
import type { LoadedBenchmark } from '../spec/loader.ts';
import { canonicalJson } from '../spec/canonical.ts';
import type { BenchmarkSpecData } from '../spec/schema.ts';
import type { Store, SubmissionRecord } from '../store/store.ts';
import { PUBLIC, SPLITS } from '../data/split.ts';
import type { MetricBatch, MetricContext } from '../../scoring/types.ts';
import { admitLmFolder } from '../models/hf/admission.ts';
import { resolveModelFolder } from '../models/hf/tar.ts';
import { admissionRulesOf, type LmTask } from '../tasks/lm/spec.ts';
import { pickRows } from '../tasks/lm/metric-batch.ts';
import { createLmExecutor, type LmExecutor } from './lm-executor.ts';
import { DEFAULT_LIMITS } from './isolation/runner.ts';
import { makeLmFingerprint, type Fingerprint } from './fingerprint.ts';
import { lmJobPlan, type LmJobPlan } from './lm-plans.ts';
import { initFold, metricContext, type ChunkStates, type FoldState } from './fold.ts';
import { JournaledFold } from './journaled-fold.ts';
import { collectLmSubmissions, registerLmSubmission } from './lm-submissions.ts';
import { ensureBundledSubmissions } from './demo-submissions.ts';
import { finishScoredRun, openResumedRun, scoreInLanes, Semaphore, type Outcome, type RunControl, type ScoreOptions, type ScoreResult } from './score-job.ts';
import { RunHold } from './run-hold.ts';

/** Unpacked bytes allowed for a .tar submission beyond the spec's maxModelBytes (tokenizer, config files). */
const TAR_SLACK_BYTES = 512 * 1024 * 1024;
const DEFAULT_TAR_MAX_BYTES = 4 * 1024 * 1024 * 1024;

function lmTaskOf(spec: BenchmarkSpecData): LmTask {
  const t = spec.task;
  if (t.type !== 'chat-loss' && t.type !== 'multiple-choice' && t.type !== 'sequence-classification') {
    throw new ArbiterError('E_TASK_UNSUPPORTED', `benchmark ${spec.id}: ${t.type} is not a language-model task`, { task: t.type });
  }
  return t;
}

/** The submissions a new LM run scores, in registration order (same rules as the tabular selectSubmissions). */
async function selectLmSubmissions(b: LoadedBenchmark, store: Store, opts: ScoreOptions): Promise<SubmissionRecord[]> {
  const id = b.spec.id;
  let subs: SubmissionRecord[];
  if (opts.submissions && opts.submissions.length > 0) {
    const seen = new Set<number>();
    const files = opts.submissions.flatMap((s) => (typeof s === 'string' ? collectLmSubmissions([s]) : [s]));
    subs = files.map((f) => registerLmSubmission(store, id, f))
      .filter((s) => (seen.has(s.id) ? false : (seen.add(s.id), true))).sort((x, y) => x.id - y.id);
  } else {
    await ensureBundledSubmissions(b);
    const own = path.join(b.dir, 'submissions');
    if (existsSync(own)) for (const f of collectLmSubmissions([own])) registerLmSubmission(store, id, f);
    subs = store.submissions(id);
  }
  if (subs.length === 0) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `benchmark ${id}: no submissions to score (give --submissions with model folders or .tar files, or register some with \`arbiter submit\`)`);
  return subs;
}

/** Where a registered submission's model folder is: the blob folder itself, or its .tar unpacked beside the blobs. */
export function lmFolderOf(store: Store, sub: SubmissionRecord, task: LmTask): string {
  return lmFolderFor(sub.blobPath, task, path.join(store.blobDir, 'unpacked'));
}

/** A submission (model folder or .tar of one) as a folder, unpacking a .tar safely under `unpackDir`. */
export function lmFolderFor(submission: string, task: LmTask, unpackDir: string): string {
  const maxBytes = task.maxModelBytes !== undefined ? task.maxModelBytes + TAR_SLACK_BYTES : DEFAULT_TAR_MAX_BYTES;
  return resolveModelFolder(submission, unpackDir, { maxBytes });
}

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

export async function scoreLmWithStore(b: LoadedBenchmark, store: Store, opts: ScoreOptions, workers: number): Promise<ScoreResult> {
  const spec = b.spec;
  const task = lmTaskOf(spec);
  store.upsertBenchmark(spec.id, spec.version, b.specHash, canonicalJson(spec));

  let resumed: { runId: number; datasetSha256: string } | null = null;
  let subs: SubmissionRecord[];
  const outcomes = new Map<number, Outcome>();
  let hold: RunHold | null = null;
  if (opts.resume !== undefined) {
    const run = openResumedRun(b, store, opts.resume);
    if (run.status === 'finished' && run.resultJson) return JSON.parse(run.resultJson) as ScoreResult;
    // the run's lease first (E_LEASE while a live process scores it), as in score-job.ts
    hold = RunHold.acquire(store, run.id, { signal: opts.signal });
    subs = store.runMembers(run.id);
    for (const [id, o] of store.outcomes(run.id)) outcomes.set(id, o);
    resumed = { runId: run.id, datasetSha256: run.datasetSha256 };
  } else {
    subs = await selectLmSubmissions(b, store, opts);
  }

  // Admission: pure JS, before any model code runs. Failures are outcomes; the job goes on.
  const rules = admissionRulesOf(task);
  const newOutcomes = new Map<number, Outcome>();
  const todo: Array<{ sub: SubmissionRecord; order: number; folder: string }> = [];
  const firstBySha = new Map<string, SubmissionRecord>();
  for (const [order, sub] of subs.entries()) {
    const original = firstBySha.get(sub.sha256);
    if (!original) firstBySha.set(sub.sha256, sub);
    if (outcomes.has(sub.id)) continue;
    if (original) {
      newOutcomes.set(sub.id, { splitScores: null, error: { code: 'E_DUPLICATE', message: `same content as the earlier submission ${sub.sha256.slice(0, 12)} by ${original.participant}; only the first is ranked` } });
      continue;
    }
    try {
      const folder = lmFolderOf(store, sub, task);
      admitLmFolder(folder, rules);
      todo.push({ sub, order, folder });
    } catch (err) {
      newOutcomes.set(sub.id, { splitScores: null, error: toErrorData(err, 'E_MODEL_FORMAT') });
    }
  }

  let plan: LmJobPlan;
  let fingerprint: Fingerprint;
  let runId: number;
  try {
    plan = lmJobPlan(b);
    fingerprint = makeLmFingerprint(b.specHash, plan.data.sha256, spec.batching.size);
    if (resumed) {
      if (resumed.datasetSha256 !== plan.data.sha256) throw new ArbiterError('E_RESUME', `run ${resumed.runId} scored dataset ${resumed.datasetSha256}; the file now has ${plan.data.sha256}`);
      runId = resumed.runId;
    } else {
      runId = store.createRun({
        benchmarkId: spec.id, specHash: b.specHash, datasetSha256: plan.data.sha256, fingerprintJson: canonicalJson(fingerprint),
        workers, taskRows: spec.batching.size, members: subs.map((s) => s.id),
      });
      hold = RunHold.acquire(store, runId, { signal: opts.signal });
    }
  } catch (err) {
    throw hold ? hold.end(err) : err;
  }
  const ctl: RunControl = { signal: hold!.signal, guard: hold!.guard };

  const executor = todo.length > 0 ? createLmExecutor(opts.isolation ?? 'process', workers, { ...DEFAULT_LIMITS, ...spec.limits }) : null;
  try {
    store.db.transaction(() => {
      ctl.guard!();
      for (const [id, o] of newOutcomes) { store.recordOutcome(runId, id, o); outcomes.set(id, o); }
    })();
    try {
      const inflight = new Semaphore(Math.max(2, workers * 2));
      await scoreInLanes(todo, workers, store, runId, outcomes, plan.data.rows, opts.onProgress,
        (t, progressed) => scoreOneLm(b, plan, store, runId, t.sub, t.order, t.folder, executor!, inflight, opts, progressed, ctl), ctl);
    } finally {
      // every task has settled here (scoreOneLm waits for its in-flight tasks), so closing is safe
      if (executor) await executor.close();
    }
    const result = store.db.transaction(() => { ctl.guard!(); return finishScoredRun(b, store, runId, fingerprint, subs, outcomes); })();
    hold!.release();
    return result;
  } catch (err) {
    throw hold!.end(err);
  }
}

async function scoreOneLm(
  b: LoadedBenchmark, plan: LmJobPlan, store: Store, runId: number, sub: SubmissionRecord, order: number,
  folder: string, executor: LmExecutor, inflight: Semaphore, opts: ScoreOptions, progressed: (rows: number) => void, ctl: RunControl = {},
): Promise<Outcome> {
  const size = b.spec.batching.size;
  const data = plan.data;
  const fold = initFold(b);
  const ctx = metricContext(b);
  const jf = new JournaledFold<{ mask: Uint8Array; batch: MetricBatch }>(
    store, runId, sub.id, fold, (p) => lmChunkStates(fold, p.batch, p.mask, ctx), progressed, 0, ctl.guard);

  const batches = Math.ceil(data.rows / size);
  const tasks: Promise<void>[] = [];
  for (let index = jf.journaledChunks; index < batches; index++) {
    if (jf.failure || ctl.signal?.aborted) break;
    const start = index * size;
    const end = Math.min(data.rows, start + size);
    const msg = plan.message(folder, start, end);
    const mask = data.splitMask.subarray(start, end);
    await inflight.acquire();
    if (jf.failure || ctl.signal?.aborted) { inflight.release(); break; }
    const run = executor.run(msg);
    tasks.push(run.then(async (res) => {
      await opts.hooks?.afterTask?.(order, index);
      if (!res.ok) { jf.fail(res.error); return; }
      let batch: MetricBatch;
      try { batch = plan.metricBatch(res, start, end); } catch (err) { jf.fail(toErrorData(err, 'E_INTERNAL')); return; }
      jf.deliver(index, { mask, batch });
    }, (err: unknown) => {
      jf.fail({ code: 'E_WORKER_CRASH', message: `the worker running this submission died: ${toErrorData(err).message}` });
    }).finally(() => inflight.release()));
  }
  await Promise.allSettled(tasks);
  return jf.outcome(data.rows);
}

export type { Fingerprint };
