// `arbiter score` as a function: load the spec, register and admit the submissions, open the
// hidden set, run every admitted submission through the worker pool in the spec's fixed
// batches, fold outputs into metric states in batch order, rank, and record the run.
// Every folded chunk's metric states and every submission's outcome are journaled in SQLite as
// they happen, so `--resume <run>` after a crash (even kill -9) finishes with the same bytes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError, toErrorData, type ErrorData } from '../errors.ts';
import { loadBenchmark, type LoadedBenchmark } from '../spec/loader.ts';
import { canonicalJson } from '../spec/canonical.ts';
import { isLmTaskType, requireModel } from '../spec/schema.ts';
import { prepareDataset, type PreparedDataset } from '../data/prepare.ts';
import { readChunks, type ColumnArray } from '../data/arrow-stream.ts';
import { checkNoExtraPredictions, lookupPredictions, type PredictionTable } from '../models/predictions.ts';
import { admissionRules, admitForRun } from './admission.ts';
import { sanityForRun } from './sanity-run.ts';
import { finalSetBenchmark, liveSubmissions } from './final-set.ts';
import { Store, DEFAULT_DB, type RunRecord, type SubmissionRecord } from '../store/store.ts';
import { rankWithAdvantage } from '../ranking/advantage.ts';
import { copyPolicy, fingerprintJournal, predictionCopies, type PredictionCopy } from './prediction-copies.ts';
import { defaultWorkerCount } from './pool.ts';
import { createExecutor, type Executor, type Isolation } from './executor.ts';
import { DEFAULT_LIMITS } from './isolation/runner.ts';
import { makeFingerprint, type Fingerprint } from './fingerprint.ts';
import { collectSubmissionFiles, kindOf, registerFile, submissionByteLimit, type SubmissionFile } from './submissions.ts';
import { rewardRows } from '../ranking/rewards/rows.ts';
import { chunkStates, configuredMetrics, initFold, metricsNeed, type ChunkOutput } from './fold.ts';
import { JournaledFold, type JournalStore } from './journaled-fold.ts';
import { RunHold } from './run-hold.ts';
import type { InferenceInput, InferenceTask, InputArray } from './task.ts';

export interface ScoreRow {
  rank: number | null;
  submission: string;
  participant: string;
  status: 'scored' | 'failed' | 'duplicate';
  scores: Record<string, number>;
  splitScores: Record<string, Record<string, number>>;
  error: { code: string; message: string } | null;
  /** set when the predictions agree with an earlier submission's on more than admission.duplicates.predictionAgreement of the rows */
  duplicateOf?: { submission: string; participant: string; agreement: number };
  /** the row's share of the spec's reward pool (integer, smallest unit, decimal string) */
  reward?: string;
}

export interface ScoreResult {
  benchmark: { id: string; version: number; specHash: string };
  run: { id: number; fingerprint: Fingerprint };
  rows: ScoreRow[];
}

export interface ScoreProgress { done: number; total: number; submissionsDone: number; submissions: number }

export interface ScoreOptions {
  benchmark: string;
  benchmarksDir?: string;
  /** files or folders (participant = file name without extension), or files with their participant; default: every submission registered for the benchmark, after registering its submissions/ folder */
  submissions?: Array<string | SubmissionFile>;
  workers?: number;
  db?: string;
  /** rows per worker task, rounded up to whole batches; changes speed, never results */
  taskRows?: number;
  /** key file of an encrypted dataset (default: ARBITER_DATASET_KEY); never the key itself */
  datasetKeyFile?: string;
  /** which hidden set: 'live' (`dataset`, default) or 'final' (`hiddenSets.final`, stored as `<id>--final-set`) */
  set?: 'live' | 'final';
  /** continue an interrupted run (its submissions and task size come from the store) */
  resume?: number;
  /** where inference runs: isolated child processes under the spec's limits (default), or worker threads */
  isolation?: Isolation;
  /** cancel the run (SIGINT/SIGTERM): in-flight tasks settle, the run is marked cancelled and can be resumed; reject with E_CANCELLED */
  signal?: AbortSignal;
  onProgress?: (p: ScoreProgress) => void;
  /** test seams: delay a finished task before it is folded (to shuffle completion order); another worker module */
  hooks?: { afterTask?: (submission: number, chunk: number) => Promise<void> | void; workerFile?: string };
}

