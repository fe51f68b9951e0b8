// The one run lifecycle of `arbiter score`, for every task kind: load the spec, select and
// register the submissions, admit them, start the inference layer while the hidden set is
// opened and checked, create (or resume) the run under its lease, run the sanity run, score the
// admitted submissions in lanes (every folded chunk journaled), rank, share the rewards and
// record the run. What a submission is and how it is scored is the task kind's (src/run/task-kind.ts);
// nothing here branches on the task type. `arbiter work` (src/run/work.ts), `--shard`
// (src/run/shard-job.ts) and `verify` (src/run/rescore.ts) reuse these steps.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError, toErrorData } from '../errors.ts';
import { loadBenchmark, type LoadedBenchmark } from '../benchmark/loader.ts';
import { canonicalJson } from '../benchmark/canonical.ts';
import { Store, DEFAULT_DB, type SubmissionRecord } from '../store/store.ts';
import { queueItemCount } from '../store/run-queries.ts';
import { finalSetBenchmark } from './final-set.ts';
import { defaultWorkerCount } from '../inference/pool.ts';
import type { SubmissionFile } from '../models/submission-file.ts';
import { RunHold } from './run-hold.ts';
import type { Fingerprint } from '../inference/fingerprint.ts';
import { taskKindOf } from '../tasks/index.ts';
import { finishScoredRun, openResumedRun } from './finish.ts';
import { scoreInLanes } from './lanes.ts';
import { Semaphore } from '../inference/semaphore.ts';
import type { Admitted, AnyTaskKind, Closeable, RunData } from '../tasks/task-kind.ts';
import type { Outcome, RunControl, ScoreOptions, ScoreResult } from './types.ts';

export async function score(opts: ScoreOptions): Promise<ScoreResult> {
  const live = loadBenchmark(opts.benchmark, opts.benchmarksDir);
  const b = opts.set === 'final' ? finalSetBenchmark(live) : live;
  const store = Store.open(opts.db ?? DEFAULT_DB);
  try {
    if (opts.set === 'final' && !opts.submissions?.length && opts.resume === undefined) {
      return await scoreWithStore(b, store, { ...opts, submissions: await liveSubmissions(live, store) });
    }
    return await scoreWithStore(b, store, opts);
  } finally {
    store.close();
  }
}

/** Set B scores the live benchmark's submissions by default: its submissions/ folder and every registered one. */
export async function liveSubmissions(live: LoadedBenchmark, store: Store): Promise<SubmissionFile[]> {
  const kind = taskKindOf(live);
  await kind.ensureBundled(live);
  const own = path.join(live.dir, 'submissions');
  if (existsSync(own)) for (const f of kind.collect([own])) kind.register(store, live, f);
  return store.submissions(live.spec.id).map((s) => ({ path: s.blobPath, participant: s.participant }));
}

/** The submissions a new run scores, in registration order. */
export async function selectSubmissions(b: LoadedBenchmark, store: Store, opts: Pick<ScoreOptions, 'submissions' | 'onRefused'>): Promise<SubmissionRecord[]> {
  const kind = taskKindOf(b);
  const id = b.spec.id;
  // One refused file (too large, not a regular file, a bad participant name) does not stop the
  // run when the caller listens: the others are scored.
  let firstRefusal: unknown = null;
  const register = (f: SubmissionFile): SubmissionRecord | null => {
    try {
      return kind.register(store, b, f);
    } catch (err) {
      const e = toErrorData(err);
      if (!opts.onRefused || e.code === 'E_STORE' || e.code === 'E_INTERNAL') throw err;
      opts.onRefused(f, e);
      firstRefusal ??= err;
      return null;
    }
  };
  let subs: SubmissionRecord[];
  if (opts.submissions && opts.submissions.length > 0) {
    const seen = new Set<number>();
    const files = opts.submissions.flatMap((s) => (typeof s === 'string' ? kind.collect([s]) : [s]));
    subs = files.map(register).filter((s): s is SubmissionRecord => s !== null)
      .filter((s) => (seen.has(s.id) ? false : (seen.add(s.id), true))).sort((x, y) => x.id - y.id);
  } else {
    await kind.ensureBundled(b);
    const own = path.join(b.dir, 'submissions');
    if (existsSync(own)) for (const f of kind.collect([own])) register(f);
    subs = store.submissions(id);
  }
  // Every file refused: the first refusal is the command's error.
  if (subs.length === 0 && firstRefusal) throw firstRefusal;
  if (subs.length === 0) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `benchmark ${id}: no submissions to score (give --submissions, or register some with \`arbiter submit\`)`);
  return subs;
}

/**
 * Everything a run settles before scoring, over the whole submission list: selection, admission
 * (byte and weight copies need all of it), the hidden set, the sanity run and the fingerprint.
 * What `arbiter work --create` queues and what every shard scores; `scoreWithStore` runs the same
 * steps interleaved with starting the inference layer.
 */
