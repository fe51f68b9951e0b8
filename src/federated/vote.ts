// The acceptance rule's comparison, shared by a party's vote and the coordinator's check of it:
// does a score improve on a baseline by more than 0 and at least δ, in the metric's direction?
// Exact: both doubles and δ are compared as rationals, so no rounding decides a vote. Pure.
import { cmp, fromDouble, sub, ZERO, type Rational } from '../ranking/rewards/rational.ts';

/** Whether `score` improves on `baseline` (null: there is nothing to improve on, so it does). */
export function improves(score: number, baseline: number | null, higherIsBetter: boolean, minImprovement: Rational): boolean {
  if (baseline === null) return true;
  const gain = higherIsBetter ? sub(fromDouble(score), fromDouble(baseline)) : sub(fromDouble(baseline), fromDouble(score));
  return cmp(gain, ZERO) > 0 && cmp(gain, minImprovement) >= 0;
}

/** The vote the rule gives a party with this local score and baseline. */
export function expectedVote(score: number, baseline: number | null, higherIsBetter: boolean, minImprovement: Rational): 'accept' | 'reject' {
  return improves(score, baseline, higherIsBetter, minImprovement) ? 'accept' : 'reject';
}
