// Sharded scoring with the real engine: `arbiter score --shard i/N --part-out f` and `arbiter merge`.
// A shard does everything a single run does up to the fold (same spec, same submission list, same
// admission over the whole list, same executor, same fixed batches and task chunks) but scores
// only its slice (shard.ts: whole submissions, or a contiguous range of whole tasks of every
// submission) and writes each chunk's metric states (what a single run journals) instead of
// finals. The merge lays the chunks out in chunk order, folds them from fresh states exactly as
// the single run's JournaledFold does, finalizes, and ranks and rewards with the single run's
// code (rankedRows), so the merged rows are the single run's rows.
import { ArbiterError, toErrorData, type ErrorData } from '../errors.ts';
import { loadBenchmark, parseBenchmarkJson, resolvedTieBreak, type LoadedBenchmark } from '../benchmark/loader.ts';
import { canonicalJson, sha256Hex } from '../benchmark/canonical.ts';
import { SPLITS } from '../data/split.ts';
import { Store, DEFAULT_DB, type SubmissionRecord } from '../store/store.ts';
import { admissionRules } from '../benchmark/admission-rules.ts';
import { defaultWorkerCount } from '../inference/pool.ts';
import type { Fingerprint } from '../inference/fingerprint.ts';
import { configuredMetrics, initFold, mergeChunk, type ChunkStates } from '../fold/fold.ts';
import { finalOutcome, type JournalStore } from '../fold/journaled-fold.ts';
import { taskKindOf } from '../tasks/index.ts';
import { checkWorkers, settleBeforeScoring } from './lifecycle.ts';
import { finishScoredRun, rankedRows } from './finish.ts';
import { Semaphore } from '../inference/semaphore.ts';
import type { Admitted, RunData } from '../tasks/task-kind.ts';
import type { Outcome, ScoreOptions, ScoreRow } from './types.ts';
import {
  chooseShardMode, makePart, mergeParts, shardUnits,
  type PartChunk, type PartialResult, type PartUnit, type RosterEntry, type ShardMode, type ShardPlan, type ShardSelector, type SplitStates, type TolerableField,
} from './shard.ts';

export interface ShardScoreOptions extends Omit<ScoreOptions, 'resume' | 'set'> {
  shard: ShardSelector;
  /** default: chooseShardMode(admitted submissions, shard count) */
  mode?: ShardMode;
  /** a benchmark built in memory instead of loading `benchmark` (a federation's view of a party's local set: src/federated) */
  loaded?: LoadedBenchmark;
}

/** The chunk states a shard collects: an in-memory journal, read back into the part. */
class MemoryJournal implements JournalStore {
  private readonly chunks = new Map<number, Array<{ chunkIndex: number; rows: number; statesJson: string }>>();
  journal(_runId: number, submissionId: number) {
    return [...(this.chunks.get(submissionId) ?? [])];
  }
  journalChunk(_runId: number, submissionId: number, chunkIndex: number, rows: number, statesJson: string): void {
    const list = this.chunks.get(submissionId) ?? [];
    list.push({ chunkIndex, rows, statesJson });
    this.chunks.set(submissionId, list);
  }
}

/** Chunk states as the part file holds them: keyed by metric key (the journal keys them by position). */
function keyedStates(b: LoadedBenchmark, states: ChunkStates): SplitStates {
  const keys = configuredMetrics(b).map((m) => m.key);
  const out: SplitStates = {};
  for (const split of SPLITS) {
    out[split] = {};
    keys.forEach((k, i) => { out[split]![k] = states[split][i]; });
  }
  return out;
}

function positionalStates(b: LoadedBenchmark, states: SplitStates, where: string): ChunkStates {
  const keys = configuredMetrics(b).map((m) => m.key);
  const out = {} as ChunkStates;
  for (const split of SPLITS) {
    const s = states[split];
    if (!s) throw new ArbiterError('E_SHARD_PART', `${where}: expected metric states for the ${split} split, found none`);
    out[split] = keys.map((k) => {
      if (!Object.hasOwn(s, k)) throw new ArbiterError('E_SHARD_PART', `${where}: expected a state for metric ${k} (${split} split), found none`);
      return s[k];
    });
  }
  return out;
}

/**
 * Score shard `opts.shard` of a benchmark and return its partial result (serializePart gives the
 * file). Nothing is written to the store's runs: the store only registers the submissions.
 */
