// Shared input checks for metrics: every check fails with E_METRIC_INPUT and a message that says
// what was expected and what was found. The checks are loops over typed arrays, no allocation.
import { inputError } from './errors.ts';
import type { MetricBatch, MetricContext } from './types.ts';

/** A required batch field, or an error naming it. */
export function field<K extends keyof MetricBatch>(metric: string, batch: MetricBatch, key: K): NonNullable<MetricBatch[K]> {
  const v = batch[key];
  if (v === undefined || v === null) throw inputError(metric, `the batch has no "${String(key)}" (this metric needs it)`);
  return v as NonNullable<MetricBatch[K]>;
}

export function checkRows(metric: string, batch: MetricBatch): number {
  const n = batch.n;
  if (!Number.isInteger(n) || n < 0) throw inputError(metric, `batch.n must be a non-negative integer, found ${String(n)}`);
  return n;
}

export function checkLength(metric: string, name: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw inputError(metric, `"${name}" must have ${expected} entries, found ${actual}`, { field: name, expected, actual });
  }
}

/** The class count: from the batch, else the context; must be an integer >= 2 when given. */
export function classCount(metric: string, ctx: MetricContext | undefined, fallback?: number): number {
  const k = ctx?.numClasses ?? fallback;
  if (k === undefined) throw inputError(metric, 'numClasses is required (set it in the benchmark task)');
  if (!Number.isInteger(k) || k < 2) throw inputError(metric, `numClasses must be an integer >= 2, found ${String(k)}`);
  return k;
}

export function checkBatchClasses(metric: string, batch: MetricBatch, k: number): void {
  if (batch.numClasses !== undefined && batch.numClasses !== k) {
    throw inputError(metric, `the batch has numClasses ${batch.numClasses}, the metric state has ${k}`);
  }
}

/** Every id in [0, k); reports the first offending row. */
export function checkClassIds(metric: string, name: string, ids: Int32Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) {
    const c = ids[i];
    if (c < 0 || c >= k) {
      throw inputError(metric, `"${name}"[${i}] is ${c}, expected a class id in [0, ${k - 1}]`, { field: name, row: i, value: c });
    }
  }
}

/** Every value finite; reports the first offending row. */
export function checkFinite(metric: string, name: string, xs: ArrayLike<number>, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = xs[i];
    if (v - v !== 0) {
      throw inputError(metric, `"${name}"[${i}] is ${String(v)}, expected a finite number`, { field: name, row: i, value: String(v) });
    }
  }
}

export function emptyError(metric: string): Error {
  return inputError(metric, 'no rows were scored (an empty set has no value)');
}

/** A state that came back from JSON must have the shape we wrote. */
export function checkSameClasses(metric: string, a: number, b: number): void {
  if (a !== b) throw inputError(metric, `cannot merge states with ${a} and ${b} classes`);
}