export interface Outcome { splitScores: Record<string, Record<string, number>> | null; error: ErrorData | { code: string; message: string } | null }

/** What stops and fences the scoring of a run: its cancel signal, and the lease check every journal and outcome write makes. */
export interface RunControl { signal?: AbortSignal; guard?: () => void }

export const DEFAULT_TASK_ROWS = 8192;

/** An async counting semaphore: bounds the tasks in flight across all submissions. */
export class Semaphore {
  private waiting: Array<() => void> = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) { this.free--; return; }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next(); else this.free++;
  }
}

function toInputArray(a: ColumnArray): InputArray {
  if (Array.isArray(a)) throw new ArbiterError('E_INTERNAL', 'string columns cannot feed an ONNX input');
  return a as InputArray;
}

export async function score(opts: ScoreOptions): Promise<ScoreResult> {
  const live = loadBenchmark(opts.benchmark, opts.benchmarksDir);
  const b = opts.set === 'final' ? finalSetBenchmark(live) : live;
  const store = Store.open(opts.db ?? DEFAULT_DB);
  try {
    if (opts.set === 'final' && !opts.submissions?.length && opts.resume === undefined) {
      return await scoreWithStore(b, store, { ...opts, submissions: liveSubmissions(live, store) });
    }
    return await scoreWithStore(b, store, opts);
  } finally {
    store.close();
  }
}

/** The submissions a new run scores, in registration order. */
export function selectSubmissions(b: LoadedBenchmark, store: Store, opts: Pick<ScoreOptions, 'submissions'>): SubmissionRecord[] {
  const id = b.spec.id;
  let subs: SubmissionRecord[];
  if (opts.submissions && opts.submissions.length > 0) {
    const seen = new Set<number>();
    const files = opts.submissions.flatMap((s) => (typeof s === 'string' ? collectSubmissionFiles([s]) : [s]));
    subs = files.map((f) => registerFile(store, id, f, submissionByteLimit(b, kindOf(f.path))))
      .filter((s) => (seen.has(s.id) ? false : (seen.add(s.id), true))).sort((x, y) => x.id - y.id);
  } else {
    const own = path.join(b.dir, 'submissions');
    if (existsSync(own)) for (const f of collectSubmissionFiles([own])) registerFile(store, id, f, submissionByteLimit(b, kindOf(f.path)));
    subs = store.submissions(id);
  }
  if (subs.length === 0) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `benchmark ${id}: no submissions to score (give --submissions, or register some with \`arbiter submit\`)`);
  return subs;
}

