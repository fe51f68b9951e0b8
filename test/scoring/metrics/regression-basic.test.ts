// Golden values for mse / rmse / mae. Source: scikit-learn 1.2.1 docstring examples
// (mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.375, squared=False 0.6123724356957945,
// mean_absolute_error = 0.5).
import { describe, expect, it } from 'vitest';
import { registry } from '../../../scoring/index.ts';
import type { MetricBatch } from '../../../scoring/types.ts';

function run(name: string, batch: MetricBatch) {
  const m = registry.get(name);
  const o = m.optionsSchema.parse({});
  return m.finalize(m.update(m.init(o, {}), batch, o), o);
}
const reg = (t: number[], p: number[]): MetricBatch => ({ n: t.length, targets: Float64Array.from(t), predictions: Float64Array.from(p) });

describe('pointwise regression errors', () => {
  it('sklearn docstring values', () => {
    expect(run('mse', reg([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])).value).toBe(0.375);
    expect(run('rmse', reg([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])).value).toBe(0.6123724356957945);
    expect(run('mae', reg([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])).value).toBe(0.5);
  });
  it('non-finite predictions and empty sets are E_METRIC_INPUT errors, not NaN', () => {
    expect(() => run('mse', reg([1, 2], [1, NaN]))).toThrow(/"predictions"\[1\] is NaN, expected a finite number/);
    expect(() => run('mae', reg([Infinity], [1]))).toThrow(/"targets"\[0\] is Infinity/);
    expect(() => run('mse', reg([], []))).toThrow(/no rows were scored/);
  });
});
