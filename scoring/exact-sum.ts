// Exact floating-point summation (Shewchuk's non-overlapping partials, the algorithm behind
// Python's math.fsum). The state is the list of partials: their exact sum is the exact sum of
// every value added so far, so adding in any order or merging in any grouping yields the same
// exact total, and `exactValue` rounds it correctly once (round-half-even, like math.fsum).
// The state is a plain array of finite, nonzero doubles: JSON round-trips it exactly.
import { MetricError } from './errors.ts';

/** Partials in increasing magnitude, non-overlapping, no zeros. JSON-safe. */
export type ExactSumState = number[];

/** An empty sum. */
export function exactSumInit(): ExactSumState {
  return [];
}

function nonFinite(x: number, where: string): MetricError {
  return new MetricError('E_METRIC_INPUT', `exact sum: expected a finite number, found ${String(x)}${where}`, {
    value: String(x),
  });
}

function overflow(): MetricError {
  return new MetricError('E_METRIC_INPUT', 'exact sum: intermediate overflow (the sum exceeds the double range)');
}

/**
 * Adds x into partials p[0..n) in place and returns the new partial count. p must have room for
 * n + 1 entries. Throws on a non-finite x or on intermediate overflow.
 */
function addInto(p: number[] | Float64Array, n: number, x: number): number {
  if (x - x !== 0) throw nonFinite(x, '');
  let i = 0;
  for (let j = 0; j < n; j++) {
    let y = p[j];
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) p[i++] = lo;
    x = hi;
  }
  if (x !== 0) {
    if (x - x !== 0) throw overflow();
    p[i++] = x;
  }
  return i;
}

/** Adds one value (mutates and returns the state). */
export function exactAdd(state: ExactSumState, x: number): ExactSumState {
  const n = addInto(state, state.length, x);
  state.length = n;
  return state;
}

/** Merges b into a (mutates and returns a). The result's value equals that of a single pass. */
export function exactMerge(a: ExactSumState, b: ExactSumState): ExactSumState {
  for (let k = 0; k < b.length; k++) exactAdd(a, b[k]);
  return a;
}

/** The correctly rounded value of the exact sum (bit-identical to Python's math.fsum). */
export function exactValue(state: ExactSumState): number {
  return roundPartials(state, state.length);
}

function roundPartials(p: ArrayLike<number>, n: number): number {
  let hi = 0;
  if (n > 0) {
    hi = p[--n];
    let lo = 0;
    // Sum from the top down, stopping when the sum becomes inexact.
    while (n > 0) {
      const x = hi;
      const y = p[--n];
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    // Half-even rounding across several partials: the rest may push the tie one way.
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      const yr = x - hi;
      if (y === yr) hi = x;
    }
  }
  return hi;
}

/** One-shot exact sum of a list of numbers. */
export function exactSum(values: ArrayLike<number>): number {
  const acc = new ExactAccumulator();
  acc.addArray(values);
  return acc.value();
}

/** Validates a state that came from outside (a journal, another shard). */
export function isExactSumState(v: unknown): v is ExactSumState {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x) && x !== 0);
}

// Chunk length for the extraction fast path: 2^12 values per chunk keeps every level sum exact.
const CHUNK = 4096;
// 2^14 >= CHUNK * 2 + margin: the extraction constant sits this far above the chunk's max |x|.
const HEADROOM = 16384;
// Outside this range the extraction constant could overflow or lose its grid in subnormals.
const TINY = 2 ** -900;
const HUGE = 2 ** 900;
// Levels of extraction before the leftovers go one by one into the partials.
const LEVELS = 3;

/**
 * A reusable accumulator for hot loops (no allocation per value). Values are added in chunks
 * with Rump-Ogita-Oishi extraction: with c = 1.5 * 2^14 * P, where P is a power of two >= max|x|
 * of the chunk, q = (x + c) - c is x rounded onto the grid ulp(c) = P * 2^-38, r = x - q is exact,
 * and the plain double sum of the chunk's q values is exact (at most 4096 values of 51 bits on
 * one grid). Each level's sum goes into the Shewchuk partials, and the residuals r go through the
 * next level; after three levels any nonzero residuals are added one by one. Every step is exact,
 * so the value is the correctly rounded exact sum, bit-identical to math.fsum, at a few ns/value.
 */
export class ExactAccumulator {
  // 64 slots: non-overlapping doubles span at most ~2098 bits / 53 bits per partial (< 40).
  private p = new Float64Array(64);
  private n = 0;
  private r = new Float64Array(CHUNK);

