// Golden values for r2, mape, pearson, spearman. Source: scikit-learn 1.2.1 (r2_score,
// mean_absolute_percentage_error) and scipy 1.10.1 (pearsonr, spearmanr), Debian packages.
import { describe, expect, it } from 'vitest';
import { close, reg, run } from './run.ts';

const T = [3, -0.5, 2, 7, 4.2];
const P = [2.5, 0.0, 2, 8, 3.9];

describe('r2 / mape / pearson / spearman', () => {
  it('r2_score docstring: 0.9486081370449679, [1,2,3] vs [3,2,1] = -3.0; constant targets 1.0 / 0.0 (force_finite)', () => {
    close(run('r2', reg([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])).value, 0.9486081370449679);
    close(run('r2', reg(T, P)).value, 0.9480256276150627);
    expect(run('r2', reg([1, 2, 3], [3, 2, 1])).value).toBe(-3);
    expect(run('r2', reg([1, 1, 1], [1, 1, 1])).value).toBe(1);
    expect(run('r2', reg([1, 1, 1], [1, 1, 2])).value).toBe(0);
  });
  it('r2 survives a huge offset where the naive one-pass variance cancels', () => {
    const off = 1e9;
    close(run('r2', reg(T.map((t) => t + off), P.map((p) => p + off))).value, 0.9480256276150627, 1e-6);
  });
  it('mean_absolute_percentage_error docstring: 0.3273809523809524; 0.2761904761904762', () => {
    close(run('mape', reg([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])).value, 0.3273809523809524);
    close(run('mape', reg(T, P)).value, 0.2761904761904762);
  });
  it('pearsonr(P, T) = 0.9803635968771465; spearmanr = 1 (0.9999999999999999 in scipy)', () => {
    close(run('pearson', reg(T, P)).value, 0.9803635968771465);
    close(run('spearman', reg(T, P)).value, 1);
  });
  it('with ties: spearmanr(a, b) = 0.8510794409931051, pearsonr = 0.7992825988040638', () => {
    const a = [1, 2, 2, 3, 5, 5, 5, 8];
    const b = [2, 1, 4, 4, 6, 9, 7, 7];
    close(run('spearman', reg(b, a)).value, 0.8510794409931051);
    close(run('pearson', reg(b, a)).value, 0.7992825988040638);
  });
  it('zero variance: error by default, 0 with degenerate: zero', () => {
    expect(() => run('pearson', reg([1, 2, 3], [2, 2, 2]))).toThrow(/predictions are constant/);
    expect(() => run('spearman', reg([4, 4, 4], [1, 2, 3]))).toThrow(/targets are constant/);
    expect(run('pearson', reg([1, 2, 3], [2, 2, 2]), { degenerate: 'zero' }).value).toBe(0);
  });
});