export async function scoreWithStore(b: LoadedBenchmark, store: Store, opts: ScoreOptions): Promise<ScoreResult> {
  const workers = opts.workers ?? defaultWorkerCount();
  if (!Number.isInteger(workers) || workers < 1) throw new ArbiterError('E_USAGE', `--workers must be a positive integer, found ${workers}`);
  // Language-model tasks score model folders in their own job (same store, journal and result).
  if (isLmTaskType(b.spec.task.type)) return (await import('./lm-job.ts')).scoreLmWithStore(b, store, opts, workers);
  const spec = requireModel(b.spec);
  store.upsertBenchmark(spec.id, spec.version, b.specHash, canonicalJson(spec));

  // A resumed run keeps its own submissions, task size and outcomes so far.
  let resumed: { runId: number; datasetSha256: string } | null = null;
  let subs: SubmissionRecord[];
  let taskRows: number;
  const outcomes = new Map<number, Outcome>();
  let hold: RunHold | null = null;
  if (opts.resume !== undefined) {
    const run = openResumedRun(b, store, opts.resume);
    if (run.status === 'finished' && run.resultJson) return JSON.parse(run.resultJson) as ScoreResult;
    refuseQueuedRun(store, run.id);
    // The lease first (E_LEASE while a live process scores it), then what the run holds so far.
    hold = RunHold.acquire(store, run.id, { signal: opts.signal });
    subs = store.runMembers(run.id);
    taskRows = run.taskRows ?? DEFAULT_TASK_ROWS;
    for (const [id, o] of store.outcomes(run.id)) outcomes.set(id, o);
    resumed = { runId: run.id, datasetSha256: run.datasetSha256 };
  } else {
    subs = selectSubmissions(b, store, opts);
    taskRows = Math.max(1, Math.ceil((opts.taskRows ?? DEFAULT_TASK_ROWS) / spec.batching.size)) * spec.batching.size;
  }

  // Admission first: it needs no data, and its outcome says whether a worker pool is needed.
  let admission: Awaited<ReturnType<typeof admitForRun>>;
  try {
    admission = await admitForRun(b, subs, new Set(outcomes.keys()), metricsNeed(b, 'probabilities'));
  } catch (err) {
    throw hold ? hold.end(err) : err;
  }
  const newOutcomes = admission.outcomes;
  let todo = admission.todo;

  // Workers start (and load onnxruntime) while the main thread checks the dataset.
  const limits = { ...DEFAULT_LIMITS, ...spec.limits };
  const pool = todo.some((t) => !t.predictions) ? createExecutor(opts.isolation ?? 'process', workers, limits, opts.hooks?.workerFile) : null;
  let data: PreparedDataset;
  let runId: number;
  let fingerprint: Fingerprint;
  try {
    data = await prepareDataset(b, { keyFile: opts.datasetKeyFile, signal: opts.signal });
    fingerprint = makeFingerprint(b.specHash, data.sha256, spec.batching.size);
    if (resumed) {
      if (resumed.datasetSha256 !== data.sha256) throw new ArbiterError('E_RESUME', `run ${resumed.runId} scored dataset ${resumed.datasetSha256}; the file now has ${data.sha256}`);
      runId = resumed.runId;
    } else {
      runId = store.createRun({
        benchmarkId: spec.id, specHash: b.specHash, datasetSha256: data.sha256, fingerprintJson: canonicalJson(fingerprint),
        workers, taskRows, members: subs.map((s) => s.id),
      });
      hold = RunHold.acquire(store, runId, { signal: opts.signal });
    }
  } catch (err) {
    if (pool) await pool.close();
    throw hold ? hold.end(err) : err;
  }

  const ctl: RunControl = { signal: hold!.signal, guard: hold!.guard };
  try {
    try {
      // The sanity run (a few public rows, in a capped child process) settles broken models before scoring.
      const sane = await sanityForRun(b, todo, data);
      for (const [id, o] of sane.outcomes) newOutcomes.set(id, o);
      todo = sane.todo;
      store.db.transaction(() => {
        ctl.guard!();
        for (const [id, o] of newOutcomes) { store.recordOutcome(runId, id, o); outcomes.set(id, o); }
      })();
      const inflight = new Semaphore(Math.max(2, workers * 2));
      await scoreInLanes(todo, workers, store, runId, outcomes, data.rows, opts.onProgress,
        (t, progressed) => scoreOne(b, data, store, runId, taskRows, t.sub, t.order, pool, inflight, t.predictions, opts, progressed, ctl), ctl);
    } finally {
      // Every task has settled here (scoreOne waits for its in-flight tasks), so closing is safe;
      // a failed sanity run or outcome write closes the pool too.
      if (pool) await pool.close();
    }

    const result = store.db.transaction(() => { ctl.guard!(); return finishScoredRun(b, store, runId, fingerprint, subs, outcomes); })();
    hold!.release();
    return result;
  } catch (err) {
    throw hold!.end(err);
  }
}

/** A run drained by `arbiter work` processes is continued by `arbiter work --run`, not by `score --resume`. */
function refuseQueuedRun(store: Store, runId: number): void {
  const n = (store.db.prepare(`SELECT COUNT(*) AS n FROM queue_items WHERE queue = ?`).get(`run:${runId}`) as { n: number }).n;
  if (n > 0) throw new ArbiterError('E_RESUME', `run ${runId} is drained by \`arbiter work\` (queue run:${runId}, ${n} submissions): continue it with \`arbiter work --run ${runId}\`, not \`score --resume\``, { run: runId });
}