  constructor(state?: ExactSumState) {
    if (state) this.load(state);
  }

  /** Replaces the content with a state. */
  load(state: ExactSumState): this {
    this.n = 0;
    for (let k = 0; k < state.length; k++) this.n = addInto(this.p, this.n, state[k]);
    return this;
  }

  clear(): void {
    this.n = 0;
  }

  add(x: number): void {
    this.n = addInto(this.p, this.n, x);
  }

  /** Adds values[start..end). Throws E_METRIC_INPUT (with the index) on a non-finite value. */
  addArray(values: ArrayLike<number>, start = 0, end = values.length): void {
    for (let k = start; k < end; k += CHUNK) this.addChunk(values, k, Math.min(end, k + CHUNK));
  }

  private addChunk(values: ArrayLike<number>, start: number, end: number): void {
    let m = 0;
    let bad = false;
    for (let i = start; i < end; i++) {
      const a = Math.abs(values[i]);
      if (!(a <= m)) {
        // NaN lands here too (every comparison with NaN is false); Infinity makes m infinite.
        if (a !== a) bad = true;
        m = a;
      }
    }
    if (bad || m === Infinity) {
      for (let i = start; i < end; i++) {
        const v = values[i];
        if (v - v !== 0) throw nonFinite(v, ` at index ${i}`);
      }
    }
    if (m === 0) return;
    const r = this.r;
    const len = end - start;
    let level = 0;
    let fromValues = true;
    while (m !== 0 && level < LEVELS && m > TINY && m < HUGE) {
      let pw = 2 ** Math.ceil(Math.log2(m));
      while (pw < m) pw *= 2;
      const c = 1.5 * HEADROOM * pw;
      let s = 0;
      let m2 = 0;
      if (fromValues) {
        for (let i = 0; i < len; i++) {
          const x = values[start + i];
          const q = x + c - c;
          s += q;
          const d = x - q;
          r[i] = d;
          const a = Math.abs(d);
          if (a > m2) m2 = a;
        }
        fromValues = false;
      } else {
        for (let i = 0; i < len; i++) {
          const x = r[i];
          const q = x + c - c;
          s += q;
          const d = x - q;
          r[i] = d;
          const a = Math.abs(d);
          if (a > m2) m2 = a;
        }
      }
      if (s !== 0) this.n = addInto(this.p, this.n, s);
      m = m2;
      level++;
    }
    if (m !== 0) {
      const p = this.p;
      let n = this.n;
      if (fromValues) for (let i = start; i < end; i++) n = addInto(p, n, values[i]);
      else for (let i = 0; i < len; i++) if (r[i] !== 0) n = addInto(p, n, r[i]);
      this.n = n;
    }
  }

  /** Adds the partials of another state. */
  addState(state: ExactSumState): void {
    for (let k = 0; k < state.length; k++) this.n = addInto(this.p, this.n, state[k]);
  }

  /** The partials as a fresh JSON-safe array. */
  toState(): ExactSumState {
    return Array.from(this.p.subarray(0, this.n));
  }

  value(): number {
    return roundPartials(this.p, this.n);
  }
}

// Veltkamp's splitting constant 2^27 + 1: splits a double into two 26-bit halves.
const SPLITTER = 134217729;

/**
 * Dekker's TwoProduct without FMA: returns p = fl(a * b) and writes the exact error e = a*b - p
 * into out[0]. Exact unless a product or a partial product over- or underflows (|a|, |b| within
 * about 2^±500 is safe); callers that need it check the result for finiteness.
 */
export function twoProduct(a: number, b: number, out: Float64Array | number[]): number {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  out[0] = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

const TP = new Float64Array(1);

/**
 * The correctly rounded value of sum_i sum_j sign * a_i * b_j + sum_k scale * c_k, where a, b, c
 * are exact-sum states: every product is expanded exactly (TwoProduct) and summed exactly. Used
 * for n * sum(xy) - sum(x) * sum(y) style moments, whose naive evaluation cancels catastrophically.
 */
export function exactMoment(scale: number, c: ExactSumState, a: ExactSumState, b: ExactSumState): number {
  const acc = new ExactAccumulator();
  for (const x of c) {
    const p = twoProduct(scale, x, TP);
    acc.add(p);
    if (TP[0] !== 0) acc.add(TP[0]);
  }
  for (const x of a) {
    for (const y of b) {
      const p = twoProduct(x, y, TP);
      acc.add(-p);
      if (TP[0] !== 0) acc.add(-TP[0]);
    }
  }
  return acc.value();
}