export async function settleBeforeScoring(
  b: LoadedBenchmark, store: Store, opts: Pick<ScoreOptions, 'submissions' | 'taskRows' | 'datasetKeyFile' | 'onRefused'>,
): Promise<{ subs: SubmissionRecord[]; taskRows: number; data: RunData; outcomes: Map<number, Outcome>; todo: Admitted[]; fingerprint: Fingerprint }> {
  const kind: AnyTaskKind = taskKindOf(b);
  store.upsertBenchmark(b.spec.id, b.spec.version, b.specHash, canonicalJson(b.spec));
  const subs = await selectSubmissions(b, store, opts);
  const taskRows = kind.taskRows(b, opts.taskRows);
  const admitted = await kind.admit(b, store, subs, new Set());
  const data: RunData = await kind.prepare(b, { keyFile: opts.datasetKeyFile });
  const sane = await kind.sanity(b, admitted.todo, data);
  const outcomes = new Map<number, Outcome>([...admitted.outcomes, ...sane.outcomes]);
  return { subs, taskRows, data, outcomes, todo: sane.todo, fingerprint: kind.fingerprint(b, data) };
}

export function checkWorkers(workers: number): number {
  if (!Number.isInteger(workers) || workers < 1) throw new ArbiterError('E_USAGE', `--workers must be a positive integer, found ${workers}`);
  return workers;
}

/** A run drained by `arbiter work` processes is continued by `arbiter work --run`, not by `score --resume`. */
function refuseQueuedRun(store: Store, runId: number): void {
  const n = queueItemCount(store.db, `run:${runId}`);
  if (n > 0) throw new ArbiterError('E_RESUME', `run ${runId} is drained by \`arbiter work\` (queue run:${runId}, ${n} submissions): continue it with \`arbiter work --run ${runId}\`, not \`score --resume\``, { run: runId });
}

export async function scoreWithStore(b: LoadedBenchmark, store: Store, opts: ScoreOptions): Promise<ScoreResult> {
  const workers = checkWorkers(opts.workers ?? defaultWorkerCount());
  const kind: AnyTaskKind = taskKindOf(b);
  store.upsertBenchmark(b.spec.id, b.spec.version, b.specHash, canonicalJson(b.spec));

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
    taskRows = run.taskRows ?? kind.taskRows(b, undefined);
    for (const [id, o] of store.outcomes(run.id)) outcomes.set(id, o);
    resumed = { runId: run.id, datasetSha256: run.datasetSha256 };
  } else {
    subs = await selectSubmissions(b, store, opts);
    taskRows = kind.taskRows(b, opts.taskRows);
  }

  // Admission first: it needs no data, and its outcome says whether an inference pool is needed.
  let admission: Awaited<ReturnType<AnyTaskKind['admit']>>;
  try {
    opts.onPhase?.('admission');
    admission = await kind.admit(b, store, subs, new Set(outcomes.keys()));
  } catch (err) {
    throw hold ? hold.end(err) : err;
  }
  const newOutcomes = admission.outcomes;
  let todo = admission.todo;

  // The inference layer starts (and loads onnxruntime) while the main thread checks the dataset.
  let executor: Closeable | null = null;
  let data: RunData;
  let runId: number;
  let fingerprint: Fingerprint;
  try {
    executor = kind.executor(b, todo, { isolation: opts.isolation ?? 'process', workers, hooks: opts.hooks });
    opts.onPhase?.('hashing');
    data = await kind.prepare(b, { keyFile: opts.datasetKeyFile, signal: opts.signal });
    fingerprint = kind.fingerprint(b, data);
    if (resumed) {
      if (resumed.datasetSha256 !== data.sha256) throw new ArbiterError('E_RESUME', `run ${resumed.runId} scored dataset ${resumed.datasetSha256}; the file now has ${data.sha256}`);
      runId = resumed.runId;
    } else {
      runId = store.createRun({
        benchmarkId: b.spec.id, specHash: b.specHash, datasetSha256: data.sha256, fingerprintJson: canonicalJson(fingerprint),
        workers, taskRows, members: subs.map((s) => s.id),
      });
      hold = RunHold.acquire(store, runId, { signal: opts.signal });
    }
  } catch (err) {
    if (executor) await executor.close();
    throw hold ? hold.end(err) : err;
  }

  const ctl: RunControl = { signal: hold!.signal, guard: hold!.guard };
  try {
    try {
      // The sanity run (a few public rows, isolated) settles broken models before scoring.
      opts.onPhase?.('sanity');
      const sane = await kind.sanity(b, todo, data);
      for (const [id, o] of sane.outcomes) newOutcomes.set(id, o);
      todo = sane.todo;
      store.db.transaction(() => {
        ctl.guard!();
        for (const [id, o] of newOutcomes) { store.recordOutcome(runId, id, o); outcomes.set(id, o); }
      })();
      const ctx = { b, data, store, runId, taskRows, executor, inflight: new Semaphore(Math.max(2, workers * 2)), hooks: opts.hooks };
      opts.onPhase?.('scoring');
      await scoreInLanes(todo, workers, store, runId, outcomes, data.rows, opts.onProgress,
        (t, progressed) => kind.scoreOne(ctx, t, progressed, ctl), ctl);
    } finally {
      // Every task has settled here (scoreOne waits for its in-flight tasks), so closing is safe;
      // a failed sanity run or outcome write closes the pool too.
      if (executor) await executor.close();
    }
    const result = store.db.transaction(() => { ctl.guard!(); return finishScoredRun(b, store, runId, fingerprint, subs, outcomes); })();
    hold!.release();
    return result;
  } catch (err) {
    throw hold!.end(err);
  }
}
