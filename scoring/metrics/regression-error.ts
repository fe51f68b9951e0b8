// Pointwise regression errors (sklearn.metrics 1.2.1): mse = mean((y - p)^2), rmse = sqrt(mse),
// mae = mean(|y - p|). The per-row terms are summed exactly, so the mean is the correctly rounded
// exact sum divided by n. Non-finite targets or predictions are an E_METRIC_INPUT error.
import { z } from 'zod';
import { defineMetric, meanOf, mergeMean, sharedAcc } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkFinite, checkLength, checkRows, field } from '../input.ts';
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
  return { n, t, p };
}

function errorMetric(
  name: string,
  description: string,
  kind: 'sq' | 'abs',
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
      sharedAcc.load(s.sum);
      try {
        // A NaN or infinity in the inputs makes its term non-finite, which the exact sum refuses;
        // the finiteness scan then runs only on that rare path, to name the offending row.
        sharedAcc.addDifferences(t, p, kind === 'sq', 0, n);
      } catch (e) {
        checkFinite(name, 'targets', t, n);
        checkFinite(name, 'predictions', p, n);
        throw inputError(name, 'an error term overflows the double range', { cause: String(e) });
      }
      s.sum = sharedAcc.toState();
      s.n += n;
      return s;
    },
    merge: (a, b) => mergeMean(a, b),
    finalize: (s) => ({ value: finish(meanOf(s, name)) }),
  });
}

export const mse = errorMetric('mse', 'Mean squared error.', 'sq', (m) => m);
export const rmse = errorMetric('rmse', 'Root mean squared error, sqrt(mse).', 'sq', Math.sqrt);
export const mae = errorMetric('mae', 'Mean absolute error.', 'abs', (m) => m);
