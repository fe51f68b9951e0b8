// The keyed-hash split: deterministic, independent of row order, close to the requested public
// fraction, different for a different key, and pinned to HMAC-SHA256 goldens computed with
// Python's hmac module (so any platform or refactor that moves a row is caught).
import { describe, expect, it } from 'vitest';
import { canonicalId, PRIVATE, PUBLIC, splitOf, SPLITS } from '../../src/data/split.ts';

const KEY = new TextEncoder().encode('tabular-demo-split-key-2026');
const enc = (s: string) => new TextEncoder().encode(s);

function assign(key: Uint8Array, ids: string[], fraction: number): Map<string, number> {
  return new Map(ids.map((id) => [id, splitOf(key, id, fraction)]));
}

const IDS = Array.from({ length: 10_000 }, (_, i) => String(1000 + i * 7));

describe('splitOf', () => {
  it('matches HMAC-SHA256 goldens: u = first 53 bits / 2^53, public iff u < fraction', () => {
    // u values from: python3 -c "hmac.new(key, id.encode(), sha256).digest()[:8] >> 11 / 2**53"
    const golden: Array<[Uint8Array, string, number]> = [
      [KEY, '1', 0.684278234801097],
      [KEY, '1004', 0.9455031290964083],
      [enc('key-0123456789'), 'abc', 0.5212908812669217],
      [enc('key-0123456789'), 'été', 0.7591233601987013],
    ];
    for (const [key, id, u] of golden) {
      expect(splitOf(key, id, u)).toBe(PRIVATE); // u < u is false
      expect(splitOf(key, id, u + 2 ** -53)).toBe(PUBLIC);
      expect(splitOf(key, id, Math.min(0.999999, u + 1e-9))).toBe(PUBLIC);
      expect(splitOf(key, id, u - 1e-9)).toBe(PRIVATE);
    }
  });

  it('is deterministic and independent of the order rows are seen', () => {
    const a = assign(KEY, IDS, 0.3);
    const reversed = assign(KEY, [...IDS].reverse(), 0.3);
    const interleaved = assign(KEY, IDS.filter((_, i) => i % 2 === 1).concat(IDS.filter((_, i) => i % 2 === 0)), 0.3);
    const again = assign(KEY, IDS, 0.3);
    const differing = IDS.filter((id) => reversed.get(id) !== a.get(id) || interleaved.get(id) !== a.get(id) || again.get(id) !== a.get(id));
    expect(differing).toEqual([]);
    expect(new Set(a.values())).toEqual(new Set([PUBLIC, PRIVATE]));
  });

  it('gives roughly the requested public fraction on 10k ids (within ±2%)', () => {
    for (const fraction of [0.1, 0.3, 0.5, 0.8]) {
      const pub = IDS.filter((id) => splitOf(KEY, id, fraction) === PUBLIC).length;
      expect(Math.abs(pub / IDS.length - fraction), `fraction ${fraction}: ${pub} public`).toBeLessThan(0.02);
    }
  });

  it('is monotone in the fraction: a row public at f stays public at any larger f', () => {
    const at = (f: number) => IDS.slice(0, 2000).map((id) => splitOf(KEY, id, f));
    const lo = at(0.2);
    const hi = at(0.6);
    lo.forEach((v, i) => { if (v === PUBLIC) expect(hi[i]).toBe(PUBLIC); });
    expect(hi.filter((v) => v === PUBLIC).length).toBeGreaterThan(lo.filter((v) => v === PUBLIC).length);
  });

  it('a different key gives a different assignment (about half of rows move at 0.5)', () => {
    const a = IDS.map((id) => splitOf(KEY, id, 0.5));
    const b = IDS.map((id) => splitOf(enc('tabular-demo-split-key-2027'), id, 0.5));
    const moved = a.filter((v, i) => v !== b[i]).length;
    expect(moved / IDS.length).toBeGreaterThan(0.45);
    expect(moved / IDS.length).toBeLessThan(0.55);
  });

  it('the id text matters: "1" and "01" are different rows', () => {
    const ids = Array.from({ length: 200 }, (_, i) => String(i + 1));
    const plain = ids.map((id) => splitOf(KEY, id, 0.5));
    const padded = ids.map((id) => splitOf(KEY, `0${id}`, 0.5));
    expect(plain).not.toEqual(padded);
  });
});

describe('canonicalId and constants', () => {
  it('bigint ids are decimal text, string ids are unchanged', () => {
    expect(canonicalId(0n)).toBe('0');
    expect(canonicalId(-42n)).toBe('-42');
    expect(canonicalId(9007199254740993n)).toBe('9007199254740993');
    expect(canonicalId('007')).toBe('007');
    expect(canonicalId('été')).toBe('été');
  });

  it('PUBLIC is 1, PRIVATE is 0, splits are public then private', () => {
    expect([PUBLIC, PRIVATE]).toEqual([1, 0]);
    expect(SPLITS).toEqual(['public', 'private']);
  });
});
