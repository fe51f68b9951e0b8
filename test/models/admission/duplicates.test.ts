import { describe, expect, it } from 'vitest';
import {
  duplicateError, findCopies, findPredictionCopies, PredictionFingerprint, predictionAgreement,
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

// Ranking with rank-after and the earlier-submission margin: test/ranking/advantage.test.ts.

describe('duplicateError', () => {
  it('names the original and the kind of copy', () => {
    const e = duplicateError({ of: 'abc123', kind: 'predictions', agreement: 0.995 });
    expect(e.code).toBe('E_DUPLICATE');
    expect(e.message).toMatch(/agrees on 99.50% .* earlier submission abc123/);
    expect(duplicateError({ of: 'x', kind: 'weights' }).details).toEqual({ of: 'x', kind: 'weights' });
  });
});
