// The end of every run, whatever its task kind: the run to resume, the ranked rows (plain
// ranking, earlier-submission margin, prediction copies, reward shares) and the finished record.
// Also what `arbiter merge` and `arbiter work` finish a run with, so every path ranks alike.
import { ArbiterError } from '../errors.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import type { RunRecord, Store, SubmissionRecord } from '../store/store.ts';
import { rankWithAdvantage } from '../ranking/advantage.ts';
import { rewardRows } from '../ranking/rewards/rows.ts';
import { admissionRules } from '../benchmark/admission-rules.ts';
import { configuredMetrics } from '../fold/fold.ts';
import type { Fingerprint } from '../inference/fingerprint.ts';
import { copyPolicy, predictionCopies, type PredictionCopy } from './prediction-copies.ts';
import type { Outcome, ScoreResult, ScoreRow } from './types.ts';

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
