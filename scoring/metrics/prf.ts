// Precision, recall and F-beta (sklearn.metrics.precision_recall_fscore_support, 1.2.1 semantics):
// `precision`, `recall`, `f1`, `fbeta` with average binary | micro | macro | weighted, and
// `macro_f1` as its own name. Per-class values and supports are always returned as extras.
import { z } from 'zod';
import { defineMetric } from '../define.ts';
import { inputError } from '../errors.ts';
import { emptyError } from '../input.ts';
import { exactSum } from '../exact-sum.ts';
import type { Metric, MetricContext, MetricResult } from '../types.ts';
import { countsInit, countsMerge, countsUpdate, presentClasses, type ClassCountsState } from './class-counts.ts';

const average = z.enum(['binary', 'micro', 'macro', 'weighted']);
const common = {
  /** binary: only posLabel; micro: pooled counts; macro: unweighted class mean; weighted: mean weighted by support */
  average: average.default('macro'),
  /** the positive class for average 'binary' */
  posLabel: z.number().int().min(0).default(1),
  /** the value of a 0/0 precision or recall (sklearn's zero_division; its default 'warn' acts as 0) */
  zeroDivision: z.union([z.literal(0), z.literal(1)]).default(0),
  /** 'present': classes seen in labels or predictions (sklearn's labels=None); 'all': 0..numClasses-1 */
  labels: z.enum(['present', 'all']).default('present'),
};
const prfOptions = z.object(common).strict();
const fbetaOptions = z.object({ ...common, beta: z.number().finite().min(0).default(1) }).strict();
const macroOptions = z
  .object({ zeroDivision: common.zeroDivision, labels: common.labels })
  .strict();

export type PrfOptions = z.infer<typeof prfOptions> & { beta?: number };

export interface PrfValues {
  precision: number;
  recall: number;
  f: number;
  perClass: { precision: number[]; recall: number[]; f: number[]; support: number[] };
  classes: number[];
}

function divide(num: number, den: number, zd: number): number {
  return den === 0 ? zd : num / den;
}

function fscore(p: number, r: number, beta2: number): number {
  const denom = beta2 * p + r;
  // sklearn: denom == 0 -> 1, so f = 0; the operation order matches (1 + b2) * p * r / denom.
  return ((1 + beta2) * p * r) / (denom === 0 ? 1 : denom);
}

/** Precision, recall and F-beta from class counts, as sklearn 1.2.1 computes them. */
export function prfFromCounts(metric: string, s: ClassCountsState, o: PrfOptions): PrfValues {
  if (s.n === 0) throw emptyError(metric);
  const beta2 = (o.beta ?? 1) ** 2;
  const zd = o.zeroDivision;
  const k = s.k;
  const perClass = { precision: [] as number[], recall: [] as number[], f: [] as number[], support: [...s.true] };
  for (let c = 0; c < k; c++) {
    const p = divide(s.tp[c], s.pred[c], zd);
    const r = divide(s.tp[c], s.true[c], zd);
    perClass.precision.push(p);
    perClass.recall.push(r);
    perClass.f.push(fscore(p, r, beta2));
  }
  let classes: number[];
  if (o.average === 'binary') classes = [o.posLabel];
  else classes = o.labels === 'all' ? Array.from({ length: k }, (_, c) => c) : presentClasses(s);
  if (o.average === 'micro') {
    let tp = 0;
    let pr = 0;
    let tr = 0;
    for (const c of classes) {
      tp += s.tp[c];
      pr += s.pred[c];
      tr += s.true[c];
    }
    const p = divide(tp, pr, zd);
    const r = divide(tp, tr, zd);
    return { precision: p, recall: r, f: fscore(p, r, beta2), perClass, classes };
  }
  if (o.average === 'binary') {
    const c = o.posLabel;
    return { precision: perClass.precision[c], recall: perClass.recall[c], f: perClass.f[c], perClass, classes };
  }
  if (o.average === 'weighted') {
    let w = 0;
    let pw = 0;
    for (const c of classes) {
      w += s.true[c];
      pw += s.pred[c];
    }
    if (w === 0) {
      // sklearn: no true samples at all
      return pw === 0
        ? { precision: zd, recall: zd, f: zd, perClass, classes }
        : { precision: 0, recall: zd, f: 0, perClass, classes };
    }
    const avg = (xs: number[]) => exactSum(classes.map((c) => xs[c] * s.true[c])) / w;
    return { precision: avg(perClass.precision), recall: avg(perClass.recall), f: avg(perClass.f), perClass, classes };
  }
  const mean = (xs: number[]) => exactSum(classes.map((c) => xs[c])) / classes.length;
  return { precision: mean(perClass.precision), recall: mean(perClass.recall), f: mean(perClass.f), perClass, classes };
}

function checkOptions(metric: string, o: PrfOptions, ctx: MetricContext, k: number): void {
  if (o.average === 'binary') {
    if (k !== 2) throw inputError(metric, `average "binary" needs numClasses 2, found ${k}; use macro, micro or weighted`);
    if (o.posLabel >= k) throw inputError(metric, `posLabel ${o.posLabel} is not a class id in [0, ${k - 1}]`);
  }
  void ctx;
}

function extras(v: PrfValues): Record<string, unknown> {
  return {
    precision: v.precision,
    recall: v.recall,
    f: v.f,
    perClass: v.perClass,
    classes: v.classes,
  };
}

function prfMetric<O extends PrfOptions>(
  name: string,
  description: string,
  schema: z.ZodType<O>,
  pick: (v: PrfValues) => number,
  fixed: Partial<PrfOptions> = {},
): Metric<ClassCountsState, O> {
  const full = (o: O): PrfOptions => Object.assign({ average: 'macro', posLabel: 1 }, o, fixed) as PrfOptions;
  return defineMetric<ClassCountsState, O>({
    name,
    version: 1,
    higherIsBetter: true,
    inputs: ['labels', 'predictedClasses'],
    description,
    optionsSchema: schema,
    init(o, ctx) {
      const s = countsInit(name, ctx);
      checkOptions(name, full(o), ctx, s.k);
      return s;
    },
    update: (s, batch) => countsUpdate(name, s, batch),
    merge: (a, b) => countsMerge(name, a, b),
    finalize(s, o): MetricResult {
      const v = prfFromCounts(name, s, full(o));
      return { value: pick(v), extras: extras(v) };
    },
  });
}

export const precision = prfMetric('precision', 'Precision tp / (tp + fp), averaged as configured.', prfOptions, (v) => v.precision);
export const recall = prfMetric('recall', 'Recall tp / (tp + fn), averaged as configured.', prfOptions, (v) => v.recall);
export const f1 = prfMetric('f1', 'F1, the harmonic mean of precision and recall, averaged as configured.', prfOptions, (v) => v.f);
export const fbeta = prfMetric('fbeta', 'F-beta: (1 + b^2) P R / (b^2 P + R), averaged as configured.', fbetaOptions, (v) => v.f);
export const macroF1 = prfMetric(
  'macro_f1',
  'Unweighted mean of the per-class F1 scores (f1 with average macro).',
  macroOptions as unknown as z.ZodType<PrfOptions>,
  (v) => v.f,
  { average: 'macro' },
);
