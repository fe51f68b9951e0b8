// Exact sums (scoring/exact-sum.ts partial lists) as fixed-point integers, and back. The exact
// value of any list of finite doubles is an integer multiple of 2^-1074 (the least subnormal), so
// scaled by 2^1074 it is a bigint, and sums of those bigints are exact sums of the partial lists.
// Secure aggregation masks that integer in a fixed number of limbs: a variable-length partial
// list would leak its length, and partials cannot be added entry by entry. Pure.
import { exactAdd, isExactSumState, type ExactSumState } from '../../scoring/exact-sum.ts';

/** Bits per limb. A limb sum of up to 2^16 parties stays below 2^64, the mask modulus. */
export const LIMB_BITS = 48n;
/** Limbs per exact sum: 45 x 48 = 2160 bits of two's complement (room below for |x| < 2^2100 per party, 2^16 parties). */
export const LIMBS = 45;
/** Width of the two's complement ring the limbs carry. */
const WIDTH = LIMB_BITS * BigInt(LIMBS);
const RING = 1n << WIDTH;
const LIMB_MASK = (1n << LIMB_BITS) - 1n;
/** |scaled value| of one valid exact sum: below 2^1025 * 2^1074 (partials are finite doubles). */
export const PARTY_BOUND = 1n << 2100n;
/** Most parties whose limb sums stay below 2^64 (each limb < 2^48). */
export const MAX_PARTIES = 1 << 16;

const view = new DataView(new ArrayBuffer(8));

/** The exact value of one finite double, times 2^1074, as a bigint. */
export function scaledDouble(x: number): bigint {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  // normal: (2^52 + mantissa) * 2^(exp - 1075), scaled: << (exp - 1); subnormal: mantissa * 2^-1074
  if (exp !== 0) mant = (mant | (1n << 52n)) << BigInt(exp - 1);
  return negative ? -mant : mant;
}

/** 2^e as an exact double, for e in [-1074, 1023]. */
function pow2(e: number): number {
  if (e >= -1022) {
    view.setUint32(0, (e + 1023) << 20);
    view.setUint32(4, 0);
  } else {
    const bit = e + 1074; // subnormal: a single mantissa bit
    view.setUint32(0, bit >= 32 ? 1 << (bit - 32) : 0);
    view.setUint32(4, bit < 32 ? 2 ** bit : 0);
  }
  return view.getFloat64(0);
}

/** The exact value of a partial list, times 2^1074. The caller has checked isExactSumState. */
export function scaledSum(state: ExactSumState): bigint {
  let s = 0n;
  for (const x of state) s += scaledDouble(x);
  return s;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * The canonical exact-sum state of the value v * 2^-1074: v cut into 53-bit pieces from the top
 * (each an exact double, together exactly v), added through exactAdd so that the result is a
 * state scoring/exact-sum.ts itself could have built, with the same exact value. exactAdd throws
 * E_METRIC_INPUT when the value is beyond the double range (as the metric's own merge would).
 */
export function stateOfScaled(v: bigint): ExactSumState {
  const negative = v < 0n;
  let m = negative ? -v : v;
  const pieces: number[] = [];
  while (m !== 0n) {
    const shift = Math.max(0, bitLength(m) - 53);
    const top = m >> BigInt(shift);
    m -= top << BigInt(shift);
    // top < 2^53 and top * 2^(shift - 1074) is representable: the product is exact
    const piece = shift - 1074 > 1023 ? Infinity : Number(top) * pow2(shift - 1074);
    pieces.push(negative ? -piece : piece);
  }
  const state: ExactSumState = [];
  for (let i = pieces.length - 1; i >= 0; i--) exactAdd(state, pieces[i]!);
  return state;
}

/** Limbs (little-endian, each in [0, 2^48)) of v modulo 2^2160. */
export function toLimbs(v: bigint): bigint[] {
  let u = ((v % RING) + RING) % RING;
  const out: bigint[] = [];
  for (let i = 0; i < LIMBS; i++) {
    out.push(u & LIMB_MASK);
    u >>= LIMB_BITS;
  }
  return out;
}

/** The signed value of summed limbs: carries propagated, reduced modulo 2^2160, two's complement. */
export function fromLimbs(limbs: readonly bigint[]): bigint {
  let u = 0n;
  for (let i = limbs.length - 1; i >= 0; i--) u = (u << LIMB_BITS) + limbs[i]!;
  u %= RING;
  return u >= RING >> 1n ? u - RING : u;
}

export { isExactSumState };
