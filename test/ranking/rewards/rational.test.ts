import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/models/onnx/builder.ts';
import { add, cmp, div, fromDouble, parseDecimal, rat, toDouble, toFixed, toFractionString } from '../../../src/ranking/rewards/rational.ts';

describe('rational', () => {
  it('parses decimal strings and numbers to the exact rational they denote', () => {
    expect(parseDecimal('0.85')).toEqual(rat(17n, 20n));
    expect(parseDecimal(0.85)).toEqual(rat(17n, 20n));
    expect(parseDecimal('12')).toEqual(rat(12n));
    expect(parseDecimal('1e-7')).toEqual(rat(1n, 10000000n));
    expect(parseDecimal('-2.5E+3')).toEqual(rat(-2500n));
    expect(() => parseDecimal('0.8.5')).toThrow(/expected a decimal number/);
    expect(() => parseDecimal(NaN)).toThrow(/finite/);
  });

  it('converts doubles exactly (0.1 is not 1/10)', () => {
    const r = fromDouble(0.1);
    expect(r.d).toBe(1n << 55n);
    expect(r.n).toBe(3602879701896397n);
    expect(cmp(r, rat(1n, 10n))).toBe(1);
    expect(fromDouble(-0.5)).toEqual(rat(-1n, 2n));
    expect(fromDouble(5e-324)).toEqual(rat(1n, 1n << 1074n));
    expect(fromDouble(2 ** 60)).toEqual(rat(1n << 60n));
  });

  it('toDouble rounds to nearest like IEEE division, including ties and subnormals', () => {
    expect(toDouble(rat(1n, 3n))).toBe(1 / 3);
    expect(toDouble(rat(2n, 3n))).toBe(2 / 3);
    expect(toDouble(rat(-7n, 10n))).toBe(-0.7);
    expect(toDouble(rat(1n, 1n << 1074n))).toBe(5e-324);
    expect(toDouble(rat(1n, 1n << 1076n))).toBe(0); // a quarter of the smallest subnormal
    expect(toDouble(rat(3n, 1n << 1076n))).toBe(5e-324); // three quarters rounds up
    // exact tie between 1 and 1 + 2^-52 rounds to even (1); just above the tie rounds up
    expect(toDouble(add(rat(1n), rat(1n, 1n << 53n)))).toBe(1);
    expect(toDouble(add(rat(1n), rat(3n, 1n << 54n)))).toBe(1 + 2 ** -52);
    const rand = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      const a = Math.floor(rand() * 2 ** 40) + 1;
      const b = Math.floor(rand() * 2 ** 40) + 1;
      expect(toDouble(rat(BigInt(a), BigInt(b)))).toBe(a / b); // both exact ints: a / b is correctly rounded
      const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
      expect(toDouble(fromDouble(x))).toBe(x);
    }
  });

  it('formats for display', () => {
    expect(toFixed(rat(2n, 3n), 4)).toBe('0.6667');
    expect(toFixed(rat(-1n, 8n), 2)).toBe('-0.13');
    expect(toFractionString(div(rat(1n), rat(4n)))).toBe('1/4');
  });
});
