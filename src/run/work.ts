// `arbiter work`: several processes drain one run's submissions from one SQLite file.
// - createQueuedRun: make the run as `arbiter score` would (same submissions, admission, task
//   size, fingerprint), record the admission outcomes, and enqueue every admitted submission in
//   queue `run:<id>` (src/store/lease.ts).
// - work: claim submissions one at a time (claimNext), score each with the engine's own
//   per-submission path (scoreOne + JournaledFold, continuing after the chunks already
//   journaled), and write its outcome in the same transaction as completeClaim. Every journal
//   write checks the claim's fencing token, so a holder that lost its claim writes nothing.
//   Whoever finds the queue drained finishes the run (rank + rewards) exactly once.
// The outcomes are those a single `arbiter score` computes, so the rows are byte-identical.
import { ArbiterError, toErrorData } from '../errors.ts';
import { loadBenchmark, type LoadedBenchmark } from '../benchmark/loader.ts';
import { canonicalJson } from '../benchmark/canonical.ts';
import { Store, DEFAULT_DB, type RunRecord, type SubmissionRecord } from '../store/store.ts';
import { failedQueueItems, queueItemCount, runFingerprint } from '../store/run-queries.ts';
import { defaultWorkerCount } from '../inference/pool.ts';
import type { Isolation } from '../inference/executor.ts';
import type { Fingerprint } from '../inference/fingerprint.ts';
import { claimNext, completeClaim, enqueue, newHolderId, queueCounts, releaseClaim, renewClaim, type Claim, type QueueState } from '../store/lease.ts';
import { leaseTtlMs, runResource } from './run-hold.ts';
import { taskKindOf } from '../tasks/index.ts';
import { checkWorkers, settleBeforeScoring } from './lifecycle.ts';
import { finishScoredRun, openResumedRun } from './finish.ts';
import { Semaphore } from '../inference/semaphore.ts';
import type { AnyTaskKind, Closeable, RunData } from '../tasks/task-kind.ts';
import type { Outcome, ScoreOptions, ScoreResult } from './types.ts';

export interface CreateQueuedRunOptions {
  benchmark: string;
  benchmarksDir?: string;
  /** as for `arbiter score`: files or folders; default the benchmark's submissions/ folder plus every registered one */
  submissions?: ScoreOptions['submissions'];
  db?: string;
  /** rows per inference task (rounded up to whole batches); speed only, never results */
  taskRows?: number;
  datasetKeyFile?: string;
}

export interface QueuedRun { runId: number; queue: string; queued: number; settled: number; submissions: number }

/**
 * Create a run and its queue: the run's members and task size are fixed here, admission runs once
 * over all of them (duplicates need the whole set), and only admitted submissions are queued.
 */
export async function createQueuedRun(opts: CreateQueuedRunOptions): Promise<QueuedRun> {
  const b = loadBenchmark(opts.benchmark, opts.benchmarksDir);
  const spec = b.spec;
  const store = Store.open(opts.db ?? DEFAULT_DB);
  try {
    // Admission and the same sanity run `arbiter score` makes, once here, so a queued run settles the same models.
    const { subs, taskRows, data, outcomes, todo, fingerprint } = await settleBeforeScoring(b, store, opts);
    return store.db.transaction((): QueuedRun => {
      const runId = store.createRun({
        benchmarkId: spec.id, specHash: b.specHash, datasetSha256: data.sha256, fingerprintJson: canonicalJson(fingerprint),
        workers: 0, taskRows, members: subs.map((s) => s.id),
      });
      for (const [id, o] of outcomes) store.recordOutcome(runId, id, o);
      const queue = runResource(runId);
      enqueue(store.db, queue, todo.map((t) => String(t.sub.id)));
      return { runId, queue, queued: todo.length, settled: outcomes.size, submissions: subs.length };
    }).immediate();
  } finally {
    store.close();
  }
}

