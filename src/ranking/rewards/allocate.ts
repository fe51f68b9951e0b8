// Reward allocation: ranked entries + the spec's rewards section -> integer payouts that sum to
// exactly the pool. Pure: no clock, no randomness, and the input order cannot change a result
// because everything is computed on a canonical order (rank, submission hash, participant, seq).
// The weight of each scheme is documented in docs/rewards.md with worked examples.
import { ArbiterError } from '../../errors.ts';
import { largestRemainder } from './largest-remainder.ts';
import {
  type Rational,
  ONE,
  ZERO,
  add,
  cmp,
  div,
  fromDouble,
  isZero,
  mul,
  parseDecimal,
  rat,
  sub,
  sum,
} from './rational.ts';
import type { RewardsSpec } from './schema.ts';

/** One row to pay. Failed and duplicate rows are accepted and get "0". */
export interface RewardEntry {
  submission: string; // sha256 hex of the submission bytes
  participant: string;
  status: 'scored' | 'failed' | 'duplicate';
  rank: number | null; // null unless scored; equal ranks are ties
  /** the primary (ranking) metric as reported, in its own direction; needed by softmax and proportional */
  score: number | null;
  /** registration order, earlier = smaller; used by winner-take-all's earliest-submission rule */
  submittedSeq: number;
  /** participant stake in the smallest unit (decimal integer string); needed by geometric with stakeAlpha */
  stake?: string;
}

export interface AllocationContext {
  /** direction of the primary metric */
  higherIsBetter: boolean;
}

export interface RewardAllocation {
  pool: string;
  scheme: RewardsSpec['scheme'];
  /** reward per input entry, same order as the input, decimal integer strings */
  rewards: string[];
  /** the pool when no entry is eligible (nobody to pay), else "0"; rewards + unallocated = pool */
  unallocated: string;
}

function fail(message: string, details?: Record<string, unknown>): never {
  throw new ArbiterError('E_REWARDS_INPUT', message, details);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The canonical order every computation runs in: rank, then submission hash, participant, seq. */
export function canonicalCompare(a: RewardEntry, b: RewardEntry): number {
  return (
    (a.rank ?? Infinity) - (b.rank ?? Infinity) ||
    compareStrings(a.submission, b.submission) ||
    compareStrings(a.participant, b.participant) ||
    a.submittedSeq - b.submittedSeq
  );
}

export function isEligible(e: RewardEntry): boolean {
  return e.status === 'scored' && e.rank !== null && Number.isFinite(e.rank);
}

/**
 * Allocate `spec.pool` over `entries`. Returns one decimal-string reward per entry, in input order.
 * Throws ArbiterError E_REWARDS_INPUT on invalid parameters or missing inputs a scheme needs.
 */
export function allocateRewards(
  entries: readonly RewardEntry[],
  spec: RewardsSpec,
  ctx: AllocationContext,
): RewardAllocation {
  const pool = BigInt(spec.pool);
  const rewards = entries.map(() => '0');
  const order = entries
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => isEligible(e))
    .sort((x, y) => canonicalCompare(x.e, y.e));
  if (order.length === 0 || pool === 0n) {
    return { pool: spec.pool, scheme: spec.scheme, rewards, unallocated: order.length === 0 ? spec.pool : '0' };
  }
  const ranked = order.map((o) => o.e);
  const weights = schemeWeights(ranked, spec, ctx);
  let total = ZERO;
  for (const w of weights) total = add(total, w);
  // A scheme whose weights are all zero (e.g. every proportional score is 0) splits equally.
  const final = isZero(total) ? ranked.map(() => ONE) : weights;
  const amounts = largestRemainder(
    pool,
    final,
    ranked.map((_, i) => i),
  );
  order.forEach((o, k) => (rewards[o.i] = amounts[k].toString()));
  return { pool: spec.pool, scheme: spec.scheme, rewards, unallocated: '0' };
}

