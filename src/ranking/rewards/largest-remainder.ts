// Turns exact rational weights into integer amounts that sum to exactly the pool: the
// largest-remainder (Hamilton) method with a caller-given, deterministic order for equal remainders.
import type { Rational } from './rational.ts';

/**
 * Split `pool` in proportion to `weights` (each >= 0, at least one > 0). Every entry first gets
 * floor(pool * w_i / W); the units left over go one each to the entries with the largest
 * remainders. Equal remainders are ordered by `tieOrder` (lower index in that order first):
 * the caller passes its canonical order (rank, then submission hash), so the result never
 * depends on the input order. All arithmetic is on bigints over a common denominator.
 */
export function largestRemainder(pool: bigint, weights: readonly Rational[], tieOrder: readonly number[]): bigint[] {
  if (pool < 0n) throw new RangeError(`pool must be >= 0, got ${pool}`);
  if (tieOrder.length !== weights.length) throw new RangeError('tieOrder must list every weight once');
  for (const w of weights) if (w.n < 0n) throw new RangeError('weights must be >= 0');
  // Common denominator: L = lcm of all denominators, N_i = w_i * L (integers).
  let L = 1n;
  for (const w of weights) L = lcm(L, w.d);
  const N = weights.map((w) => w.n * (L / w.d));
  const T = N.reduce((s, x) => s + x, 0n);
  if (T === 0n) throw new RangeError('at least one weight must be > 0');
  const out = N.map((x) => (pool * x) / T);
  const rem = N.map((x) => (pool * x) % T); // remainder over the common T: comparable as integers
  let left = pool - out.reduce((s, x) => s + x, 0n);
  const position = new Array<number>(weights.length);
  tieOrder.forEach((idx, pos) => (position[idx] = pos));
  const order = weights
    .map((_, i) => i)
    .sort((a, b) => (rem[a] > rem[b] ? -1 : rem[a] < rem[b] ? 1 : position[a] - position[b]));
  for (const i of order) {
    if (left === 0n) break;
    out[i] += 1n;
    left -= 1n;
  }
  return out;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}
