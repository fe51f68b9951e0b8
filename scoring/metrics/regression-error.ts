// Pointwise regression errors (sklearn.metrics 1.2.1): mse = mean((y - p)^2), rmse = sqrt(mse),
// mae = mean(|y - p|). The per-row terms are summed exactly, so the mean is the correctly rounded
// exact sum divided by n. Non-finite targets or predictions are an E_METRIC_INPUT error.
import { z } from 'zod';
import { defineMetric, scratchF64, sharedAcc } from '../define.ts';
import { checkFinite, checkLength, checkRows, emptyError, field } from '../input.ts';
import type { ExactSumState } from '../exact-sum.ts';
import type { Metric, MetricBatch } from '../types.ts';

export interface SumState {
  n: number;
  sum: ExactSumState;
}

const options = z.object({}).strict();
type Options = z.infer<typeof options>;

function pairs(metric: string, batch: MetricBatch): { n: number; t: Float64Array; p: Float64Array } {
  const n = checkRows(metric, batch);
  const t = field(metric, batch, 'targets');
  const p = field(metric, batch, 'predictions');
  checkLength(metric, 'targets', t.length, n);
  checkLength(metric, 'predictions', p.length, n);
  checkFinite(metric, 'targets', t, n);
  checkFinite(metric, 'predictions', p, n);
  return { n, t, p };
}

function errorMetric(
  name: string,
  description: string,
  term: (d: number) => number,
  finish: (mean: number) => number,
): Metric<SumState, Options> {
  return defineMetric<SumState, Options>({
    name,
    version: 1,
    higherIsBetter: false,
    inputs: ['targets', 'predictions'],
    description,
    optionsSchema: options,
    init: () => ({ n: 0, sum: [] }),
    update(s, batch) {
      const { n, t, p } = pairs(name, batch);
      const buf = scratchF64(n);
      for (let i = 0; i < n; i++) buf[i] = term(t[i] - p[i]);
      sharedAcc.load(s.sum);
      sharedAcc.addArray(buf, 0, n);
      s.sum = sharedAcc.toState();
      s.n += n;
      return s;
    },
    merge(a, b) {
      sharedAcc.load(a.sum);
      sharedAcc.addState(b.sum);
      a.sum = sharedAcc.toState();
      a.n += b.n;
      return a;
    },
    finalize(s) {
      if (s.n === 0) throw emptyError(name);
      sharedAcc.load(s.sum);
      return { value: finish(sharedAcc.value() / s.n) };
    },
  });
}

export const mse = errorMetric('mse', 'Mean squared error.', (d) => d * d, (m) => m);
export const rmse = errorMetric('rmse', 'Root mean squared error, sqrt(mse).', (d) => d * d, Math.sqrt);
export const mae = errorMetric('mae', 'Mean absolute error.', Math.abs, (m) => m);