export interface WorkItem {
  submission: string;
  participant: string;
  /** what this process did with it: scored or failed it (done/failed), or gave it back (released: cancel; lost: taken over) */
  state: 'done' | 'failed' | 'released' | 'lost';
  reason: string;
  attempt: number;
  /** the holder whose abandoned claim this one took over, or null */
  takenOverFrom: string | null;
}

export interface WorkResult {
  run: { id: number; status: RunRecord['status']; reason: string | null };
  worker: { holder: string; items: WorkItem[] };
  /** this process ranked the run and recorded its result */
  finishedHere: boolean;
  /** the run's result once it is finished (whoever finished it), else null */
  result: ScoreResult | null;
  queue: Record<QueueState, number>;
}

export type WorkEvent =
  | { kind: 'claimed'; item: WorkItem }
  | { kind: 'completed'; item: WorkItem }
  | { kind: 'waiting'; claimed: number };

export interface WorkOptions {
  benchmark: string;
  benchmarksDir?: string;
  db?: string;
  /** the run to drain; default the newest run of this benchmark that has a queue */
  run?: number;
  /** inference workers, and submissions scored at a time by this process */
  workers?: number;
  isolation?: Isolation;
  datasetKeyFile?: string;
  /** stop claiming; in-flight tasks settle, the claims are given back (E_CANCELLED) */
  signal?: AbortSignal;
  /** a submission whose holders died this many times is failed (E_WORKER_CRASH) instead of handed out again */
  maxAttempts?: number;
  /** claim lifetime without a heartbeat (default ARBITER_LEASE_TTL_MS or 30 s) */
  ttlMs?: number;
  /** how often to look again while other processes hold the last claims (ms) */
  pollMs?: number;
  onEvent?: (e: WorkEvent) => void;
  hooks?: ScoreOptions['hooks'];
}

