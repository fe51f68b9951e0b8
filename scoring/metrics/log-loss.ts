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
    const eps = o.eps;
    const hi = 1 - eps;
    const tol = o.sumTolerance;
    const losses = scratchF64(n);
    for (let i = 0; i < n; i++) {
      const base = i * k;
      let raw = 0;
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const p = P[base + j];
        if (!(p >= 0 && p <= 1)) {
          throw inputError('log_loss', `probabilities[${i}][${j}] is ${String(p)}, expected a probability in [0, 1]`, { row: i, column: j, value: String(p) });
        }
        raw += p;
        sum += p < eps ? eps : p > hi ? hi : p;
      }
      if (!(Math.abs(raw - 1) <= tol)) {
        throw inputError('log_loss', `probabilities[${i}] sums to ${raw}, expected 1 within ${tol}`, { row: i, sum: raw });
      }
      const c = y[i];
      if (c < 0 || c >= k) throw inputError('log_loss', `"labels"[${i}] is ${c}, expected a class id in [0, ${k - 1}]`, { row: i, value: c });
      const p = P[base + c];
      losses[i] = -Math.log((p < eps ? eps : p > hi ? hi : p) / sum);
    }
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
