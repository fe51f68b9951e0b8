// Small helpers shared by metric definitions: a typed identity for declaring a metric, reusable
// scratch buffers (so updates never allocate per row), and options parsing for the engine.
import type { z } from 'zod';
import type { AnyMetric, Metric } from './types.ts';
import { ExactAccumulator, type ExactSumState } from './exact-sum.ts';
import { emptyError } from './input.ts';

/** Declares a metric (typed identity, frozen). */
export function defineMetric<S, O>(m: Metric<S, O>): Metric<S, O> {
  return Object.freeze(m);
}

let scratch = new Float64Array(8192);
/** A shared Float64Array of at least n entries. Valid until the next call (updates are synchronous). */
export function scratchF64(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/** One shared accumulator: load a state, add, store back (synchronous use only). */
export const sharedAcc = new ExactAccumulator();

/** A state holding an exact sum of per-row values and the row count: what every mean metric keeps. */
export interface MeanState { sum: ExactSumState; n: number }

/** Merge two mean states exactly (reuses `a`). */
export function mergeMean<S extends MeanState>(a: S, b: S): S {
  sharedAcc.load(a.sum);
  sharedAcc.addState(b.sum);
  a.sum = sharedAcc.toState();
  a.n += b.n;
  return a;
}

/** The mean of a mean state: the exact sum, correctly rounded, over n; an empty set is an error. */
export function meanOf(s: MeanState, metric: string): number {
  if (s.n === 0) throw emptyError(metric);
  sharedAcc.load(s.sum);
  return sharedAcc.value() / s.n;
}

export type ParsedOptions = { ok: true; options: unknown } | { ok: false; message: string; issues: z.core.$ZodIssue[] };

/** Validates a spec's raw options (undefined means none) against the metric's zod schema. */
export function parseMetricOptions(metric: AnyMetric, raw: unknown): ParsedOptions {
  const r = metric.optionsSchema.safeParse(raw ?? {});
  if (r.success) return { ok: true, options: r.data };
  const message = r.error.issues
    .map((i) => `${metric.name}.options${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`)
    .join('; ');
  return { ok: false, message, issues: r.error.issues };
}