/** The newest run of the benchmark (this spec) that has a queue. */
export function findQueuedRun(store: Store, b: LoadedBenchmark): RunRecord | undefined {
  for (const run of store.runs(b.spec.id)) {
    if (run.specHash !== b.specHash) continue;
    if (queueItemCount(store.db, runResource(run.id)) > 0) return run;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function work(opts: WorkOptions): Promise<WorkResult> {
  const b = loadBenchmark(opts.benchmark, opts.benchmarksDir);
  const workers = checkWorkers(opts.workers ?? defaultWorkerCount());
  const store = Store.open(opts.db ?? DEFAULT_DB);
  try {
    return await workWithStore(b, store, opts, workers);
  } finally {
    store.close();
  }
}

async function workWithStore(b: LoadedBenchmark, store: Store, opts: WorkOptions, workers: number): Promise<WorkResult> {
  const kind = taskKindOf(b);
  const found = opts.run !== undefined ? openResumedRun(b, store, opts.run) : findQueuedRun(store, b);
  if (!found) throw new ArbiterError('E_RESUME', `no queued run of ${b.spec.id} (spec ${b.specHash.slice(0, 12)}) in ${store.file}: create one with \`arbiter work ${b.spec.id} --create\``);
  const runId = found.id;
  const queue = runResource(runId);
  const holder = newHolderId();
  const items: WorkItem[] = [];
  const done = (finishedHere: boolean, result: ScoreResult | null): WorkResult => {
    const run = store.run(runId)!;
    return { run: { id: runId, status: run.status, reason: run.reason }, worker: { holder, items }, finishedHere, result, queue: queueCounts(store.db, queue) };
  };
  if (found.status === 'finished' && found.resultJson) return done(false, JSON.parse(found.resultJson) as ScoreResult);
  const counts = queueCounts(store.db, queue);
  if (Object.values(counts).every((n) => n === 0) && store.runMembers(runId).length > store.outcomes(runId).size) {
    throw new ArbiterError('E_RESUME', `run ${runId} has no queue: it is scored by \`arbiter score\`; continue it with \`arbiter score --resume ${runId}\``, { run: runId });
  }
  // Joining a run that stopped (cancelled, failed) makes it running again.
  store.reopenRun(runId);

  const ttlMs = opts.ttlMs ?? leaseTtlMs();
  const pollMs = opts.pollMs ?? Math.min(250, Math.max(10, Math.floor(ttlMs / 4)));
  const data: RunData = await kind.prepare(b, { keyFile: opts.datasetKeyFile });
  if (data.sha256 !== found.datasetSha256) throw new ArbiterError('E_RESUME', `run ${runId} scored dataset ${found.datasetSha256}; the file now has ${data.sha256}`);
  const fingerprint = runFingerprint(store.db, runId) as Fingerprint;
  const taskRows = found.taskRows ?? kind.taskRows(b, undefined);
  const members = store.runMembers(runId);
  const orderOf = new Map(members.map((s, i) => [s.id, i]));
  const shared: WorkShared = { kind, data, taskRows, executor: null, inflight: new Semaphore(Math.max(2, workers * 2)), isolation: opts.isolation ?? 'process', workers };

  const lane = async (): Promise<void> => {
    while (!opts.signal?.aborted) {
      const claim = claimNext(store.db, queue, holder, { ttlMs, maxAttempts: opts.maxAttempts ?? 3 });
      if (!claim) {
        const c = queueCounts(store.db, queue);
        if (c.queued === 0 && c.claimed === 0) return;
        opts.onEvent?.({ kind: 'waiting', claimed: c.claimed });
        await sleep(pollMs);
        continue;
      }
      const sub = store.submission(Number(claim.item));
      if (!sub) throw new ArbiterError('E_STORE', `queue ${queue}: item ${claim.item} is not a registered submission`);
      const item = await scoreClaim(b, store, runId, sub, orderOf.get(sub.id) ?? 0, claim, shared, {
        ttlMs, signal: opts.signal, hooks: opts.hooks, onEvent: opts.onEvent,
      });
      items.push(item);
    }
  };
  try {
    const settled = await Promise.allSettled(Array.from({ length: workers }, lane));
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) throw rejected.reason;
  } finally {
    // every lane has settled, so no task is in flight
    if (shared.executor) await shared.executor.close();
  }
  if (opts.signal?.aborted) {
    // This process stops; the run stays resumable. It is marked cancelled unless another process still holds a claim.
    const c = queueCounts(store.db, queue);
    const reason = toErrorData(opts.signal.reason).message;
    if (c.claimed === 0) store.cancelRun(runId, reason);
    throw new ArbiterError('E_CANCELLED', `${reason}; run ${runId} ${c.claimed === 0 ? 'is marked cancelled' : `goes on in the processes holding ${c.claimed} claims`}: continue it with \`arbiter work ${b.spec.id} --run ${runId}\``, { run: runId });
  }
  const finished = finishDrainedRun(b, store, runId, fingerprint, members);
  return done(finished.here, finished.result);
}

/** What the lanes of one `arbiter work` process share: the kind, the hidden set and the inference layer (opened on first need). */
interface WorkShared {
  kind: AnyTaskKind;
  data: RunData;
  taskRows: number;
  executor: Closeable | null;
  inflight: Semaphore;
  isolation: Isolation;
  workers: number;
}

/** Score one claimed submission and complete the claim with its outcome, all fenced by the claim's token. */
async function scoreClaim(
  b: LoadedBenchmark, store: Store, runId: number, sub: SubmissionRecord, order: number, first: Claim, shared: WorkShared,
  ctx: { ttlMs: number; signal?: AbortSignal; hooks?: ScoreOptions['hooks']; onEvent?: WorkOptions['onEvent'] },
): Promise<WorkItem> {
  let claim = first;
  const item: WorkItem = { submission: sub.sha256, participant: sub.participant, state: 'done', reason: '', attempt: claim.attempt, takenOverFrom: claim.takenOverFrom };
  ctx.onEvent?.({ kind: 'claimed', item: { ...item } });
  const lostClaim = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, lostClaim.signal]) : lostClaim.signal;
  let lost: unknown = null;
  const renew = () => {
    try {
      claim = renewClaim(store.db, claim, { ttlMs: ctx.ttlMs });
    } catch (err) {
      lost ??= err;
      lostClaim.abort(err);
      throw err;
    }
  };
  const heartbeat = setInterval(() => { try { renew(); } catch { clearInterval(heartbeat); } }, Math.max(1, Math.floor(ctx.ttlMs / 3)));
  heartbeat.unref();
  try {
    // Admission again for this one submission: it gives what scoring needs (the parsed prediction
    // table, the model path or folder); the cross-submission checks (copies) ran once when the run was created.
    const { kind } = shared;
    const { outcomes, todo } = await kind.admit(b, store, [sub], new Set());
    let outcome: Outcome;
    if (outcomes.size > 0) outcome = outcomes.get(sub.id)!;
    else {
      const t = { ...todo[0]!, order };
      shared.executor ??= kind.executor(b, [t], { isolation: shared.isolation, workers: shared.workers, hooks: ctx.hooks });
      const sctx = { b, data: shared.data, store, runId, taskRows: shared.taskRows, executor: shared.executor, inflight: shared.inflight, hooks: ctx.hooks };
      outcome = await kind.scoreOne(sctx, t, () => {}, { signal, guard: renew });
    }
    if (lost) return { ...item, state: 'lost', reason: toErrorData(lost).message };
    if (signal.aborted && outcome.error) {
      // cut short by a cancel: give it back (its journal stays) for the next process
      releaseClaim(store.db, claim);
      return { ...item, state: 'released', reason: 'cancelled' };
    }
    const state = outcome.error ? 'failed' : 'done';
    const reason = outcome.error ? `failed:${outcome.error.code}` : 'scored';
    try {
      store.db.transaction(() => {
        renew();
        store.recordOutcome(runId, sub.id, outcome);
        completeClaim(store.db, claim, { state, reason });
      }).immediate();
    } catch (err) {
      if (toErrorData(err).code === 'E_LEASE') return { ...item, state: 'lost', reason: toErrorData(err).message };
      throw err;
    }
    const finished = { ...item, state, reason } satisfies WorkItem;
    ctx.onEvent?.({ kind: 'completed', item: finished });
    return finished;
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Rank and record a drained run, exactly once: in one BEGIN IMMEDIATE transaction, a run already
 * finished gives its stored result; otherwise submissions failed by the queue (their holders
 * died `maxAttempts` times) get their outcome, and finishScoredRun records the result.
 */
export function finishDrainedRun(b: LoadedBenchmark, store: Store, runId: number, fingerprint: Fingerprint, members: SubmissionRecord[]): { here: boolean; result: ScoreResult | null } {
  const queue = runResource(runId);
  return store.db.transaction((): { here: boolean; result: ScoreResult | null } => {
    const run = store.run(runId)!;
    if (run.status === 'finished' && run.resultJson) return { here: false, result: JSON.parse(run.resultJson) as ScoreResult };
    const c = queueCounts(store.db, queue);
    if (c.queued > 0 || c.claimed > 0) return { here: false, result: null };
    const outcomes = store.outcomes(runId);
    const abandoned = failedQueueItems(store.db, queue);
    for (const a of abandoned) {
      const id = Number(a.item);
      if (outcomes.has(id)) continue;
      const o: Outcome = { splitScores: null, error: { code: 'E_WORKER_CRASH', message: (a.reason ?? 'abandoned by its holders').replace(/^failed:E_WORKER_CRASH: /, '') } };
      store.recordOutcome(runId, id, o);
      outcomes.set(id, o);
    }
    const missing = members.filter((s) => !outcomes.has(s.id));
    if (missing.length > 0) {
      throw new ArbiterError('E_INTERNAL', `run ${runId}: the queue is drained but ${missing.length} submissions have no outcome (${missing.map((s) => s.id).join(', ')})`);
    }
    return { here: true, result: finishScoredRun(b, store, runId, fingerprint, members, outcomes) };
  }).immediate();
}
