// Stake-weighted aggregation of several validators' scores for one submission: the weighted
// median, and the weighted mean after dropping scores farther than a bound from that median.
// Stakes are bigints and scores are converted to exact rationals, so the result is the double
// nearest the exact value, independent of the order validators are listed in.
import { type Rational, ZERO, abs, add, cmp, div, fromDouble, mul, rat, sub, toDouble } from '../../ranking/rewards/rational.ts';

export interface StakedScore {
  validator: string;
  score: number; // finite
  stake: bigint; // >= 0
}

function sorted(items: readonly StakedScore[]): StakedScore[] {
  return items
    .filter((x) => x.stake > 0n)
    .sort((a, b) => a.score - b.score || (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
}

/**
 * Stake-weighted median: sort by score, accumulate stake; the first score where the accumulated
 * stake passes half the total is the median. If it lands exactly on half, the median is the
 * midpoint of that score and the next one (so equal stakes give the ordinary median).
 * Zero-stake validators have no influence. Throws if no validator has stake.
 */
export function weightedMedian(items: readonly StakedScore[]): number {
  const xs = sorted(items);
  if (xs.length === 0) throw new RangeError('weighted median of nothing: every stake is 0');
  const total = xs.reduce((s, x) => s + x.stake, 0n);
  let cum = 0n;
  for (let k = 0; k < xs.length; k++) {
    cum += xs[k].stake;
    if (2n * cum > total) return xs[k].score;
    if (2n * cum === total) return midpoint(xs[k].score, xs[k + 1].score);
  }
  throw new Error('unreachable: stake accumulation never passed half the total');
}

export function midpoint(a: number, b: number): number {
  return toDouble(div(add(fromDouble(a), fromDouble(b)), rat(2n)));
}

/** |a - b| computed exactly, then rounded once to a double. */
export function exactDistance(a: number, b: number): number {
  return toDouble(abs(sub(fromDouble(a), fromDouble(b))));
}

/**
 * Stake-weighted mean of the scores within `bound` of the weighted median (inclusive). If no stake
 * is within the bound (possible when the median is a midpoint), the median itself is returned.
 */
export function trimmedMean(items: readonly StakedScore[], bound: number): { value: number; median: number; kept: string[] } {
  const median = weightedMedian(items);
  const m = fromDouble(median);
  const b = fromDouble(bound);
  const kept = sorted(items).filter((x) => cmp(abs(sub(fromDouble(x.score), m)), b) <= 0);
  if (kept.length === 0) return { value: median, median, kept: [] };
  let num: Rational = ZERO;
  let den = 0n;
  for (const x of kept) {
    num = add(num, mul(fromDouble(x.score), rat(x.stake)));
    den += x.stake;
  }
  return { value: toDouble(div(num, rat(den))), median, kept: kept.map((x) => x.validator).sort() };
}