/** Exact weights for entries already in canonical order (positions 1..m). */
export function schemeWeights(ranked: readonly RewardEntry[], spec: RewardsSpec, ctx: AllocationContext): Rational[] {
  const m = ranked.length;
  switch (spec.scheme) {
    case 'winner-take-all':
      return spec.topPercent === undefined ? tieAverage(ranked, positional(m, (p) => (p === 1 ? ONE : ZERO))) : earliestWins(ranked, spec.topPercent);
    case 'top-k': {
      const shares = spec.shares.map((s, i) => exact(s, `shares[${i}]`));
      if (shares.every(isZero)) fail('rewards.shares: at least one share must be > 0');
      return tieAverage(ranked, positional(m, (p) => shares[p - 1] ?? ZERO));
    }
    case 'linear': {
      const k = Math.min(spec.k ?? m, m);
      return tieAverage(ranked, positional(m, (p) => (p <= k ? rat(BigInt(k - p + 1)) : ZERO)));
    }
    case 'geometric': {
      const q = exact(spec.q, 'q');
      if (isZero(q) || cmp(q, ONE) > 0) fail(`rewards.q must be in (0, 1], found ${String(spec.q)}`);
      // q = a/b: weight_p = q^(p-1) is proportional to the integer a^(p-1) * b^(m-p). Integers keep
      // the common denominator at 1, where q^(p-1) as fractions would need an lcm of m huge powers.
      const bPow: bigint[] = [1n];
      for (let k = 1; k < m; k++) bPow.push(bPow[k - 1] * q.d);
      let aPow = 1n;
      const ints: Rational[] = [];
      for (let p = 1; p <= m; p++) {
        ints.push(rat(aPow * bPow[m - p]));
        aPow *= q.n;
      }
      const base = tieAverage(ranked, ints);
      if (spec.stakeAlpha === undefined) return base;
      const alpha = spec.stakeAlpha;
      const factors = ranked.map((e) => stakePower(e, alpha));
      if (factors.every(isZero)) fail('rewards.stakeAlpha: every eligible participant has stake 0');
      return base.map((w, i) => mul(w, factors[i]));
    }
    case 'softmax': {
      const s = oriented(ranked, ctx);
      let max = -Infinity;
      for (const x of s) if (x > max) max = x;
      // Each weight depends only on its own score and the max (order-free), and converts exactly.
      const w = s.map((x) => fromDouble(Math.exp((x - max) / spec.temperature)));
      return tieAverage(ranked, w);
    }
    case 'proportional': {
      const transform = spec.transform ?? (ctx.higherIsBetter ? 'identity' : 'reciprocal');
      // identity only makes sense when higher is better and reciprocal only when lower is better:
      // the other way round would pay worse scores more.
      if ((transform === 'identity' && !ctx.higherIsBetter) || (transform === 'reciprocal' && ctx.higherIsBetter)) {
        fail(
          `proportional transform "${transform}" needs a ${transform === 'identity' ? 'higher' : 'lower'}-is-better primary metric, found a ${ctx.higherIsBetter ? 'higher' : 'lower'}-is-better one (use "distance-from-worst" or leave transform unset)`,
        );
      }
      const s = scores(ranked).map(fromDouble);
      let w: Rational[];
      if (transform === 'identity') {
        w = s.map((x) => (x.n < 0n ? ZERO : x));
      } else if (transform === 'reciprocal') {
        if (s.some((x) => x.n < 0n)) fail('proportional with transform "reciprocal" needs scores >= 0');
        // 1/0 is the limit case: entries with score 0 share everything.
        w = s.some(isZero) ? s.map((x) => (isZero(x) ? ONE : ZERO)) : s.map((x) => div(ONE, x));
      } else {
        // distance from the worst eligible score, in the metric's own direction
        const worst = s.reduce((a, b) => ((ctx.higherIsBetter ? cmp(b, a) < 0 : cmp(b, a) > 0) ? b : a));
        w = s.map((x) => (ctx.higherIsBetter ? sub(x, worst) : sub(worst, x)));
      }
      return tieAverage(ranked, w);
    }
  }
}

function positional(m: number, weight: (position: number) => Rational): Rational[] {
  return Array.from({ length: m }, (_, i) => weight(i + 1));
}

/** Ties share equally: every entry of a group of equal rank gets the mean of the group's weights. */
export function tieAverage(ranked: readonly RewardEntry[], weights: readonly Rational[]): Rational[] {
  const out = weights.slice();
  let start = 0;
  while (start < ranked.length) {
    let end = start + 1;
    while (end < ranked.length && ranked[end].rank === ranked[start].rank) end++;
    if (end - start > 1) {
      const mean = div(sum(weights.slice(start, end)), rat(BigInt(end - start)));
      for (let i = start; i < end; i++) out[i] = mean;
    }
    start = end;
  }
  return out;
}

/**
 * Anti-copy winner-take-all: the candidates are the first c = max(1, ceil(X/100 * m)) positions,
 * widened to every entry tied with position c; among them the smallest submittedSeq wins (equal
 * seqs share).
 */
function earliestWins(ranked: readonly RewardEntry[], topPercent: number): Rational[] {
  const m = ranked.length;
  const x = exact(topPercent, 'topPercent');
  const raw = mul(x, rat(BigInt(m), 100n));
  let c = Number((raw.n + raw.d - 1n) / raw.d); // ceil, exact
  c = Math.max(1, Math.min(m, c));
  const cutRank = ranked[c - 1].rank;
  const candidates = ranked.map((e, i) => i < c || e.rank === cutRank);
  let best = Infinity;
  ranked.forEach((e, i) => {
    if (candidates[i] && e.submittedSeq < best) best = e.submittedSeq;
  });
  return ranked.map((e, i) => (candidates[i] && e.submittedSeq === best ? ONE : ZERO));
}

function scores(ranked: readonly RewardEntry[]): number[] {
  return ranked.map((e) => {
    if (e.score === null || !Number.isFinite(e.score)) {
      fail(`submission ${e.submission} is ranked but has no finite primary score (found ${String(e.score)})`, {
        submission: e.submission,
      });
    }
    return e.score;
  });
}

function oriented(ranked: readonly RewardEntry[], ctx: AllocationContext): number[] {
  return scores(ranked).map((x) => (ctx.higherIsBetter ? x : -x));
}

function exact(value: string | number, name: string): Rational {
  try {
    return parseDecimal(value);
  } catch (err) {
    return fail(`rewards.${name}: ${(err as Error).message}`);
  }
}

const STAKE = /^[0-9]+$/;

/**
 * stake^alpha, exact. For integer alpha up to 4 it is a bigint power; otherwise the double
 * Math.pow(Number(stake), alpha) (V8's fdlibm port: the same bits on every platform for a given
 * Node version), converted exactly to a rational.
 */
export function stakePower(e: { stake?: string; submission: string; participant: string }, alpha: number): Rational {
  if (e.stake === undefined || !STAKE.test(e.stake)) {
    fail(`participant ${e.participant} (submission ${e.submission}) needs a stake as a decimal integer string, found ${JSON.stringify(e.stake ?? null)}`, {
      submission: e.submission,
      participant: e.participant,
    });
  }
  const stake = BigInt(e.stake);
  if (alpha === 0) return ONE;
  if (Number.isInteger(alpha) && alpha <= 4) return rat(stake ** BigInt(alpha));
  const v = Math.pow(Number(stake), alpha);
  if (!Number.isFinite(v)) fail(`stake ${e.stake} ^ ${alpha} overflows a double`);
  return fromDouble(v);
}
