// Golden values for nll_per_token, perplexity, bits_per_byte: corpus-weighted as
// lm-evaluation-harness (weighted_perplexity: exp(-sum(ll)/sum(n)); bits_per_byte:
// -sum(ll)/sum(bytes)/math.log(2)), computed in Python 3.11 with math.fsum.
import { describe, expect, it } from 'vitest';
import type { MetricBatch } from '../../../scoring/types.ts';
import { close, run } from './run.ts';

const lm = (nll: number[], tok: number[], bytes: number[]): MetricBatch => ({
  n: nll.length,
  nllSums: Float64Array.from(nll),
  tokenCounts: Float64Array.from(tok),
  byteCounts: Float64Array.from(bytes),
});
const B = lm([12.5, 3.25, 40.0], [10, 3, 31], [41, 12, 130]);

describe('language modelling', () => {
  it('nll/token 1.2670454545454546, perplexity 3.5503473882522387, bits/byte 0.43950955480633724', () => {
    close(run('nll_per_token', B).value, 1.2670454545454546);
    close(run('perplexity', B).value, 3.5503473882522387);
    close(run('bits_per_byte', B).value, 0.43950955480633724);
  });
  it('bits_per_byte is corpus-weighted, not a mean of per-example ratios', () => {
    const perExample = (12.5 / 41 + 3.25 / 12 + 40 / 130) / 3 / Math.LN2;
    expect(Math.abs(run('bits_per_byte', B).value - perExample)).toBeGreaterThan(1e-3);
  });
  it('errors: negative or NaN NLL, fractional counts, no tokens at all', () => {
    expect(() => run('perplexity', lm([-1], [1], [1]))).toThrow(/"nllSums"\[0\] is -1/);
    expect(() => run('perplexity', lm([NaN], [1], [1]))).toThrow(/is NaN/);
    expect(() => run('bits_per_byte', lm([1], [1], [1.5]))).toThrow(/"byteCounts"\[0\] is 1.5/);
    expect(() => run('nll_per_token', lm([0], [0], [0]))).toThrow(/0 tokens in total/);
    expect(() => run('bits_per_byte', { n: 1, nllSums: Float64Array.from([1]), tokenCounts: Float64Array.from([1]) })).toThrow(/no "byteCounts"/);
  });
});
