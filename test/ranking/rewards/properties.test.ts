// Property tests over seeded random inputs: exact sum, monotone in rank, order-free.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/models/onnx/builder.ts';
import { type RewardEntry, allocateRewards } from '../../../src/ranking/rewards/allocate.ts';
import { RewardsSpecSchema, type RewardsSpec } from '../../../src/ranking/rewards/schema.ts';

const hex = (i: number) => i.toString(16).padStart(64, '0');

function randomEntries(rand: () => number, higherIsBetter: boolean): RewardEntry[] {
  const n = 1 + Math.floor(rand() * 12);
  // scores with deliberate ties, ranked competition-style (1, 1, 3) in the metric's direction
  const raw = Array.from({ length: n }, () => Math.round(rand() * 8) / 8 + (rand() < 0.3 ? 0 : rand() * 1e-9));
  const statuses = raw.map(() => (rand() < 0.15 ? 'failed' : rand() < 0.1 ? 'duplicate' : 'scored'));
  const scored = raw.map((s, i) => ({ s, i })).filter(({ i }) => statuses[i] === 'scored');
  scored.sort((a, b) => (higherIsBetter ? b.s - a.s : a.s - b.s));
  const rank = new Array<number | null>(n).fill(null);
  scored.forEach(({ s, i }, k) => (rank[i] = k > 0 && scored[k - 1].s === s ? rank[scored[k - 1].i] : k + 1));
  const seqs = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [seqs[i], seqs[j]] = [seqs[j], seqs[i]];
  }
  return raw.map((s, i) => ({
    submission: hex(1000 + Math.floor(rand() * 1e9)),
    participant: `p${i}`,
    status: statuses[i] as RewardEntry['status'],
    rank: rank[i],
    score: statuses[i] === 'scored' ? s : null,
    submittedSeq: seqs[i],
    stake: String(1 + Math.floor(rand() * 1000)),
  }));
}

function randomSpec(rand: () => number): RewardsSpec {
  const pool = String(Math.floor(rand() * 1e6) + (rand() < 0.5 ? 0 : 1e15));
  const pick = Math.floor(rand() * 7);
  const candidates: unknown[] = [
    { pool, scheme: 'winner-take-all' },
    { pool, scheme: 'top-k', shares: ['0.5', '0.3', '0.2'] },
    { pool, scheme: 'linear' },
    { pool, scheme: 'linear', k: 3 },
    { pool, scheme: 'geometric', q: (0.05 + rand() * 0.95).toFixed(3) },
    { pool, scheme: 'softmax', temperature: 0.05 + rand() * 2 },
    { pool, scheme: 'proportional', transform: rand() < 0.5 ? 'distance-from-worst' : undefined },
  ];
  const s = candidates[pick] as Record<string, unknown>;
  if (s.transform === undefined) delete s.transform;
  return RewardsSpecSchema.parse(s);
}

const sumOf = (xs: string[]) => xs.reduce((a, b) => a + BigInt(b), 0n);

describe('reward properties (500 seeded cases)', () => {
  it('sum equals the pool, better rank never gets less, permutation changes nothing', () => {
    const rand = mulberry32(20261129);
    let checked = 0;
    for (let c = 0; c < 500; c++) {
      const higherIsBetter = rand() < 0.5;
      const e = randomEntries(rand, higherIsBetter);
      const spec = randomSpec(rand);
      const a = allocateRewards(e, spec, { higherIsBetter });
      const anyEligible = e.some((x) => x.status === 'scored');
      expect(sumOf(a.rewards) + BigInt(a.unallocated)).toBe(BigInt(spec.pool));
      if (anyEligible) expect(a.unallocated).toBe('0');
      e.forEach((x, i) => {
        if (x.status !== 'scored') expect(a.rewards[i]).toBe('0');
      });
      for (let i = 0; i < e.length; i++)
        for (let j = 0; j < e.length; j++) {
          const ri = e[i].rank;
          const rj = e[j].rank;
          if (ri !== null && rj !== null && ri < rj) expect(BigInt(a.rewards[i]) >= BigInt(a.rewards[j])).toBe(true);
          if (ri !== null && ri === rj) {
            const d = BigInt(a.rewards[i]) - BigInt(a.rewards[j]);
            expect(d >= -1n && d <= 1n).toBe(true); // ties share equally, up to the indivisible unit
          }
        }
      // reverse and rotate the input: every entry keeps its reward
      const perm = e.map((_, i) => (i * 7 + 3) % e.length);
      const unique = new Set(perm).size === e.length ? perm : e.map((_, i) => e.length - 1 - i);
      const b = allocateRewards(
        unique.map((k) => e[k]),
        spec,
        { higherIsBetter },
      );
      unique.forEach((k, pos) => expect(b.rewards[pos]).toBe(a.rewards[k]));
      checked++;
    }
    expect(checked).toBe(500);
  });

  it('anti-copy winner-take-all and stake-weighted geometric also sum exactly and are order-free', () => {
    const rand = mulberry32(99);
    for (let c = 0; c < 200; c++) {
      const e = randomEntries(rand, true);
      const spec =
        c % 2 === 0
          ? RewardsSpecSchema.parse({ pool: '1000003', scheme: 'winner-take-all', topPercent: 1 + rand() * 99 })
          : RewardsSpecSchema.parse({ pool: '1000003', scheme: 'geometric', q: '0.8', stakeAlpha: rand() < 0.5 ? 1 : 0.37 });
      const a = allocateRewards(e, spec, { higherIsBetter: true });
      expect(sumOf(a.rewards) + BigInt(a.unallocated)).toBe(1000003n);
      const rev = e.slice().reverse();
      const b = allocateRewards(rev, spec, { higherIsBetter: true });
      expect(b.rewards.slice().reverse()).toEqual(a.rewards);
    }
  });
});
