// The fuzzer's seeded randomness: one mulberry32 stream per case, derived from (run seed, surface,
// case index), so any single case can be replayed alone with the same bytes.
import { createHash } from 'node:crypto';
import { mulberry32 } from '../../../src/models/onnx/builder.ts';

export class Rng {
  private readonly next: () => number;
  constructor(readonly seed: number) { this.next = mulberry32(seed); }

  /** The seed of case `index` of `surface` in a run seeded with `runSeed`. */
  static caseSeed(runSeed: number, surface: string, index: number): number {
    return createHash('sha256').update(`${runSeed}/${surface}/${index}`).digest().readUInt32LE(0);
  }

  float(): number { return this.next(); }
  /** An integer in [0, n). */
  int(n: number): number { return Math.floor(this.next() * n); }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
  bytes(n: number): Uint8Array { return Uint8Array.from({ length: n }, () => this.int(256)); }
  /** Weighted pick: [weight, value] pairs. */
  weighted<T>(xs: ReadonlyArray<readonly [number, T]>): T {
    const total = xs.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of xs) { r -= w; if (r < 0) return v; }
    return xs[xs.length - 1]![1];
  }
}
