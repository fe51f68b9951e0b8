// Exact rational arithmetic on bigints, and exact conversions between doubles, decimal strings and
// rationals. Rewards and consensus use it so that no result depends on float rounding or on the
// order in which numbers are added: every double is a dyadic rational, so it converts exactly.

/** n/d in lowest terms with d > 0. */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function rat(n: bigint, d: bigint = 1n): Rational {
  if (d === 1n) return { n, d };
  if (d === 0n) throw new RangeError('rational with zero denominator');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

export const ZERO: Rational = { n: 0n, d: 1n };
export const ONE: Rational = { n: 1n, d: 1n };

export const add = (a: Rational, b: Rational): Rational =>
  a.d === b.d ? rat(a.n + b.n, a.d) : rat(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational): Rational => rat(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational): Rational => rat(a.n * b.n, a.d * b.d);
export function div(a: Rational, b: Rational): Rational {
  if (b.n === 0n) throw new RangeError('rational division by zero');
  return rat(a.n * b.d, a.d * b.n);
}
export const cmp = (a: Rational, b: Rational): number => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
export const isZero = (a: Rational): boolean => a.n === 0n;
export const neg = (a: Rational): Rational => ({ n: -a.n, d: a.d });
export const abs = (a: Rational): Rational => (a.n < 0n ? neg(a) : a);

/** Sum in any order: exact, so the order cannot matter. */
export function sum(values: readonly Rational[]): Rational {
  let s = ZERO;
  for (const v of values) s = add(s, v);
  return s;
}

/** a^k for an integer k >= 0. */
export function pow(a: Rational, k: number): Rational {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`pow needs an integer exponent >= 0, got ${k}`);
  return { n: a.n ** BigInt(k), d: a.d ** BigInt(k) };
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * A decimal string ("0.85", "12", "1e-7", "2.5E+3") as the exact rational it denotes. A number
 * is first written with its shortest round-trip form (String(0.85) === "0.85"), which is the
 * value a spec author wrote, not the binary double nearest to it.
 */
export function parseDecimal(value: string | number): Rational {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) throw new RangeError(`expected a decimal number, found ${JSON.stringify(text)}`);
  const [, sign, int, frac = '', exp = '0'] = m;
  let n = BigInt(int + frac);
  let d = 10n ** BigInt(frac.length);
  const e = Number(exp);
  if (Math.abs(e) > 4000) throw new RangeError(`decimal exponent out of range in ${JSON.stringify(text)}`);
  if (e > 0) n *= 10n ** BigInt(e);
  else if (e < 0) d *= 10n ** BigInt(-e);
  return rat(sign === '-' ? -n : n, d);
}

function numberText(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`expected a finite number, found ${x}`);
  return String(x);
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The exact value of a finite double, as a rational whose denominator is a power of two. */
export function fromDouble(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`expected a finite number, found ${x}`);
  f64[0] = x;
  const bits = u64[0];
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  const n = negative ? -mant : mant;
  return exp >= 0 ? rat(n << BigInt(exp), 1n) : rat(n, 1n << BigInt(-exp));
}

function bitLength(a: bigint): number {
  return a === 0n ? 0 : a.toString(2).length;
}

/** 2^e as a double, exact for -1074 <= e <= 1023. */
function pow2(e: number): number {
  if (e > 1023) return Infinity;
  if (e >= -1022) {
    u64[0] = BigInt(e + 1023) << 52n;
    return f64[0];
  }
  u64[0] = 1n << BigInt(e + 1074); // subnormal
  return f64[0];
}

/** The double nearest to a rational (round half to even), as IEEE division would give it. */
export function toDouble(r: Rational): number {
  if (r.n === 0n) return 0;
  const negative = r.n < 0n;
  const a = negative ? -r.n : r.n;
  const b = r.d;
  // Scale so that the integer quotient has at least 55 bits: 53 kept, a guard bit, and more.
  const s = 55 - (bitLength(a) - bitLength(b)) + 1;
  const num = s >= 0 ? a << BigInt(s) : a;
  const den = s >= 0 ? b : b << BigInt(-s);
  const q = num / den;
  const sticky = num % den !== 0n;
  const len = bitLength(q);
  let drop = len - 53;
  // The lowest kept bit has weight 2^(drop - s); doubles cannot go below 2^-1074.
  if (drop - s < -1074) drop = s - 1074;
  if (drop > len) return negative ? -0 : 0; // below half the smallest subnormal
  let m = q >> BigInt(drop);
  const rem = q & ((1n << BigInt(drop)) - 1n);
  const half = drop > 0 ? 1n << BigInt(drop - 1) : 0n;
  if (drop > 0 && (rem > half || (rem === half && (sticky || (m & 1n) === 1n)))) m += 1n;
  const e = drop - s;
  // m <= 2^53: exact as a double; scale in two exact steps so subnormal results are not double-rounded.
  let x = Number(m);
  if (e < -1022) x = x * pow2(e + 600) * pow2(-600);
  else x = x * pow2(e);
  return negative ? -x : x;
}

/** Fixed decimal text of a rational with `digits` places, rounded half away from zero (display only). */
export function toFixed(r: Rational, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const negative = r.n < 0n;
  const a = negative ? -r.n : r.n;
  const scaled = (a * scale * 2n + r.d) / (2n * r.d);
  const int = scaled / scale;
  const frac = (scaled % scale).toString().padStart(digits, '0');
  return `${negative && scaled !== 0n ? '-' : ''}${int}${digits > 0 ? '.' + frac : ''}`;
}

/** "n/d" (or "n" when d is 1): a lossless text form for JSON output. */
export function toFractionString(r: Rational): string {
  return r.d === 1n ? r.n.toString() : `${r.n}/${r.d}`;
}
