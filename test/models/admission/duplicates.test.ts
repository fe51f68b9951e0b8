import { describe, expect, it } from 'vitest';
import {
  applyDuplicatePolicy, duplicateError, findCopies, findPredictionCopies, PredictionFingerprint, predictionAgreement, rankWithEarlierAdvantage,
} from '../../../src/models/admission/duplicates.ts';

describe('findCopies', () => {
  it('flags later identical bytes and identical weights, pointing at the earliest', () => {
    const flags = findCopies([
      { key: 'c', order: 3, sha256: 'h1', weightsHash: 'w1' },
      { key: 'a', order: 1, sha256: 'h1', weightsHash: 'w1' },
      { key: 'b', order: 2, sha256: 'h2', weightsHash: 'w1' },
      { key: 'd', order: 4, sha256: 'h3', weightsHash: 'w2' },
      { key: 'e', order: 5, sha256: 'h4', weightsHash: '' },
      { key: 'f', order: 6, sha256: 'h5', weightsHash: '' },
    ], { weights: true });
    expect(Object.fromEntries(flags)).toEqual({ c: { of: 'a', kind: 'bytes' }, b: { of: 'a', kind: 'weights' } });
    expect(Object.fromEntries(findCopies([
      { key: 'a', order: 1, sha256: 'h1', weightsHash: 'w1' }, { key: 'b', order: 2, sha256: 'h2', weightsHash: 'w1' },
    ], { weights: false }))).toEqual({});
  });
});

describe('prediction fingerprints', () => {
  it('agree on rows equal to the configured significant digits, treating -0 as 0', () => {
    const a = new PredictionFingerprint(4);
    const b = new PredictionFingerprint(4);
    a.addRows([0.12341, 0.5, 1, 2, -0, 3, 7, 8], 2);
    b.addRows([0.12339, 0.5, 1, 2.001, 0, 3], 2);
    b.addRows([7, 8.01], 2);
    expect(a.rows).toBe(4);
    // rows: 0.1234==0.1234 & 0.5 -> same; 2 vs 2.001 -> differ; -0/0 & 3 -> same; 8 vs 8.01 -> differ
    expect(predictionAgreement(a.digest(), b.digest())).toBe(0.5);
    expect(() => a.addRows([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => predictionAgreement(a.digest(), new Uint32Array(3))).toThrow(RangeError);
  });

  it('flags a later submission agreeing on more than the threshold share of rows', () => {
    const fp = (vals: number[]) => { const f = new PredictionFingerprint(); f.addRows(vals, 1); return f.digest(); };
    const base = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const flags = findPredictionCopies([
      { key: 'orig', order: 1, fingerprint: fp(base) },
      { key: 'copy9', order: 2, fingerprint: fp([...base.slice(0, 9), 99]) },   // 90% agreement
      { key: 'honest', order: 3, fingerprint: fp(base.map((v) => v + 0.5)) },   // 0%
    ], 0.85);
    expect(Object.fromEntries(flags)).toEqual({ copy9: { of: 'orig', kind: 'predictions', agreement: 0.9 } });
    expect(findPredictionCopies([
      { key: 'orig', order: 1, fingerprint: fp(base) }, { key: 'copy9', order: 2, fingerprint: fp([...base.slice(0, 9), 99]) },
    ], 0.9).size).toBe(0); // "more than" the share: exactly 90% is not flagged
  });
});

describe('applyDuplicatePolicy', () => {
  const order: Record<string, number> = { a: 1, b: 2, c: 3, d: 4 };
  it('rank-after moves a copy ranked above its original to directly below it, settling chains', () => {
    const flags = new Map([['c', { of: 'b', kind: 'weights' as const }], ['d', { of: 'c', kind: 'predictions' as const }]]);
    expect(applyDuplicatePolicy(['d', 'c', 'a', 'b'], flags, 'rank-after', (k) => order[k]!).ranked).toEqual(['a', 'b', 'c', 'd']);
    // A copy already below its original stays where it is.
    expect(applyDuplicatePolicy(['b', 'a', 'c'], new Map([['c', { of: 'b', kind: 'bytes' as const }]]), 'rank-after', (k) => order[k]!).ranked).toEqual(['b', 'a', 'c']);
  });
  it('exclude removes flagged submissions from the ranking', () => {
    const r = applyDuplicatePolicy(['c', 'a', 'b'], new Map([['c', { of: 'a', kind: 'bytes' as const }]]), 'exclude', (k) => order[k]!);
    expect(r).toEqual({ ranked: ['a', 'b'], excluded: ['c'] });
  });
});

describe('rankWithEarlierAdvantage', () => {
  const hi = { higherIsBetter: true };
  it('with epsilon 0 sorts by score, ties to the earlier submission', () => {
    expect(rankWithEarlierAdvantage([
      { key: 'late', order: 3, score: 0.9 }, { key: 'early', order: 1, score: 0.9 }, { key: 'mid', order: 2, score: 0.95 },
    ], { ...hi, epsilon: 0 })).toEqual(['mid', 'early', 'late']);
  });
  it('a later submission must beat an earlier one by more than epsilon', () => {
    const e = [{ key: 'A', order: 1, score: 0.80 }, { key: 'B', order: 2, score: 0.805 }, { key: 'C', order: 3, score: 0.9 }];
    expect(rankWithEarlierAdvantage(e, { ...hi, epsilon: 0.01 })).toEqual(['C', 'A', 'B']);
    expect(rankWithEarlierAdvantage(e, { ...hi, epsilon: 0 })).toEqual(['C', 'B', 'A']);
    // Lower is better (a loss).
    expect(rankWithEarlierAdvantage([{ key: 'A', order: 1, score: 1.0 }, { key: 'B', order: 2, score: 0.995 }], { higherIsBetter: false, epsilon: 0.01 })).toEqual(['A', 'B']);
  });
  it('never ranks a submission above an earlier one it did not beat by the margin (non-transitive case)', () => {
    // C beats A by 0.012 > eps but not B (0.007); B does not beat A. Result keeps A > B > C.
    const e = [{ key: 'A', order: 1, score: 0.800 }, { key: 'B', order: 2, score: 0.805 }, { key: 'C', order: 3, score: 0.812 }];
    const ranked = rankWithEarlierAdvantage(e, { ...hi, epsilon: 0.01 });
    expect(ranked).toEqual(['A', 'B', 'C']);
    // Property check over a seeded random set: the guarantee holds for every pair.
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const many = Array.from({ length: 60 }, (_, i) => ({ key: `s${i}`, order: i, score: Math.round(rnd() * 100) / 100 }));
    const r = rankWithEarlierAdvantage(many, { ...hi, epsilon: 0.05 });
    const pos = new Map(r.map((k, i) => [k, i]));
    for (const x of many) for (const y of many) {
      if (y.order > x.order && pos.get(y.key)! < pos.get(x.key)!) expect(y.score - x.score).toBeGreaterThan(0.05);
    }
    expect(() => rankWithEarlierAdvantage([{ key: 'x', order: 1, score: NaN }], { ...hi, epsilon: 0 })).toThrow(RangeError);
  });
});

describe('duplicateError', () => {
  it('names the original and the kind of copy', () => {
    const e = duplicateError({ of: 'abc123', kind: 'predictions', agreement: 0.995 });
    expect(e.code).toBe('E_DUPLICATE');
    expect(e.message).toMatch(/agrees on 99.50% .* earlier submission abc123/);
    expect(duplicateError({ of: 'x', kind: 'weights' }).details).toEqual({ of: 'x', kind: 'weights' });
  });
});
