// Validator rewards by agreement with consensus. For validator j on submission i,
// delta = |consensus_i - score_ji| and a_ji = exp(-lambda * delta) * stake_j^alpha; a_ji is
// normalised over the validators of submission i and a validator's share is the sum over the
// submissions it validated. Normalised weights are quantised to multiples of 2^-64 (floor) so the
// sum over many submissions stays a small integer instead of a rational with a huge denominator.
import { type Rational, ZERO, add, fromDouble, mul } from '../../ranking/rewards/rational.ts';
import { stakePower } from '../../ranking/rewards/allocate.ts';
import { exactDistance } from './aggregate.ts';

export const SHARE_SCALE_BITS = 64n;

export interface AgreementInput {
  /** consensus score per submission key (only submissions that are scored in consensus) */
  consensus: Map<string, number>;
  /** per submission key: each validator's score (finite) */
  scores: Map<string, Array<{ validator: string; score: number }>>;
  stakes: Map<string, string>;
  lambda: number;
  alpha: number;
}

/** Fixed-point share per validator (units of 2^-64 of one submission), and how many submissions each validated. */
export function agreementShares(input: AgreementInput): Map<string, { share: bigint; submissions: number }> {
  const out = new Map<string, { share: bigint; submissions: number }>();
  for (const v of [...input.stakes.keys()].sort()) out.set(v, { share: 0n, submissions: 0 });
  const stakeFactor = new Map<string, Rational>();
  for (const [v, stake] of input.stakes) stakeFactor.set(v, stakePower({ stake, submission: '-', participant: v }, input.alpha));
  for (const key of [...input.consensus.keys()].sort()) {
    const c = input.consensus.get(key)!;
    const entries = (input.scores.get(key) ?? []).slice().sort((a, b) => (a.validator < b.validator ? -1 : 1));
    const weights = entries.map((e) => {
      const delta = exactDistance(c, e.score);
      return mul(fromDouble(Math.exp(-input.lambda * delta)), stakeFactor.get(e.validator) ?? ZERO);
    });
    let total = ZERO;
    for (const w of weights) total = add(total, w);
    entries.forEach((e) => {
      const slot = out.get(e.validator);
      if (slot) slot.submissions += 1;
    });
    if (total.n === 0n) continue; // every weight underflowed or had zero stake: nobody earns on this one
    entries.forEach((e, k) => {
      const w = weights[k];
      // floor(w / total * 2^64), exact integer arithmetic
      const q = (w.n * total.d << SHARE_SCALE_BITS) / (w.d * total.n);
      out.get(e.validator)!.share += q;
    });
  }
  return out;
}
