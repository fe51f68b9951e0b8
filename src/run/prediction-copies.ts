// Prediction-agreement copy detection (admission.duplicates.predictionAgreement) for a scoring run.
// While a submission is folded, each chunk's predictions are fingerprinted (one 32-bit hash per
// row of the values rounded to `predictionDigits` significant digits; no value is kept) and
// journaled beside the fold's own journal, so `--resume` keeps them. After scoring, scored
// submissions are compared pairwise in registration order (the pure findPredictionCopies): a later
// one agreeing with an earlier one on more than the spec's share of rows is flagged as its copy.
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import type { Store, SubmissionRecord } from '../store/store.ts';
import { duplicateError, findPredictionCopies } from '../models/admission/duplicates.ts';
import { admissionRules } from '../benchmark/admission-rules.ts';
import type { Outcome, ScoreRow } from '../results.ts';

/** A flagged later submission: the earlier one it copies (submission id) and their share of agreeing rows. */
export interface PredictionCopy { of: number; agreement: number }

/**
 * The copies among a finished run's scored submissions (by submission id), or an empty map when
 * the spec does not ask. Only fingerprints covering the same rows are compared (all scored ones do).
 */
export function predictionCopies(b: LoadedBenchmark, store: Store, runId: number, subs: readonly SubmissionRecord[], outcomes: ReadonlyMap<number, Outcome>): Map<number, PredictionCopy> {
  const out = new Map<number, PredictionCopy>();
  const threshold = admissionRules(b).duplicates.predictionAgreement;
  if (threshold === undefined) return out;
  const refs: Array<{ key: string; order: number; fingerprint: Uint32Array }> = [];
  subs.forEach((s, order) => {
    const o = outcomes.get(s.id);
    if (!o || o.error || !o.splitScores) return;
    const fingerprint = store.fingerprint(runId, s.id);
    if (fingerprint) refs.push({ key: String(s.id), order, fingerprint });
  });
  const rows = Math.max(0, ...refs.map((r) => r.fingerprint.length));
  const flags = findPredictionCopies(refs.filter((r) => r.fingerprint.length === rows), threshold);
  for (const [key, f] of flags) out.set(Number(key), { of: Number(f.of), agreement: f.agreement! });
  return out;
}

/** What the spec's duplicates.policy makes of the copies, for building a run's rows. */
export interface CopyPolicy {
  /** flagged entry index -> its original's index, for rankWithAdvantage (policy 'rank-after') */
  rankAfter: Map<number, number>;
  /** true for a copy the policy ('exclude') turns into a duplicate row */
  excluded(submissionId: number): boolean;
  /** the error of an excluded copy (E_DUPLICATE), else null */
  error(submissionId: number): { code: string; message: string } | null;
  /** the row's `duplicateOf`, for every flagged copy */
  duplicateOf(submissionId: number): ScoreRow['duplicateOf'];
}

export function copyPolicy(b: LoadedBenchmark, subs: readonly SubmissionRecord[], copies: ReadonlyMap<number, PredictionCopy>): CopyPolicy {
  const exclude = admissionRules(b).duplicates.policy === 'exclude';
  const indexOf = new Map(subs.map((s, i) => [s.id, i]));
  const original = (id: number) => subs[indexOf.get(copies.get(id)!.of)!]!;
  const rankAfter = new Map<number, number>();
  if (!exclude) for (const [id, c] of copies) rankAfter.set(indexOf.get(id)!, indexOf.get(c.of)!);
  return {
    rankAfter,
    excluded: (id) => exclude && copies.has(id),
    error: (id) => {
      if (!exclude || !copies.has(id)) return null;
      const of = original(id);
      const e = duplicateError({ of: `${of.sha256.slice(0, 12)} by ${of.participant}`, kind: 'predictions', agreement: copies.get(id)!.agreement });
      return { code: e.code, message: e.message };
    },
    duplicateOf: (id) => {
      if (!copies.has(id)) return undefined;
      const of = original(id);
      return { submission: of.sha256, participant: of.participant, agreement: copies.get(id)!.agreement };
    },
  };
}
