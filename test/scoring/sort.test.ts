// The radix sort of doubles agrees with a numeric comparison sort on every kind of value.
import { describe, expect, it } from 'vitest';
import { sortDoubles } from '../../scoring/sort.ts';
import { mulberry32 } from './helpers.ts';

describe('sortDoubles', () => {
  it('matches a comparison sort (negatives, zeros, -0, subnormals, huge, ties), small and large', () => {
    const rand = mulberry32(5);
    for (const n of [0, 1, 7, 1023, 1024, 5000, 70_000]) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = rand();
        a[i] =
          r < 0.1 ? 0 : r < 0.15 ? -0 : r < 0.2 ? 5e-324 * Math.floor(rand() * 10) : r < 0.3 ? -1e300 * rand() : r < 0.5 ? Math.round(rand() * 20) / 20 : (rand() - 0.5) * 2 ** Math.floor(rand() * 200 - 100);
      }
      const want = Array.from(a, (x) => (x === 0 ? 0 : x)).sort((x, y) => x - y);
      const got = Array.from(sortDoubles(a));
      expect(got).toEqual(want);
      for (const v of got) if (v === 0) expect(Object.is(v, -0)).toBe(false);
    }
  });
});
