// Property tests of rankWithAdvantage on seeded random leaderboards (mulberry32): ε = 0 is today's
// ranking, the margin guarantee holds, the result does not depend on the input order, ties share
// ranks, and rank-after duplicates always follow their original.
import { describe, expect, it } from 'vitest';
import { rankWithAdvantage } from '../../src/ranking/advantage.ts';
import { rankEntries, type RankInput, type RankRule } from '../../src/ranking/leaderboard.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';

function randomBoard(rand: () => number): { entries: RankInput[]; rule: RankRule } {
  const n = 1 + Math.floor(rand() * 12);
  // Few distinct values, so that ties on the primary and on the tie-break are common.
  const pick = () => Math.floor(rand() * 6) / 10;
  const seqs = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [seqs[i], seqs[j]] = [seqs[j]!, seqs[i]!]; }
  const entries = seqs.map((seq): RankInput => ({
    seq, status: rand() < 0.15 ? 'failed' : rand() < 0.05 ? 'duplicate' : 'scored', scores: { m: pick(), t: pick() },
  }));
  const rule: RankRule = { primary: 'm', tieBreak: rand() < 0.5 ? ['t', 'earliest'] : ['t'], higherIsBetter: { m: rand() < 0.5, t: rand() < 0.5 } };
  return { entries, rule };
}

const gainOf = (e: RankInput[], rule: RankRule, later: number, earlier: number) =>
  rule.higherIsBetter.m ? e[later]!.scores.m! - e[earlier]!.scores.m! : e[earlier]!.scores.m! - e[later]!.scores.m!;