export async function scoreShard(opts: ShardScoreOptions): Promise<PartialResult> {
  const b = opts.loaded ?? loadBenchmark(opts.benchmark, opts.benchmarksDir);
  const kind = taskKindOf(b);
  // Copy detection compares every submission's predictions on every row, which no shard sees:
  // a merge could not flag the copies one run would, so such a benchmark is scored on one machine.
  if (admissionRules(b).duplicates.predictionAgreement !== undefined) {
    throw new ArbiterError('E_USAGE', `--shard: ${b.spec.id} flags prediction copies (admission.duplicates.predictionAgreement), which compares every submission's predictions on the whole hidden set; score it on one machine (arbiter score, or arbiter work processes sharing one store)`);
  }
  const workers = checkWorkers(opts.workers ?? defaultWorkerCount());
  const spec = b.spec;
  const store = Store.open(opts.db ?? DEFAULT_DB);
  try {
    // Admission over the whole list, in every shard: byte and weight copies need all of it, and
    // every part must carry the same roster (the merge checks that it does).
    // The sanity run (public rows only) belongs to admission: every shard runs it over every model.
    const { subs, taskRows, data, outcomes: admission, todo, fingerprint } = await settleBeforeScoring(b, store, opts);
    const roster: RosterEntry[] = subs.map((s) => {
      const e = admission.get(s.id)?.error;
      return { participant: s.participant, submission: s.sha256, error: e ? { code: e.code, message: e.message } : null };
    });

    const size = spec.batching.size;
    const plan: ShardPlan = {
      submissions: todo.map((t) => t.sub.sha256), batchCount: Math.ceil(data.rows / size), count: opts.shard.count,
      mode: opts.mode ?? chooseShardMode(todo.length, opts.shard.count), step: taskRows / size,
    };
    const units = shardUnits(plan, opts.shard.index);
    const bySha = new Map(todo.map((t) => [t.sub.sha256, t]));
    const work = units.map((u) => {
      const rowStart = u.batchStart * size;
      const rowEnd = Math.min(u.batchEnd * size, data.rows);
      const range = { first: rowStart / taskRows, end: Math.ceil(rowEnd / taskRows), rows: rowEnd - rowStart };
      return { unit: u, t: bySha.get(u.submission)!, range };
    });

    const pool = kind.executor(b, work.map((w) => w.t), { isolation: opts.isolation ?? 'process', workers, hooks: opts.hooks });
    const journal = new MemoryJournal();
    const results: PartUnit[] = [];
    const total = work.reduce((n, w) => n + w.range.rows, 0);
    let done = 0;
    let submissionsDone = 0;
    const report = () => opts.onProgress?.({ done, total, submissionsDone, submissions: work.length });
    try {
      report();
      const ctx = { b, data, store: journal, runId: 0, taskRows, executor: pool, inflight: new Semaphore(Math.max(2, workers * 2)), hooks: opts.hooks };
      let next = 0;
      // Up to `workers` units at a time share the pool, as a single run's lanes do.
      const lane = async () => {
        while (next < work.length) {
          const w = work[next++]!;
          let outcome: Outcome;
          try {
            outcome = await kind.scoreOne(ctx, w.t, (rows: number) => { done += rows; report(); }, {}, w.range);
          } catch (err) {
            outcome = { splitScores: null, error: toErrorData(err) };
          }
          const error = outcome.error ? toErrorData(outcome.error) : null;
          const chunks: PartChunk[] = error ? [] : journal.journal(0, w.t.sub.id)
            .map((j) => ({ index: j.chunkIndex, rows: j.rows, states: keyedStates(b, JSON.parse(j.statesJson) as ChunkStates) }));
          results.push({ ...w.unit, status: error ? 'failed' : 'scored', error, chunks });
          submissionsDone++;
          report();
        }
      };
      await Promise.all(Array.from({ length: Math.min(workers, Math.max(1, work.length)) }, lane));
    } finally {
      if (pool) await pool.close();
    }
    return makePart({
      benchmark: { id: spec.id, version: spec.version, specHash: b.specHash },
      datasetSha256: data.sha256,
      fingerprint: { ...fingerprint },
      plan, index: opts.shard.index, rows: data.rows, taskRows,
      spec: JSON.parse(canonicalJson(spec)) as unknown, roster, units: results,
    });
  } finally {
    store.close();
  }
}

/** What `arbiter merge` gives: the single run's `benchmark` and `rows`; the run id only when recorded in a store. */
export interface MergeResult {
  benchmark: { id: string; version: number; specHash: string };
  run: { id: number | null; fingerprint: Fingerprint };
  rows: ScoreRow[];
  shards: { count: number; mode: ShardMode; taskRows: number };
}

export interface MergeShardOptions {
  /** fingerprint fields allowed to differ between parts (default none) */
  tolerate?: readonly TolerableField[];
  /** record the merged run in this store (its submissions must be registered there) */
  db?: string;
  /** every part must be signed by this Ed25519 public key */
  key?: import('node:crypto').KeyObject;
}

