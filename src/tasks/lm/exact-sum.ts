// Exact float64 summation for per-example NLL totals, so that batch shape and token order cannot
// change a bit. The algorithm is the scoring core's (Shewchuk partials, Python math.fsum
// semantics); this wrapper only refuses non-finite values as a RangeError at the point they appear.
import { ExactAccumulator, exactSum as exactSumOf } from '../../../scoring/index.ts';

export class ExactSum {
  private readonly acc = new ExactAccumulator();

  add(x: number): this {
    if (!Number.isFinite(x)) throw new RangeError(`ExactSum.add: non-finite value ${x}`);
    this.acc.add(x);
    return this;
  }

  /** The correctly rounded (half-even) value of the exact sum. */
  value(): number {
    return this.acc.value();
  }
}

export function exactSum(values: ArrayLike<number>): number {
  return exactSumOf(values);
}