/**
 * Score `todo` with up to `lanes` submissions at a time (their tasks share the pool), reporting
 * progress in rows; each outcome is journaled the moment it is known, so a crash never loses a
 * finished submission.
 */
export async function scoreInLanes<T extends { sub: SubmissionRecord }>(
  todo: readonly T[], lanes: number, store: Store, runId: number, outcomes: Map<number, Outcome>,
  rowsPerSubmission: number, onProgress: ScoreOptions['onProgress'],
  scoreOne: (t: T, progressed: (rows: number) => void) => Promise<Outcome>,
  ctl: RunControl = {},
): Promise<void> {
  const total = todo.length * rowsPerSubmission;
  let done = 0;
  let submissionsDone = 0;
  const report = () => onProgress?.({ done, total, submissionsDone, submissions: todo.length });
  report();
  let next = 0;
  const lane = async () => {
    while (next < todo.length && !ctl.signal?.aborted) {
      const t = todo[next++]!;
      const outcome = await scoreOne(t, (rows) => { done += rows; report(); });
      // A submission cut short by a cancel is not failed: it is left for the resume to finish.
      if (ctl.signal?.aborted && outcome.error) break;
      // A store failure (disk full, I/O error) while journaling is not the submission's fault: it stops the run.
      if (outcome.error?.code === 'E_STORE') throw new ArbiterError('E_STORE', outcome.error.message);
      store.db.transaction(() => { ctl.guard?.(); store.recordOutcome(runId, t.sub.id, outcome); })();
      outcomes.set(t.sub.id, outcome);
      submissionsDone++;
      report();
    }
  };
  // Every lane settles before this returns (a lane's tasks must not outlive the pool).
  const settled = await Promise.allSettled(Array.from({ length: Math.min(lanes, Math.max(1, todo.length)) }, lane));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  if (ctl.signal?.aborted) throw ctl.signal.reason;
}

/** A run to resume: it must exist and have scored this very spec. */
export function openResumedRun(b: LoadedBenchmark, store: Store, runId: number): RunRecord {
  const run = store.run(runId);
  if (!run) throw new ArbiterError('E_RESUME', `no run ${runId} in ${store.file} to resume`);
  if (run.benchmarkId !== b.spec.id || run.specHash !== b.specHash) {
    throw new ArbiterError('E_RESUME', `run ${run.id} scored ${run.benchmarkId} with spec hash ${run.specHash}; the spec given is ${b.spec.id} with hash ${b.specHash}`, { expected: run.specHash, found: b.specHash });
  }
  return run;
}

/** Rank the outcomes, share the rewards, record the finished run; returns the run's result. */
export function finishScoredRun(
  b: LoadedBenchmark, store: Store, runId: number, fingerprint: Fingerprint, subs: SubmissionRecord[], outcomes: Map<number, Outcome>,
): ScoreResult {
  const spec = b.spec;
  const { rows, submissionIds } = rankedRows(b, subs, outcomes, predictionCopies(b, store, runId, subs, outcomes));
  const result: ScoreResult = { benchmark: { id: spec.id, version: spec.version, specHash: b.specHash }, run: { id: runId, fingerprint }, rows };
  store.finishRun(runId, rows.map((r, i) => ({
    submissionId: submissionIds[i]!, status: r.status, rank: r.rank, error: r.error, splitScores: r.splitScores,
  })), JSON.stringify(result));
  return result;
}