/** A benchmark rebuilt from the spec a part carries (no files: the merge needs no dataset). */
export function benchmarkFromPart(spec: unknown, specHash: string): LoadedBenchmark {
  const text = canonicalJson(spec);
  if (sha256Hex(text) !== specHash) {
    throw new ArbiterError('E_SHARD_PART', `the spec inside the parts hashes to ${sha256Hex(text)}, expected their spec hash ${specHash}`);
  }
  let parsed: ReturnType<typeof parseBenchmarkJson>;
  try {
    parsed = parseBenchmarkJson(text);
  } catch (err) {
    throw new ArbiterError('E_SHARD_PART', `the spec inside the parts is not a valid benchmark spec: ${toErrorData(err).message}`);
  }
  const { spec: s, primary, metricKeys } = parsed;
  const tieBreak = resolvedTieBreak(s, metricKeys, primary);
  return { spec: s, file: '', dir: '', specHash, datasetPath: '', splitKey: Buffer.alloc(0), metricKeys, primary, tieBreak };
}

/**
 * Merge the parts of one sharded run into the result a single-machine run prints (same
 * `benchmark`, same `rows`, same fingerprint). Refuses parts that do not belong together
 * (E_SHARD_MISMATCH) or that are malformed (E_SHARD_PART).
 */
export function mergeShards(parts: readonly PartialResult[], opts: MergeShardOptions = {}): MergeResult {
  const merged = mergeParts(parts, { tolerate: opts.tolerate, ...(opts.key ? { key: opts.key } : {}) });
  const b = benchmarkFromPart(merged.spec, merged.benchmark.specHash);
  const fingerprint = merged.fingerprint as unknown as Fingerprint;
  const bySha = new Map(merged.submissions.map((s) => [s.submission, s]));
  // Members in run order; ids stand in for store ids (only their order matters to the ranking).
  const subs: SubmissionRecord[] = merged.roster.map((r, i) => ({
    id: i + 1, benchmarkId: b.spec.id, participant: r.participant, sha256: r.submission, kind: 'onnx', filename: '', blobPath: '', size: 0, submittedAt: '',
  }));
  const outcomes = new Map<number, Outcome>();
  merged.roster.forEach((r, i) => {
    const id = i + 1;
    if (r.error) { outcomes.set(id, { splitScores: null, error: r.error }); return; }
    const m = bySha.get(r.submission);
    if (!m) throw new ArbiterError('E_SHARD_MISMATCH', `merge: submission ${r.submission} (${r.participant}) was admitted but is in no shard's plan`);
    if (m.status === 'failed') { outcomes.set(id, { splitScores: null, error: m.error as ErrorData }); return; }
    // The single run's fold, replayed: fresh states, every chunk merged in chunk order, finalized.
    const fold = initFold(b);
    for (const c of m.chunks) mergeChunk(fold, positionalStates(b, c.states, `submission ${r.submission} chunk ${c.index}`), c.rows);
    outcomes.set(id, finalOutcome(fold, merged.rows));
  });
  const shards = { count: merged.shardCount, mode: merged.mode, taskRows: merged.taskRows };
  if (opts.db === undefined) {
    const { rows } = rankedRows(b, subs, outcomes);
    return { benchmark: { id: b.spec.id, version: b.spec.version, specHash: b.specHash }, run: { id: null, fingerprint }, rows, shards };
  }
  const recorded = recordMergedRun(b, opts.db, merged.datasetSha256, merged.taskRows, fingerprint, subs, outcomes);
  return { ...recorded, shards };
}

/** Record a merged run in a store that has the run's submissions registered; returns the finished run's result. */
function recordMergedRun(
  b: LoadedBenchmark, db: string, datasetSha256: string, taskRows: number, fingerprint: Fingerprint, members: SubmissionRecord[], outcomes: Map<number, Outcome>,
) {
  const store = Store.open(db);
  try {
    store.upsertBenchmark(b.spec.id, b.spec.version, b.specHash, canonicalJson(b.spec));
    const known = store.submissions(b.spec.id);
    const subs = members.map((m) => {
      const s = known.find((k) => k.participant === m.participant && k.sha256 === m.sha256);
      if (!s) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `--db ${db}: expected submission ${m.sha256.slice(0, 12)} by ${m.participant} to be registered for ${b.spec.id} (arbiter submit), found no such submission`);
      return s;
    });
    const byStoreId = new Map<number, Outcome>(subs.map((s, i) => [s.id, outcomes.get(members[i]!.id)!]));
    const runId = store.createRun({
      benchmarkId: b.spec.id, specHash: b.specHash, datasetSha256, fingerprintJson: canonicalJson(fingerprint), workers: 0, taskRows, members: subs.map((s) => s.id),
    });
    for (const [id, o] of byStoreId) store.recordOutcome(runId, id, o);
    return finishScoredRun(b, store, runId, fingerprint, subs, byStoreId);
  } finally {
    store.close();
  }
}