describe('rankWithAdvantage', () => {
  it('with ε = 0 and no flags gives exactly rankEntries (500 random boards)', () => {
    const rand = mulberry32(1);
    for (let t = 0; t < 500; t++) {
      const { entries, rule } = randomBoard(rand);
      expect(rankWithAdvantage(entries, rule, { epsilon: 0 })).toEqual(rankEntries(entries, rule));
    }
  });

  it('insertion with ε = 0 (forced through the flags path with an empty-effect flag) matches rankEntries too', () => {
    const rand = mulberry32(2);
    for (let t = 0; t < 300; t++) {
      const { entries, rule } = randomBoard(rand);
      // a flag naming an entry that is not scored changes nothing, but takes the general path
      const failed = entries.findIndex((e) => e.status !== 'scored');
      if (failed < 0) continue;
      expect(rankWithAdvantage(entries, rule, { rankAfter: new Map([[failed, failed]]) })).toEqual(rankEntries(entries, rule));
    }
  });

  it('never puts a later submission above an earlier one it did not beat by more than ε', () => {
    const rand = mulberry32(3);
    for (let t = 0; t < 500; t++) {
      const { entries, rule } = randomBoard(rand);
      const epsilon = [0.05, 0.1, 0.25][t % 3]!;
      const out = rankWithAdvantage(entries, rule, { epsilon }).filter((x) => x.rank !== null).map((x) => x.index);
      for (let i = 0; i < out.length; i++) {
        for (let j = i + 1; j < out.length; j++) {
          const above = out[i]!;
          const below = out[j]!;
          if (entries[above]!.seq > entries[below]!.seq) expect(gainOf(entries, rule, above, below)).toBeGreaterThan(epsilon);
        }
      }
    }
  });

  it('is deterministic: the same leaderboard in any input order ranks the same submissions the same way', () => {
    const rand = mulberry32(4);
    for (let t = 0; t < 200; t++) {
      const { entries, rule } = randomBoard(rand);
      const perm = entries.map((_, i) => i).reverse();
      const shuffled = perm.map((i) => entries[i]!);
      const a = rankWithAdvantage(entries, rule, { epsilon: 0.1 }).map((x) => [entries[x.index]!.seq, x.rank]);
      const b = rankWithAdvantage(shuffled, rule, { epsilon: 0.1 }).map((x) => [shuffled[x.index]!.seq, x.rank]);
      expect(b).toEqual(a);
    }
  });

  it('keeps the earlier submission first within the margin and lets a clear win through (worked example)', () => {
    const rule: RankRule = { primary: 'loss', tieBreak: ['earliest'], higherIsBetter: { loss: false } };
    const e = (seq: number, loss: number): RankInput => ({ seq, status: 'scored', scores: { loss } });
    // A (seq 0) 0.300; B (seq 1) 0.299 beats A by 0.001 <= ε; C (seq 2) 0.280 beats both by more.
    const entries = [e(0, 0.3), e(1, 0.299), e(2, 0.28)];
    const ranked = rankWithAdvantage(entries, rule, { epsilon: 0.002 });
    expect(ranked).toEqual([{ index: 2, rank: 1 }, { index: 0, rank: 2 }, { index: 1, rank: 3 }]);
    expect(rankWithAdvantage(entries, rule, { epsilon: 0 }).map((x) => x.index)).toEqual([2, 1, 0]);
  });

  it('shares a rank between fully tied rows (no earliest in the tie-break), also with ε > 0', () => {
    const rule: RankRule = { primary: 'acc', tieBreak: [], higherIsBetter: { acc: true } };
    const entries: RankInput[] = [0.9, 0.9, 0.5].map((acc, seq) => ({ seq, status: 'scored', scores: { acc } }));
    expect(rankWithAdvantage(entries, rule, { epsilon: 0.1 })).toEqual([{ index: 0, rank: 1 }, { index: 1, rank: 1 }, { index: 2, rank: 3 }]);
  });

  it('rank-after: a flagged copy always follows its original and never shares its rank', () => {
    const rand = mulberry32(5);
    for (let t = 0; t < 300; t++) {
      const { entries, rule } = randomBoard(rand);
      const scored = entries.map((_, i) => i).filter((i) => entries[i]!.status === 'scored').sort((p, q) => entries[p]!.seq - entries[q]!.seq);
      if (scored.length < 2) continue;
      // flag the latest scored entry as a copy of the earliest
      const orig = scored[0]!;
      const copy = scored[scored.length - 1]!;
      const out = rankWithAdvantage(entries, rule, { epsilon: t % 2 ? 0.1 : 0, rankAfter: new Map([[copy, orig]]) });
      const pos = (i: number) => out.findIndex((x) => x.index === i);
      expect(pos(copy)).toBeGreaterThan(pos(orig));
      expect(out[pos(copy)]!.rank).toBeGreaterThan(out[pos(orig)]!.rank!);
    }
  });

  it('refuses a negative or non-finite ε', () => {
    const rule: RankRule = { primary: 'm', tieBreak: [], higherIsBetter: { m: true } };
    expect(() => rankWithAdvantage([], rule, { epsilon: -1 })).toThrow(RangeError);
    expect(() => rankWithAdvantage([], rule, { epsilon: Number.NaN })).toThrow(RangeError);
  });

  it('keeps A > B > C in the non-transitive case (C beats A by more than ε, but not B)', () => {
    const rule: RankRule = { primary: 'acc', tieBreak: ['earliest'], higherIsBetter: { acc: true } };
    const entries: RankInput[] = [0.8, 0.805, 0.812].map((acc, seq) => ({ seq, status: 'scored', scores: { acc } }));
    expect(rankWithAdvantage(entries, rule, { epsilon: 0.01 }).map((x) => x.index)).toEqual([0, 1, 2]);
    expect(rankWithAdvantage(entries, rule, { epsilon: 0 }).map((x) => x.index)).toEqual([2, 1, 0]);
  });

  it('rank-after settles chains in registration order (d copies c copies b)', () => {
    const rule: RankRule = { primary: 'acc', tieBreak: ['earliest'], higherIsBetter: { acc: true } };
    // a, b, c, d registered in that order; plain ranking d, c, a, b
    const entries: RankInput[] = [0.7, 0.6, 0.8, 0.9].map((acc, seq) => ({ seq, status: 'scored', scores: { acc } }));
    const out = rankWithAdvantage(entries, rule, { rankAfter: new Map([[2, 1], [3, 2]]) });
    expect(out).toEqual([{ index: 0, rank: 1 }, { index: 1, rank: 2 }, { index: 2, rank: 3 }, { index: 3, rank: 4 }]);
    // a copy already below its original stays where it is
    const below = rankWithAdvantage(entries, rule, { rankAfter: new Map([[1, 0]]) });
    expect(below.map((x) => x.index)).toEqual([3, 2, 0, 1]);
  });
});
