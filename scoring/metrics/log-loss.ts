// log_loss: mean cross-entropy of the true class under the predicted probabilities, matching
// sklearn.metrics.log_loss 1.2.1 on float64 input with labels=range(numClasses): every
// probability is clipped to [eps, 1 - eps] (eps = 2^-52, sklearn's "auto" for float64), each row
// is renormalised by its clipped sum, and the row loss is -ln(p[label] / sum). Unlike sklearn,
// a row whose raw sum differs from 1 by more than `sumTolerance`, or a probability outside [0, 1]
// or not finite, is an E_METRIC_INPUT error instead of being silently renormalised.
import { z } from 'zod';
import { defineMetric, meanOf, mergeMean, scratchF64, sharedAcc } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkBatchClasses, checkLength, checkRows, classCount, field } from '../input.ts';
import type { ExactSumState } from '../exact-sum.ts';

export interface LogLossState {
  k: number;
  n: number;
  sum: ExactSumState;
}

const options = z
  .object({
    eps: z.number().gt(0).lt(0.5).default(2 ** -52),
    sumTolerance: z.number().min(0).max(1).default(1e-4),
  })
  .strict();
type Options = z.infer<typeof options>;

// The row losses, one loop per element type of the probabilities (a loop that sees both is
// polymorphic and was twice as slow in the engine's fold): the probability each row gives its
// label, clipped and renormalised, goes into `losses`, then its negative log; the first row that
// is not a valid one stops the loop and is returned (-1: none). The two loops are the same text;
// the arithmetic (its order included) is the metric's, so the bits do not depend on which ran.
// A row whose values all lie in [eps, 1 - eps] clips none of them, so its clipped sum is its raw
// sum, term by term: only the other rows take clippedSum. The logs run in a loop of their own,
// after the row loop: a call to Math.log inside it made every row spill its registers (the loop
// ran at 40 ns per 4-class row; split like this, 23).
function rowLosses32(P: Float32Array, y: Int32Array, n: number, k: number, eps: number, tol: number, losses: Float64Array): number {
  const hi = 1 - eps;
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let raw = 0;
    let inside = 1;
    for (let j = 0; j < k; j++) {
      const p = P[base + j]!;
      inside &= +(p >= eps) & +(p <= hi);
      raw += p;
    }
    const sum = inside === 1 ? raw : clippedSum(P, base, k, eps, hi);
    const c = y[i]!;
    if (!(sum > 0) || !(Math.abs(raw - 1) <= tol) || !(c >= 0 && c < k)) return i;
    const p = P[base + c]!;
    losses[i] = (p < eps ? eps : p > hi ? hi : p) / sum;
  }
  negativeLogs(losses, n);
  return -1;
}

function rowLosses64(P: Float64Array, y: Int32Array, n: number, k: number, eps: number, tol: number, losses: Float64Array): number {
  const hi = 1 - eps;
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let raw = 0;
    let inside = 1;
    for (let j = 0; j < k; j++) {
      const p = P[base + j]!;
      inside &= +(p >= eps) & +(p <= hi);
      raw += p;
    }
    const sum = inside === 1 ? raw : clippedSum(P, base, k, eps, hi);
    const c = y[i]!;
    if (!(sum > 0) || !(Math.abs(raw - 1) <= tol) || !(c >= 0 && c < k)) return i;
    const p = P[base + c]!;
    losses[i] = (p < eps ? eps : p > hi ? hi : p) / sum;
  }
  negativeLogs(losses, n);
  return -1;
}

/** The clipped sum of the row at `base`, in column order; -1 when a value is not in [0, 1]. Rare rows only, so one for both element types. */
function clippedSum(P: Float32Array | Float64Array, base: number, k: number, eps: number, hi: number): number {
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const p = P[base + j]!;
    if (!(p >= 0 && p <= 1)) return -1;
    sum += p < eps ? eps : p > hi ? hi : p;
  }
  return sum;
}

function negativeLogs(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) a[i] = -Math.log(a[i]!);
}

/** The error of row i, the first row rowLosses refused: the first of its checks that fails, in the loop's order. */
function rowError(P: Float32Array | Float64Array, y: Int32Array, i: number, k: number, o: Options): Error {
  const base = i * k;
  let raw = 0;
  for (let j = 0; j < k; j++) {
    const p = P[base + j]!;
    if (!(p >= 0 && p <= 1)) {
      return inputError('log_loss', `probabilities[${i}][${j}] is ${String(p)}, expected a probability in [0, 1]`, { row: i, column: j, value: String(p) });
    }
    raw += p;
  }
  if (!(Math.abs(raw - 1) <= o.sumTolerance)) {
    return inputError('log_loss', `probabilities[${i}] sums to ${raw}, expected 1 within ${o.sumTolerance}`, { row: i, sum: raw });
  }
  const c = y[i];
  return inputError('log_loss', `"labels"[${i}] is ${c}, expected a class id in [0, ${k - 1}]`, { row: i, value: c });
}

export const logLoss = defineMetric<LogLossState, Options>({
  name: 'log_loss',
  version: 1,
  higherIsBetter: false,
  inputs: ['labels', 'probabilities'],
  description: 'Mean negative log-probability of the true class (clipped, renormalised as sklearn 1.2).',
  optionsSchema: options,
  init: (_o, ctx) => ({ k: classCount('log_loss', ctx), n: 0, sum: [] }),
  update(s, batch, o) {
    const n = checkRows('log_loss', batch);
    const y = field('log_loss', batch, 'labels');
    const P = field('log_loss', batch, 'probabilities');
    const k = s.k;
    checkBatchClasses('log_loss', batch, k);
    checkLength('log_loss', 'labels', y.length, n);
    checkLength('log_loss', 'probabilities', P.length, n * k);
    const losses = scratchF64(n);
    const bad = P instanceof Float32Array ? rowLosses32(P, y, n, k, o.eps, o.sumTolerance, losses) : rowLosses64(P, y, n, k, o.eps, o.sumTolerance, losses);
    if (bad >= 0) throw rowError(P, y, bad, k, o);
    sharedAcc.load(s.sum);
    sharedAcc.addArray(losses, 0, n);
    s.sum = sharedAcc.toState();
    s.n += n;
    return s;
  },
  merge(a, b) {
    if (a.k !== b.k) throw inputError('log_loss', `cannot merge states with ${a.k} and ${b.k} classes`);
    return mergeMean(a, b);
  },
  finalize: (s) => ({ value: meanOf(s, 'log_loss') }),
});
