import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../../src/errors.ts';
import { type RewardEntry, allocateRewards } from '../../../src/ranking/rewards/allocate.ts';
import { largestRemainder } from '../../../src/ranking/rewards/largest-remainder.ts';
import { rat } from '../../../src/ranking/rewards/rational.ts';
import { RewardsSpecSchema, type RewardsSpecInput } from '../../../src/ranking/rewards/schema.ts';

const hex = (i: number) => i.toString(16).padStart(64, '0');

/** entries in rank order; `ranks` may repeat for ties; scores default to a decreasing sequence */
function entries(ranks: Array<number | null>, extra: Partial<RewardEntry>[] = []): RewardEntry[] {
  return ranks.map((rank, i) => ({
    submission: hex(i + 1),
    participant: `p${i + 1}`,
    status: rank === null ? 'failed' : 'scored',
    rank,
    score: rank === null ? null : 1 - i / 10,
    submittedSeq: i,
    ...extra[i],
  }));
}

const spec = (s: RewardsSpecInput) => RewardsSpecSchema.parse(s);
const hib = { higherIsBetter: true };

describe('largestRemainder', () => {
  it('floors, then gives leftover units to the largest remainders', () => {
    // 100 * (3,2,1)/6 = 50, 33.33, 16.67 -> 50, 33, 17
    expect(largestRemainder(100n, [rat(3n), rat(2n), rat(1n)], [0, 1, 2])).toEqual([50n, 33n, 17n]);
  });
  it('breaks equal remainders by the given tie order, not by index', () => {
    expect(largestRemainder(2n, [rat(1n), rat(1n), rat(1n)], [0, 1, 2])).toEqual([1n, 1n, 0n]);
    expect(largestRemainder(2n, [rat(1n), rat(1n), rat(1n)], [2, 0, 1])).toEqual([1n, 0n, 1n]);
  });
  it('rejects negative and all-zero weights', () => {
    expect(() => largestRemainder(5n, [rat(-1n), rat(2n)], [0, 1])).toThrow(/>= 0/);
    expect(() => largestRemainder(5n, [rat(0n)], [0])).toThrow(/> 0/);
  });
});

describe('schema', () => {
  it('accepts each scheme and rejects a float pool', () => {
    expect(spec({ pool: '10', scheme: 'geometric', q: 0.85 }).scheme).toBe('geometric');
    const bad = RewardsSpecSchema.safeParse({ pool: 10.5, scheme: 'linear' });
    expect(bad.success).toBe(false);
    expect(RewardsSpecSchema.safeParse({ pool: '1e6', scheme: 'linear' }).success).toBe(false);
    expect(RewardsSpecSchema.safeParse({ pool: '10', scheme: 'linear', extra: 1 }).success).toBe(false);
    expect(RewardsSpecSchema.safeParse({ pool: '10', scheme: 'nope' }).success).toBe(false);
    expect(
      RewardsSpecSchema.safeParse({ pool: '10', scheme: 'linear', consensus: { method: 'trimmed-mean' } }).success,
    ).toBe(false);
    const c = spec({ pool: '10', scheme: 'linear', consensus: {} }).consensus!;
    expect(c).toEqual({ method: 'median', validatorPool: '0', lambda: 1, alpha: 1 });
  });
});