/** A finished run's rows: ranked, with each row's reward share when the spec has a pool (also what `arbiter merge` prints). */
export function rankedRows(
  b: LoadedBenchmark, subs: SubmissionRecord[], outcomes: Map<number, Outcome>, copies: ReadonlyMap<number, PredictionCopy> = new Map(),
): { rows: ScoreRow[]; submissionIds: number[] } {
  const { rows: ranked, submissionIds } = buildRows(b, subs, outcomes, copies);
  if (!b.spec.rewards) return { rows: ranked, submissionIds };
  const seqOf = new Map(subs.map((s, i) => [s.id, i]));
  const rows = rewardRows(ranked, b.spec.rewards, {
    primary: b.primary, higherIsBetter: configuredMetrics(b).find((m) => m.key === b.primary)!.metric.higherIsBetter,
    submittedSeq: (_row, i) => seqOf.get(submissionIds[i]!)!,
  }).rows;
  return { rows, submissionIds };
}

/**
 * The rows of a run, ranked: the plain ranking, the earlier-submission margin
 * (admission.earlierAdvantage) and prediction copies (`copies`, by submission id) per
 * admission.duplicates.policy: 'rank-after' keeps a copy scored but ranked after its original,
 * 'exclude' makes it a duplicate row (E_DUPLICATE, unranked).
 */
export function buildRows(b: LoadedBenchmark, subs: SubmissionRecord[], outcomes: Map<number, Outcome>, copies: ReadonlyMap<number, PredictionCopy> = new Map()): { rows: ScoreRow[]; submissionIds: number[] } {
  const rankSplit = b.spec.ranking.split;
  const higherIsBetter: Record<string, boolean> = {};
  for (const m of configuredMetrics(b)) higherIsBetter[m.key] = m.metric.higherIsBetter;
  const policy = copyPolicy(b, subs, copies);
  const entries = subs.map((s, seq) => {
    const o = outcomes.get(s.id)!;
    const status: ScoreRow['status'] = o.error?.code === 'E_DUPLICATE' ? 'duplicate' : o.error ? 'failed' : policy.excluded(s.id) ? 'duplicate' : 'scored';
    return { seq, status, scores: o.splitScores?.[rankSplit] ?? {} };
  });
  const ranked = rankWithAdvantage(entries, { primary: b.primary, tieBreak: b.tieBreak, higherIsBetter }, { epsilon: admissionRules(b).earlierAdvantage ?? 0, rankAfter: policy.rankAfter });
  const submissionIds = ranked.map(({ index }) => subs[index]!.id);
  const rows = ranked.map(({ index, rank }): ScoreRow => {
    const s = subs[index]!;
    const o = outcomes.get(s.id)!;
    const row: ScoreRow = {
      rank,
      submission: s.sha256,
      participant: s.participant,
      status: entries[index]!.status,
      scores: o.splitScores?.[rankSplit] ?? {},
      splitScores: o.splitScores ?? {},
      error: o.error ? { code: o.error.code, message: o.error.message } : policy.error(s.id),
    };
    const duplicateOf = policy.duplicateOf(s.id);
    if (duplicateOf) row.duplicateOf = duplicateOf;
    return row;
  });
  return { rows, submissionIds };
}

/** Chunks [first, end) of a submission, `rows` rows in all: the slice a shard scores (src/engine/shard-job.ts). */
export interface ChunkRange { first: number; end: number; rows: number }

/**
 * Score one admitted submission of a run through `pool` (null for a prediction file), continuing
 * after the chunks its journal already holds. Stops dispatching when `ctl.signal` fires; every
 * journal write checks `ctl.guard` in its transaction. Used by `arbiter score`, `arbiter work`
 * and a shard, which scores the chunks of `range` only: then nothing is finalized, the outcome
 * only says whether the slice failed, and the chunk states are in the journal.
 */
