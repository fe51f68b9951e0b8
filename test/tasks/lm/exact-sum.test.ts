// Exact summation: correctly rounded, independent of order (values checked against Python's math.fsum).
import { describe, expect, it } from 'vitest';
import { ExactSum, exactSum } from '../../../src/tasks/lm/exact-sum.ts';
import { mulberry32 } from '../../../src/models/onnx/builder.ts';

describe('exactSum', () => {
  it('matches math.fsum on cancellation cases', () => {
    // python3 -c "import math; print(math.fsum([1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50]))" -> 1e-100
    expect(exactSum([1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50])).toBe(1e-100);
    // math.fsum([0.1] * 10) -> 1.0 (naive summation gives 0.9999999999999999)
    expect(exactSum(new Array(10).fill(0.1))).toBe(1);
    // half-way rounding: math.fsum([1.0, 1e-16, 1e-16]) -> 1.0000000000000002
    expect(exactSum([1, 1e-16, 1e-16])).toBe(1.0000000000000002);
    expect(exactSum([])).toBe(0);
  });

  it('any order gives the same bits', () => {
    const r = mulberry32(9);
    const xs = Array.from({ length: 500 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 12));
    const a = exactSum(xs);
    for (let k = 0; k < 5; k++) {
      const ys = [...xs].sort(() => r() - 0.5);
      expect(exactSum(ys)).toBe(a);
    }
    const s = new ExactSum();
    for (let i = xs.length - 1; i >= 0; i--) s.add(xs[i]!);
    expect(s.value()).toBe(a);
  });

  it('refuses non-finite input', () => {
    expect(() => new ExactSum().add(NaN)).toThrow(RangeError);
  });
});
