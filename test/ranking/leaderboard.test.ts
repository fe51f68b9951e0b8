// Ranking: direction of the primary metric, tie-breaks in order, "earliest", shared ranks
// ("1224") when nothing breaks a tie, unranked entries last in submission order, and an output
// that cannot depend on the order the entries were given in.
import { describe, expect, it } from 'vitest';
import { compareEntries, rankEntries, type RankInput, type RankRule } from '../../src/ranking/leaderboard.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';

const DIRECTION = { log_loss: false, accuracy: true, macro_f1: true, mse: false };

function rule(primary: string, tieBreak: string[]): RankRule {
  return { primary, tieBreak, higherIsBetter: DIRECTION };
}

const scored = (seq: number, scores: Record<string, number>): RankInput => ({ seq, status: 'scored', scores });
const failed = (seq: number): RankInput => ({ seq, status: 'failed', scores: {} });
const dup = (seq: number): RankInput => ({ seq, status: 'duplicate', scores: {} });

/** "seq:rank" in output order, `-` for unranked: independent of the input order. */
function view(entries: RankInput[], r: RankRule): string[] {
  return rankEntries(entries, r).map(({ index, rank }) => `${entries[index]!.seq}:${rank ?? '-'}`);
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('rankEntries', () => {
  it('lower-is-better primary ranks the smallest loss first; higher-is-better the largest accuracy', () => {
    const entries = [scored(1, { log_loss: 0.9, accuracy: 0.2 }), scored(2, { log_loss: 0.1, accuracy: 0.5 }), scored(3, { log_loss: 0.5, accuracy: 0.9 })];
    expect(view(entries, rule('log_loss', []))).toEqual(['2:1', '3:2', '1:3']);
    expect(view(entries, rule('accuracy', []))).toEqual(['3:1', '2:2', '1:3']);
  });

  it('returns indices into the input', () => {
    const entries = [scored(5, { mse: 3 }), scored(9, { mse: 1 })];
    expect(rankEntries(entries, rule('mse', []))).toEqual([{ index: 1, rank: 1 }, { index: 0, rank: 2 }]);
  });

  it('tie-break by the next metric, in its own direction, then the one after', () => {
    const entries = [
      scored(1, { log_loss: 0.3, accuracy: 0.7, macro_f1: 0.1 }),
      scored(2, { log_loss: 0.3, accuracy: 0.8, macro_f1: 0.1 }),
      scored(3, { log_loss: 0.3, accuracy: 0.7, macro_f1: 0.6 }),
      scored(4, { log_loss: 0.2, accuracy: 0.1, macro_f1: 0.0 }),
    ];
    expect(view(entries, rule('log_loss', ['accuracy', 'macro_f1']))).toEqual(['4:1', '2:2', '3:3', '1:4']);
    // the order of tie-breaks matters
    expect(view(entries, rule('log_loss', ['macro_f1', 'accuracy']))).toEqual(['4:1', '3:2', '2:3', '1:4']);
  });

  it('"earliest" gives every tie a distinct rank, the smaller seq first', () => {
    const entries = [scored(7, { accuracy: 0.5 }), scored(3, { accuracy: 0.5 }), scored(5, { accuracy: 0.9 }), scored(1, { accuracy: 0.5 })];
    expect(view(entries, rule('accuracy', ['earliest']))).toEqual(['5:1', '1:2', '3:3', '7:4']);
  });

  it('without "earliest", entries still tied share a rank and the next rank skips ("1224")', () => {
    const entries = [
      scored(1, { accuracy: 0.9, macro_f1: 0.5 }),
      scored(2, { accuracy: 0.8, macro_f1: 0.5 }),
      scored(3, { accuracy: 0.8, macro_f1: 0.5 }),
      scored(4, { accuracy: 0.7, macro_f1: 0.5 }),
    ];
    expect(view(entries, rule('accuracy', ['macro_f1']))).toEqual(['1:1', '2:2', '3:2', '4:4']);
    const allTied = [scored(3, { mse: 1 }), scored(1, { mse: 1 }), scored(2, { mse: 1 })];
    // shared rank 1, listed in submission order
    expect(view(allTied, rule('mse', []))).toEqual(['1:1', '2:1', '3:1']);
    const twoPairs = [scored(1, { mse: 2 }), scored(2, { mse: 1 }), scored(3, { mse: 2 }), scored(4, { mse: 1 }), scored(5, { mse: 3 })];
    expect(view(twoPairs, rule('mse', []))).toEqual(['2:1', '4:1', '1:3', '3:3', '5:5']);
  });

  it('a tie-break resolves only the ties it can', () => {
    const entries = [scored(1, { mse: 1, accuracy: 0.5 }), scored(2, { mse: 1, accuracy: 0.5 }), scored(3, { mse: 1, accuracy: 0.6 })];
    expect(view(entries, rule('mse', ['accuracy']))).toEqual(['3:1', '1:2', '2:2']);
  });

  it('failed and duplicate entries follow the ranked ones, in submission order, without a rank', () => {
    const entries = [failed(4), scored(6, { mse: 2 }), dup(2), scored(5, { mse: 1 }), failed(1), dup(3)];
    expect(view(entries, rule('mse', ['earliest']))).toEqual(['5:1', '6:2', '1:-', '2:-', '3:-', '4:-']);
    expect(view([failed(2), dup(1)], rule('mse', []))).toEqual(['1:-', '2:-']);
    expect(rankEntries([], rule('mse', []))).toEqual([]);
  });

  it('any permutation of the input gives the same ranking', () => {
    const rand = mulberry32(17);
    const entries: RankInput[] = [];
    for (let seq = 1; seq <= 24; seq++) {
      if (seq % 7 === 0) { entries.push(failed(seq)); continue; }
      if (seq % 11 === 0) { entries.push(dup(seq)); continue; }
      // coarse values so that many ties happen on each metric
      entries.push(scored(seq, { log_loss: Math.floor(rand() * 3) / 4, accuracy: Math.floor(rand() * 3) / 4, macro_f1: Math.floor(rand() * 2) / 2 }));
    }
    for (const r of [rule('log_loss', ['accuracy', 'macro_f1', 'earliest']), rule('log_loss', ['accuracy']), rule('macro_f1', [])]) {
      const want = view(entries, r);
      expect(new Set(want.map((s) => s.split(':')[1])).size).toBeGreaterThan(2);
      for (let p = 0; p < 25; p++) expect(view(shuffled(entries, 100 + p), r), `permutation ${p}`).toEqual(want);
      expect(view([...entries].reverse(), r)).toEqual(want);
    }
  });

  it('ranks are 1..n with "earliest" and never exceed the number of scored entries', () => {
    const entries = Array.from({ length: 10 }, (_, i) => scored(i + 1, { mse: i % 3 }));
    const ranks = rankEntries(entries, rule('mse', ['earliest'])).map((x) => x.rank);
    expect(ranks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const shared = rankEntries(entries, rule('mse', [])).map((x) => x.rank);
    expect(shared).toEqual([1, 1, 1, 1, 5, 5, 5, 8, 8, 8]); // four 0s, three 1s, three 2s
  });
});

describe('compareEntries', () => {
  it('is antisymmetric and zero only for full ties', () => {
    const a = scored(1, { log_loss: 0.2, accuracy: 0.5 });
    const b = scored(2, { log_loss: 0.2, accuracy: 0.6 });
    const r = rule('log_loss', ['accuracy']);
    expect(compareEntries(a, b, r)).toBeGreaterThan(0);
    expect(compareEntries(b, a, r)).toBeLessThan(0);
    expect(compareEntries(a, a, r)).toBe(0);
    expect(compareEntries(a, scored(9, { log_loss: 0.2, accuracy: 0.5 }), r)).toBe(0);
    expect(compareEntries(a, scored(9, { log_loss: 0.2, accuracy: 0.5 }), rule('log_loss', ['accuracy', 'earliest']))).toBeLessThan(0);
  });

  it('compares exact float values: a one-ulp difference decides', () => {
    const x = 0.1 + 0.2;
    const a = scored(2, { mse: x });
    const b = scored(1, { mse: 0.3 });
    expect(x).not.toBe(0.3);
    expect(compareEntries(b, a, rule('mse', ['earliest']))).toBeLessThan(0); // 0.3 < 0.30000000000000004
    expect(view([a, b], rule('mse', []))).toEqual(['1:1', '2:2']);
  });

  it('-0 and 0 tie', () => {
    expect(compareEntries(scored(1, { mse: -0 }), scored(2, { mse: 0 }), rule('mse', []))).toBe(0);
  });
});
