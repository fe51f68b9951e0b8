// Small helper for golden tests: run a registered metric over one batch with parsed options.
import { expect } from 'vitest';
import { registry } from '../../../scoring/index.ts';
import type { MetricBatch, MetricResult } from '../../../scoring/types.ts';

export function run(name: string, batch: MetricBatch, options: Record<string, unknown> = {}, k = batch.numClasses): MetricResult {
  const m = registry.get(name);
  const o = m.optionsSchema.parse(options);
  return m.finalize(m.update(m.init(o, { numClasses: k }), batch, o), o);
}

/** Within a few ulps (reference libraries sum in a different order than our exact sums). */
export function close(actual: number, expected: number, rel = 1e-14): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}

export const cls = (y: number[], p: number[], k: number): MetricBatch => ({
  n: y.length,
  numClasses: k,
  labels: Int32Array.from(y),
  predictedClasses: Int32Array.from(p),
});

export const probs = (y: number[], P: number[][]): MetricBatch => ({
  n: y.length,
  numClasses: P[0].length,
  labels: Int32Array.from(y),
  probabilities: Float64Array.from(P.flat()),
});

export const reg = (t: number[], p: number[]): MetricBatch => ({ n: t.length, targets: Float64Array.from(t), predictions: Float64Array.from(p) });

export const texts = (preds: string[], refs: string[][]): MetricBatch => ({ n: preds.length, predictionTexts: preds, referenceTexts: refs });
