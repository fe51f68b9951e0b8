// The final hidden set (set B, `hiddenSets.final`): the benchmark as `arbiter score --set final`
// scores it, and the redaction every output of such a run goes through until the host releases it.
// Set B runs are stored under their own benchmark id (`<id>--final-set`), so the live leaderboard
// never mixes them in; the store keeps the unredacted scores. The release is a recorded state of the
// store (`arbiter release <id>`, or `score --set final --release`): until it is recorded, every
// output of a set B run (score, leaderboard, report) is the withheld form; after, the full result.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../errors.ts';
import { canonicalJson, sha256Hex } from '../benchmark/canonical.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import type { Store } from '../store/store.ts';
import type { ScoreResult } from '../results.ts';
import { configuredMetrics } from '../fold/fold.ts';
import { publicView } from '../ranking/leaderboard.ts';

export const FINAL_SET_SUFFIX = '--final-set';

export function isFinalSetBenchmark(benchmarkId: string): boolean {
  return benchmarkId.endsWith(FINAL_SET_SUFFIX);
}

/** The live benchmark id of a benchmark id (strips the final-set suffix). */
export function liveIdOf(benchmarkId: string): string {
  return isFinalSetBenchmark(benchmarkId) ? benchmarkId.slice(0, -FINAL_SET_SUFFIX.length) : benchmarkId;
}

/**
 * Record the release of `live`'s withheld results (idempotent): its final hidden set's scores, and
 * with `leaderboard.live: public` the private ranking of the live leaderboard. Refuses a benchmark
 * that withholds nothing.
 */
export function releaseFinalSet(live: LoadedBenchmark, store: Store): { benchmark: string; finalRuns: number } {
  if (!live.spec.hiddenSets?.final && !showsPublicLive(live)) {
    throw new ArbiterError('E_USAGE', `benchmark ${live.spec.id} withholds nothing to release: expected hiddenSets.final or leaderboard.live: public in ${live.file}`);
  }
  store.recordRelease(live.spec.id);
  const finalRuns = (store.db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE benchmark_id = ? AND status = 'finished'`).get(`${live.spec.id}${FINAL_SET_SUFFIX}`) as { n: number }).n;
  return { benchmark: live.spec.id, finalRuns };
}

/** Whether a run of `benchmarkId` may show its scores: live runs always, set B runs once released. */
export function scoresVisible(store: Store, benchmarkId: string): boolean {
  return !isFinalSetBenchmark(benchmarkId) || store.isReleased(liveIdOf(benchmarkId));
}

/** A stored run's result as outputs may show it: withheld for an unreleased set B run. */
export function visibleResult(store: Store, benchmarkId: string, r: ScoreResult): { result: ScoreResult; withheld: boolean } {
  return scoresVisible(store, benchmarkId) ? { result: r, withheld: false } : { result: withheldResult(r), withheld: true };
}

/** Whether the live leaderboard shows the public split until release (`leaderboard.live: public`). */
export function showsPublicLive(b: Pick<LoadedBenchmark, 'spec'>): boolean {
  return b.spec.leaderboard?.live === 'public' && b.spec.ranking.split === 'private';
}

/**
 * A live run's result as outputs show it: with `leaderboard.live: public` and before the release,
 * the public split's ranking (publicView: no private score, rank or reward); otherwise as stored.
 * Ties and unranked rows follow the benchmark's registration order.
 */
export function visibleLiveResult(store: Store, b: LoadedBenchmark, r: ScoreResult): { result: ScoreResult; view: 'public' | 'private' } {
  if (isFinalSetBenchmark(r.benchmark.id) || !showsPublicLive(b) || store.isReleased(liveIdOf(r.benchmark.id))) return { result: r, view: 'private' };
  const seq = new Map<string, number>();
  for (const s of store.submissions(liveIdOf(r.benchmark.id))) if (!seq.has(s.sha256)) seq.set(s.sha256, s.id);
  const higherIsBetter: Record<string, boolean> = {};
  for (const m of configuredMetrics(b)) higherIsBetter[m.key] = m.metric.higherIsBetter;
  const rows = publicView(r.rows, { primary: b.primary, tieBreak: b.tieBreak, higherIsBetter }, (sub) => seq.get(sub) ?? Number.MAX_SAFE_INTEGER);
  return { result: { ...r, rows }, view: 'public' };
}

/** The benchmark whose dataset is set B: same contract, metrics, split and rules; own id and hash. */
export function finalSetBenchmark(b: LoadedBenchmark): LoadedBenchmark {
  const final = b.spec.hiddenSets?.final;
  if (!final) {
    throw new ArbiterError('E_USAGE', `--set final: benchmark ${b.spec.id} has no final hidden set (expected hiddenSets.final in ${b.file})`);
  }
  const spec = { ...b.spec, id: `${b.spec.id}${FINAL_SET_SUFFIX}`, dataset: final };
  return { ...b, spec, specHash: sha256Hex(canonicalJson(spec)), datasetPath: path.resolve(b.dir, final.path) };
}

/** The message a failed row of an unreleased set B run shows in place of its own. */
export const WITHHELD_ERROR_MESSAGE = 'details withheld until the final hidden set is released';

/**
 * What a set B run may show before release: who was scored and who failed (with the error code
 * only), nothing that depends on set B's rows or labels: no scores, no ranks, no rewards, no error
 * message (a message may name set B's row ids or values), and rows in an order that does not
 * depend on scores (participant, then submission hash).
 */
export function withheldResult(r: ScoreResult): ScoreResult {
  const rows = r.rows.map((row) => ({
    rank: null, submission: row.submission, participant: row.participant, status: row.status,
    scores: {}, splitScores: {}, error: row.error ? { code: row.error.code, message: WITHHELD_ERROR_MESSAGE } : null,
  }));
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((x, y) => cmp(x.participant, y.participant) || cmp(x.submission, y.submission));
  return { ...r, rows };
}

