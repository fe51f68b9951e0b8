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

/**
 * The canonical partials of a sum: the one expansion that depends on the exact value alone, never
 * on the values added or their order. Greedy: the correctly rounded value, then the correctly
 * rounded rest, until nothing is left (each rest is below half an ulp of the partial before it,
 * so the partials do not overlap), returned in increasing magnitude. Shewchuk partials of a few
 * values can be those values themselves; a sum that leaves its machine (a federated partial)
 * goes out in this form, so it reveals its total and nothing of the terms.
 */
export function exactCanonical(state: ExactSumState): ExactSumState {
  const rest = [...state];
  const out: number[] = [];
  for (;;) {
    const v = exactValue(rest);
    if (v === 0) break;
    out.push(v);
    exactAdd(rest, -v);
  }
  return out.reverse();
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
// Each extraction level captures 38 bits below the previous grid (1 bit of rounding margin).
const LEVEL_SCALE = 2 ** -39;

/** Term i of a chunk: the value (mode 0), (a - b)^2 (mode 1) or |a - b| (mode 2). */
function term(a: Float64Array, b: Float64Array, mode: number, i: number): number {
  if (mode === 0) return a[i];
  const d = a[i] - b[i];
  return mode === 1 ? d * d : Math.abs(d);
}

/** The least power of two >= m (m > 0, finite, normal). */
function pow2AtLeast(m: number): number {
  let pw = 2 ** Math.ceil(Math.log2(m));
  while (pw < m) pw *= 2;
  return pw;
}

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
    this.pw = 0;
  }

  add(x: number): void {
    this.n = addInto(this.p, this.n, x);
  }

  /** Adds values[start..end). Throws E_METRIC_INPUT (with the index) on a non-finite value. */
  addArray(values: ArrayLike<number>, start = 0, end = values.length): void {
    if (values instanceof Float64Array) {
      for (let k = start; k < end; k += CHUNK) this.addChunk(values, values, 0, k, Math.min(end, k + CHUNK));
      return;
    }
    // Copy other array kinds chunk by chunk, so the hot loop only ever sees Float64Array.
    const tmp = this.tmp;
    for (let k = start; k < end; k += CHUNK) {
      const e = Math.min(end, k + CHUNK);
      for (let i = k; i < e; i++) tmp[i - k] = values[i];
      this.addChunk(tmp, tmp, 0, 0, e - k);
    }
  }

  /**
   * Adds sum_i (a_i - b_i)^2 (squared) or sum_i |a_i - b_i| over [start, end), each term rounded
   * once exactly as `d = a - b; d * d` rounds, without materialising the terms. A non-finite
   * input or term throws E_METRIC_INPUT naming the index.
   */
  addDifferences(a: Float64Array, b: Float64Array, squared: boolean, start = 0, end = a.length): void {
    const mode = squared ? 1 : 2;
    for (let k = start; k < end; k += CHUNK) this.addChunk(a, b, mode, k, Math.min(end, k + CHUNK));
  }

  private tmp = new Float64Array(CHUNK);

  /** The power of two used for the previous chunk's first level: a guess for the next one. */
  private pw = 0;

  private throwNonFinite(a: Float64Array, b: Float64Array, mode: number, start: number, end: number): never {
    for (let i = start; i < end; i++) {
      const v = term(a, b, mode, i);
      if (v - v !== 0) throw nonFinite(v, ` at index ${i}`);
    }
    throw overflow();
  }

  private addChunk(values: Float64Array, other: Float64Array, mode: number, start: number, end: number): void {
    // The grid is guessed from the previous chunk; the loop measures max|x| and the chunk is
    // redone with the right grid if the guess was too small.
    let pw = this.pw;
    for (;;) {
      if (pw === 0) {
        let mx = 0;
        for (let i = start; i < end; i++) {
          const a = Math.abs(term(values, other, mode, i));
          if (a > mx) mx = a;
        }
        if (mx === 0) {
          // all zeros, or NaN only (NaN > 0 is false): check for the latter
          for (let i = start; i < end; i++) if (term(values, other, mode, i) !== 0) this.throwNonFinite(values, other, mode, start, end);
          return;
        }
        if (!(mx > TINY && mx < HUGE)) {
          this.addOneByOne(values, other, mode, start, end);
          return;
        }
        pw = pow2AtLeast(mx);
      }
      // Levels 1 and 2 fused in one pass. |x| <= pw, so the level-1 residual is below
      // ulp(c1) / 2 = pw * 2^-39, which fixes the next level's grid a priori (c2 = c1 * 2^-39),
      // and so on. Level 3 runs over the few nonzero level-2 residuals; whatever is left below
      // the third grid goes one by one into the partials.
      const c1 = 1.5 * HEADROOM * pw;
      const c2 = c1 * LEVEL_SCALE;
      const c3 = c2 * LEVEL_SCALE;
      // Two interleaved sums per level (even and odd elements) halve the add-latency chains;
      // each sums a subset of the chunk's parts on one grid, so each, and their sum, is exact.
      // The loop is written out once per term kind so that each stays branch-free.
      let s1 = 0;
      let s2 = 0;
      let e1 = 0;
      let e2 = 0;
      let mx = 0;
      const r = this.r;
      let rest = 0;
      let i = start;
      const last = end - 1;
      if (mode === 0) {
        for (; i < last; i += 2) {
          const x = values[i];
          const y = values[i + 1];
          const ax = Math.abs(x);
          const ay = Math.abs(y);
          if (ax > mx) mx = ax;
          if (ay > mx) mx = ay;
          const qx = x + c1 - c1;
          const qy = y + c1 - c1;
          s1 += qx;
          e1 += qy;
          const rx = x - qx;
          const ry = y - qy;
          const px = rx + c2 - c2;
          const py = ry + c2 - c2;
          s2 += px;
          e2 += py;
          const ux = rx - px;
          const uy = ry - py;
          if (ux !== 0) r[rest++] = ux;
          if (uy !== 0) r[rest++] = uy;
        }
        if (i < end) {
          const x = values[i];
          const ax = Math.abs(x);
          if (ax > mx) mx = ax;
          const qx = x + c1 - c1;
          s1 += qx;
          const rx = x - qx;
          const px = rx + c2 - c2;
          s2 += px;
          const ux = rx - px;
          if (ux !== 0) r[rest++] = ux;
        }
      } else if (mode === 1) {
        for (; i < last; i += 2) {
          const d = values[i] - other[i];
          const f = values[i + 1] - other[i + 1];
          const x = d * d;
          const y = f * f;
          // squares are >= 0: no abs needed for the maximum
          if (x > mx) mx = x;
          if (y > mx) mx = y;
          const qx = x + c1 - c1;
          const qy = y + c1 - c1;
          s1 += qx;
          e1 += qy;
          const rx = x - qx;
          const ry = y - qy;
          const px = rx + c2 - c2;
          const py = ry + c2 - c2;
          s2 += px;
          e2 += py;
          const ux = rx - px;
          const uy = ry - py;
          if (ux !== 0) r[rest++] = ux;
          if (uy !== 0) r[rest++] = uy;
        }
        if (i < end) {
          const d = values[i] - other[i];
          const x = d * d;
          if (x > mx) mx = x;
          const qx = x + c1 - c1;
          s1 += qx;
          const rx = x - qx;
          const px = rx + c2 - c2;
          s2 += px;
          const ux = rx - px;
          if (ux !== 0) r[rest++] = ux;
        }
      } else {
        for (; i < last; i += 2) {
          const x = Math.abs(values[i] - other[i]);
          const y = Math.abs(values[i + 1] - other[i + 1]);
          const ax = Math.abs(x);
          const ay = Math.abs(y);
          if (ax > mx) mx = ax;
          if (ay > mx) mx = ay;
          const qx = x + c1 - c1;
          const qy = y + c1 - c1;
          s1 += qx;
          e1 += qy;
          const rx = x - qx;
          const ry = y - qy;
          const px = rx + c2 - c2;
          const py = ry + c2 - c2;
          s2 += px;
          e2 += py;
          const ux = rx - px;
          const uy = ry - py;
          if (ux !== 0) r[rest++] = ux;
          if (uy !== 0) r[rest++] = uy;
        }
        if (i < end) {
          const x = Math.abs(values[i] - other[i]);
          const ax = Math.abs(x);
          if (ax > mx) mx = ax;
          const qx = x + c1 - c1;
          s1 += qx;
          const rx = x - qx;
          const px = rx + c2 - c2;
          s2 += px;
          const ux = rx - px;
          if (ux !== 0) r[rest++] = ux;
        }
      }
      s1 += e1;
      s2 += e2;
      // third level on the (few) residuals; what is still left goes one by one
      let s3 = 0;
      let left = 0;
      for (let j = 0; j < rest; j++) {
        const u = r[j];
        const q3 = u + c3 - c3;
        s3 += q3;
        const r3 = u - q3;
        if (r3 !== 0) r[left++] = r3;
      }
      rest = left;
      if (s1 - s1 !== 0) this.throwNonFinite(values, other, mode, start, end); // a NaN or an infinity
      if (mx <= pw) {
        if (s1 !== 0) this.n = addInto(this.p, this.n, s1);
        if (s2 !== 0) this.n = addInto(this.p, this.n, s2);
        if (s3 !== 0) this.n = addInto(this.p, this.n, s3);
        for (let i = 0; i < rest; i++) this.n = addInto(this.p, this.n, this.r[i]);
        // keep a tight grid for the next chunk (a coarse one would push bits to the slow path)
        this.pw = mx > TINY && mx < HUGE ? pow2AtLeast(mx) : 0;
        return;
      }
      pw = 0; // the guess was too small: measure and redo
    }
  }

  private addOneByOne(values: Float64Array, other: Float64Array, mode: number, start: number, end: number): void {
    const p = this.p;
    let n = this.n;
    for (let i = start; i < end; i++) {
      const v = term(values, other, mode, i);
      if (v - v !== 0) throw nonFinite(v, ` at index ${i}`);
      n = addInto(p, n, v);
    }
    this.n = n;
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