export async function scoreOne(
  b: LoadedBenchmark, data: PreparedDataset, store: JournalStore, runId: number, taskRows: number, sub: SubmissionRecord, order: number,
  pool: Executor | null, inflight: Semaphore, predictions: PredictionTable | undefined, opts: Pick<ScoreOptions, 'hooks'>,
  progressed: (rows: number) => void, ctl: RunControl = {}, range?: ChunkRange,
): Promise<Outcome> {
  const spec = requireModel(b.spec);
  const fold = initFold(b);
  const out = spec.model.outputs[0]!;
  const outRowShape = out.shape.slice(1) as number[];
  const width = outRowShape.reduce((a, d) => a * d, 1);

  // What the journal already holds for this submission is merged first; scoring continues after it.
  const jf = new JournaledFold<{ labels: ArrayLike<number | bigint>; mask: Uint8Array; output: ChunkOutput }>(
    store, runId, sub.id, fold, (p) => chunkStates(b, fold, p.labels, p.mask, p.output), progressed, range?.first, ctl.guard);
  const journaled = jf.resumeAt;
  const tasks: Promise<void>[] = [];
  // Prediction fingerprints (only when the spec asks), journaled before the chunk is delivered.
  // A shard's in-memory journal keeps none: copy detection needs every submission's rows.
  const fingerprint = store instanceof Store ? fingerprintJournal(b, store, runId, sub.id) : null;

  const asOutput = (o: Float32Array | Float64Array): ChunkOutput =>
    spec.task.type === 'classification' ? { kind: 'scores', data: o, width } : { kind: 'values', data: o };

  try {
    const columns = [data.idColumn, ...data.inputColumns, data.labelColumn];
    for await (const chunk of readChunks(data.source, columns, taskRows)) {
      if (jf.failure || ctl.signal?.aborted) break;
      // Past the range a prediction file still has its ids looked up (for the extra-id check).
      const inRange = !range || chunk.index < range.end;
      if (!inRange && !predictions) break;
      const labels = chunk.columns.get(data.labelColumn.name) as ArrayLike<number | bigint>;
      const mask = data.splitMask.subarray(chunk.start, chunk.start + chunk.rows);
      if (predictions) {
        try {
          // Mark every id as seen, journaled or not, so the check for extra ids stays exact.
          const rows = lookupPredictions(predictions, chunk.columns.get(data.idColumn.name) as ArrayLike<bigint | string>, chunk.rows, sub.filename);
          if (chunk.index < journaled || !inRange) continue;
          const output: ChunkOutput = predictions.kind === 'classes' ? { kind: 'classes', data: rows }
            : predictions.kind === 'probabilities' ? { kind: 'scores', data: rows, width: predictions.width } : { kind: 'values', data: rows };
          fingerprint?.(chunk.index, output);
          jf.deliver(chunk.index, { labels, mask, output });
        } catch (err) {
          jf.fail(toErrorData(err, 'E_PREDICTIONS'));
        }
        continue;
      }
      if (chunk.index < journaled) continue;
      const inputs: InferenceInput[] = spec.model.inputs.map((inp) => ({
        name: inp.name, dtype: inp.dtype, rowShape: inp.shape.slice(1) as number[], data: toInputArray(chunk.columns.get(inp.column)!),
      }));
      const task: InferenceTask = {
        modelPath: sub.blobPath, modelSha256: sub.sha256, rows: chunk.rows, batchSize: spec.batching.size, padLast: spec.batching.last === 'pad',
        inputs, output: { name: out.name, rowShape: outRowShape },
      };
      await inflight.acquire();
      if (jf.failure || ctl.signal?.aborted) { inflight.release(); break; }
      const index = chunk.index;
      const run = pool!.run(task);
      tasks.push(run.then(async (res) => {
        await opts.hooks?.afterTask?.(order, index);
        if (!res.ok) { jf.fail(res.error); return; }
        const output = asOutput(res.output);
        fingerprint?.(index, output);
        jf.deliver(index, { labels, mask, output });
      }, (err: unknown) => {
        jf.fail({ code: 'E_WORKER_CRASH', message: `the worker running this submission died: ${toErrorData(err).message}` });
      }).finally(() => inflight.release()));
    }
  } catch (err) {
    jf.fail(toErrorData(err));
  }
  await Promise.allSettled(tasks);
  if (!jf.failure && predictions) {
    try { checkNoExtraPredictions(predictions, sub.filename); } catch (err) { return { splitScores: null, error: toErrorData(err, 'E_PREDICTIONS') }; }
  }
  return range ? { splitScores: null, error: jf.settled(range.rows) } : jf.outcome(data.rows);
}
