// Weight copies at admission, for every task kind: a submission storing the same weights as an
// earlier one (in another wrapper, file layout or config) is that one's duplicate (E_DUPLICATE).
// The kinds compute the weights hashes; this drops the flagged copies from the admitted list.
import type { SubmissionRecord } from '../store/store.ts';
import { duplicateError, findCopies } from '../models/admission/duplicates.ts';
import type { Outcome } from '../results.ts';

export interface WeightsRef { key: string; order: number; sha256: string; weightsHash: string }

/** `todo` without the copies `weights` reveal (each recorded in `outcomes`), when `enabled`. */
export function dropWeightCopies<T extends { sub: SubmissionRecord }>(
  subs: readonly SubmissionRecord[], todo: T[], weights: WeightsRef[], enabled: boolean, outcomes: Map<number, Outcome>,
): T[] {
  const flags = findCopies(weights, { weights: enabled });
  if (flags.size === 0) return todo;
  const byId = new Map(subs.map((s) => [String(s.id), s]));
  const kept: T[] = [];
  for (const t of todo) {
    const flag = flags.get(String(t.sub.id));
    if (!flag) { kept.push(t); continue; }
    const of = byId.get(flag.of)!;
    const err = duplicateError({ ...flag, of: `${of.sha256.slice(0, 12)} by ${of.participant}` });
    outcomes.set(t.sub.id, { splitScores: null, error: { code: err.code, message: err.message } });
  }
  return kept;
}