describe('worked examples (docs/rewards.md)', () => {
  it('geometric q = 0.85, m = 3: weights 0.39 / 0.33 / 0.28, pool 10000 -> 3887 / 3304 / 2809', () => {
    // weights 1 : 0.85 : 0.7225 over 2.5725 = 0.38873 / 0.33042 / 0.28086 (exact fractions);
    // quotas 3887.27 / 3304.18 / 2808.55 -> floors sum 9999, the leftover unit goes to 2808.55.
    const a = allocateRewards(entries([1, 2, 3]), spec({ pool: '10000', scheme: 'geometric', q: 0.85 }), hib);
    expect(a.rewards).toEqual(['3887', '3304', '2809']);
    // same result with q as a decimal string
    const b = allocateRewards(entries([1, 2, 3]), spec({ pool: '10000', scheme: 'geometric', q: '0.85' }), hib);
    expect(b.rewards).toEqual(a.rewards);
  });

  it('geometric with stake^alpha renormalises', () => {
    // weights 1 : 0.5, stakes 1 : 4, alpha 1 -> 1 : 2 -> pool 300 -> 100 / 200
    const e = entries([1, 2], [{ stake: '1' }, { stake: '4' }]);
    const a = allocateRewards(e, spec({ pool: '300', scheme: 'geometric', q: '0.5', stakeAlpha: 1 }), hib);
    expect(a.rewards).toEqual(['100', '200']);
    // alpha 0.5: sqrt(4) = 2 -> 1 : 1 -> 150 / 150
    const b = allocateRewards(e, spec({ pool: '300', scheme: 'geometric', q: '0.5', stakeAlpha: 0.5 }), hib);
    expect(b.rewards).toEqual(['150', '150']);
    expect(() =>
      allocateRewards(entries([1, 2]), spec({ pool: '300', scheme: 'geometric', q: '0.5', stakeAlpha: 1 }), hib),
    ).toThrow(/needs a stake/);
  });

  it('linear by rank: m = 4, pool 100 -> 40 / 30 / 20 / 10; k = 2 -> 67 / 33 / 0 / 0', () => {
    expect(allocateRewards(entries([1, 2, 3, 4]), spec({ pool: '100', scheme: 'linear' }), hib).rewards).toEqual([
      '40',
      '30',
      '20',
      '10',
    ]);
    expect(allocateRewards(entries([1, 2, 3, 4]), spec({ pool: '100', scheme: 'linear', k: 2 }), hib).rewards).toEqual([
      '67',
      '33',
      '0',
      '0',
    ]);
  });

  it('linear, pool 100, m = 3: 50 / 33.33 / 16.67 -> 50 / 33 / 17', () => {
    expect(allocateRewards(entries([1, 2, 3]), spec({ pool: '100', scheme: 'linear' }), hib).rewards).toEqual([
      '50',
      '33',
      '17',
    ]);
  });

  it('top-k shares 0.5 / 0.3 / 0.2 with a tie at rank 2: the tied pair shares 0.3 + 0.2', () => {
    const a = allocateRewards(entries([1, 2, 2, 4]), spec({ pool: '1000', scheme: 'top-k', shares: ['0.5', '0.3', '0.2'] }), hib);
    expect(a.rewards).toEqual(['500', '250', '250', '0']);
  });

  it('top-k with fewer ranked entries than shares renormalises over the ranks that exist', () => {
    // 0.5 : 0.3 over 0.8 -> 625 / 375
    const a = allocateRewards(entries([1, 2]), spec({ pool: '1000', scheme: 'top-k', shares: [0.5, 0.3, 0.2] }), hib);
    expect(a.rewards).toEqual(['625', '375']);
  });

  it('winner-take-all: rank 1 takes the pool; a tie at rank 1 splits it, the odd unit by submission hash', () => {
    expect(allocateRewards(entries([1, 2, 3]), spec({ pool: '999', scheme: 'winner-take-all' }), hib).rewards).toEqual([
      '999',
      '0',
      '0',
    ]);
    // submissions hex(1) < hex(2): the smaller hash gets the leftover unit, whatever the input order
    const tie = entries([1, 1, 3]);
    expect(allocateRewards(tie, spec({ pool: '101', scheme: 'winner-take-all' }), hib).rewards).toEqual(['51', '50', '0']);
    expect(allocateRewards([tie[1], tie[2], tie[0]], spec({ pool: '101', scheme: 'winner-take-all' }), hib).rewards).toEqual([
      '50',
      '0',
      '51',
    ]);
  });

  it('winner-take-all top 50% then earliest submission: m = 4 -> candidates ranks 1-2, earliest of them wins', () => {
    const e = entries([1, 2, 3, 4], [{ submittedSeq: 9 }, { submittedSeq: 5 }, { submittedSeq: 1 }, { submittedSeq: 0 }]);
    const a = allocateRewards(e, spec({ pool: '1000', scheme: 'winner-take-all', topPercent: 50 }), hib);
    expect(a.rewards).toEqual(['0', '1000', '0', '0']); // rank 3 and 4 were earlier but are outside the top 50%
    // 10% of 4 = 0.4 -> at least one candidate: rank 1 only
    const b = allocateRewards(e, spec({ pool: '1000', scheme: 'winner-take-all', topPercent: 10 }), hib);
    expect(b.rewards).toEqual(['1000', '0', '0', '0']);
    // ties at the cut are included: ranks 1, 2, 2 with top 50% of 4 = 2 -> entry 3 (tied at rank 2) is a candidate
    const t = entries([1, 2, 2, 4], [{ submittedSeq: 9 }, { submittedSeq: 5 }, { submittedSeq: 1 }, { submittedSeq: 0 }]);
    expect(allocateRewards(t, spec({ pool: '1000', scheme: 'winner-take-all', topPercent: 50 }), hib).rewards).toEqual([
      '0',
      '0',
      '1000',
      '0',
    ]);
  });

  it('softmax T = 1 over scores 2 / 1 / 0 -> weights 1 / e^-1 / e^-2 -> 665241 / 244728 / 90031 (Python fractions oracle)', () => {
    const e = entries([1, 2, 3], [{ score: 2 }, { score: 1 }, { score: 0 }]);
    expect(Math.exp(-1)).toBe(0.36787944117144233); // the same double Python's math.exp(-1) gives
    const a = allocateRewards(e, spec({ pool: '1000000', scheme: 'softmax', temperature: 1 }), hib);
    expect(a.rewards).toEqual(['665241', '244728', '90031']);
  });

  it('softmax on a lower-is-better metric: losses 0.2 / 0.3 / 0.7, T = 0.5 (Python fractions oracle)', () => {
    const e = entries([1, 2, 3], [{ score: 0.2 }, { score: 0.3 }, { score: 0.7 }]);
    const a = allocateRewards(e, spec({ pool: '1000000', scheme: 'softmax', temperature: 0.5 }), { higherIsBetter: false });
    expect(a.rewards).toEqual(['457329', '374429', '168242']);
  });

  it('proportional: identity on accuracy 0.9 / 0.6 / 0.5 -> 900 / 600 / 500; reciprocal on RMSE 0.5 / 1 / 2 -> 400 / 200 / 100', () => {
    const acc = entries([1, 2, 3], [{ score: 0.9 }, { score: 0.6 }, { score: 0.5 }]);
    expect(allocateRewards(acc, spec({ pool: '2000', scheme: 'proportional' }), hib).rewards).toEqual(['900', '600', '500']);
    const rmse = entries([1, 2, 3], [{ score: 0.5 }, { score: 1 }, { score: 2 }]);
    expect(allocateRewards(rmse, spec({ pool: '700', scheme: 'proportional' }), { higherIsBetter: false }).rewards).toEqual([
      '400',
      '200',
      '100',
    ]);
    // distance from worst: 0.5 / 1 / 2 (lower better) -> 1.5 / 1 / 0 -> 600 / 400 / 0 of 1000
    expect(
      allocateRewards(rmse, spec({ pool: '1000', scheme: 'proportional', transform: 'distance-from-worst' }), {
        higherIsBetter: false,
      }).rewards,
    ).toEqual(['600', '400', '0']);
    // a perfect score of 0 under reciprocal takes everything (the limit of 1/s)
    const perfect = entries([1, 2], [{ score: 0 }, { score: 1 }]);
    expect(allocateRewards(perfect, spec({ pool: '10', scheme: 'proportional' }), { higherIsBetter: false }).rewards).toEqual([
      '10',
      '0',
    ]);
    // a transform that would pay worse scores more is refused
    expect(() => allocateRewards(rmse, spec({ pool: '10', scheme: 'proportional', transform: 'identity' }), { higherIsBetter: false })).toThrow(
      /needs a higher-is-better primary metric/,
    );
    expect(() => allocateRewards(acc, spec({ pool: '10', scheme: 'proportional', transform: 'reciprocal' }), hib)).toThrow(
      /needs a lower-is-better primary metric/,
    );
    // every weight 0: equal split
    const zeros = entries([1, 1], [{ score: 0 }, { score: 0 }]);
    expect(allocateRewards(zeros, spec({ pool: '10', scheme: 'proportional' }), hib).rewards).toEqual(['5', '5']);
  });

  it('failed and duplicate rows get nothing and the pool still sums exactly', () => {
    const e = entries([1, null, 2, null]);
    e[3] = { ...e[3], status: 'duplicate', submission: e[0].submission };
    const a = allocateRewards(e, spec({ pool: '7', scheme: 'linear' }), hib);
    expect(a.rewards).toEqual(['5', '0', '2', '0']); // 7 * 2/3 = 4.67, 7 * 1/3 = 2.33 -> 4 + 1, 2
    expect(a.unallocated).toBe('0');
  });

  it('nobody eligible: every reward is 0 and the pool is reported unallocated', () => {
    const a = allocateRewards(entries([null, null]), spec({ pool: '7', scheme: 'linear' }), hib);
    expect(a).toEqual({ pool: '7', scheme: 'linear', rewards: ['0', '0'], unallocated: '7' });
  });

  it('bad parameters are E_REWARDS_INPUT', () => {
    const run = () => allocateRewards(entries([1, 2]), spec({ pool: '7', scheme: 'geometric', q: 1.5 }), hib);
    expect(run).toThrow(ArbiterError);
    expect(run).toThrow(/q must be in \(0, 1\]/);
    try {
      allocateRewards(entries([1], [{ score: null }]), spec({ pool: '7', scheme: 'softmax', temperature: 1 }), hib);
      expect.unreachable();
    } catch (err) {
      expect((err as ArbiterError).code).toBe('E_REWARDS_INPUT');
    }
  });
});
