// Counting metrics beyond precision / recall (sklearn.metrics 1.2.1 semantics):
// balanced_accuracy, mcc (Matthews correlation), cohen_kappa (plain, linear or quadratic
// weights) and confusion_matrix (the k x k matrix as an extra, accuracy as its value).
import { z } from 'zod';
import { defineMetric } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkBatchClasses, checkLength, checkRows, classCount, emptyError, field } from '../input.ts';
import { exactSum } from '../exact-sum.ts';
import type { MetricBatch } from '../types.ts';
import { countsInit, countsMerge, countsUpdate, presentClasses, type ClassCountsState } from './class-counts.ts';

const none = z.object({}).strict();

export const balancedAccuracy = defineMetric<ClassCountsState, { adjusted: boolean }>({
  name: 'balanced_accuracy',
  version: 1,
  higherIsBetter: true,
  inputs: ['labels', 'predictedClasses'],
  description: 'Mean per-class recall over the classes present in the labels (optionally chance-adjusted).',
  optionsSchema: z.object({ adjusted: z.boolean().default(false) }).strict(),
  init: (_o, ctx) => countsInit('balanced_accuracy', ctx),
  update: (s, b) => countsUpdate('balanced_accuracy', s, b),
  merge: (a, b) => countsMerge('balanced_accuracy', a, b),
  finalize(s, o) {
    if (s.n === 0) throw emptyError('balanced_accuracy');
    // sklearn drops classes that occur only in the predictions (their recall is 0/0).
    const recalls: number[] = [];
    for (let c = 0; c < s.k; c++) if (s.true[c] > 0) recalls.push(s.tp[c] / s.true[c]);
    let score = exactSum(recalls) / recalls.length;
    if (o.adjusted) {
      const chance = 1 / recalls.length;
      score = (score - chance) / (1 - chance);
    }
    return { value: score, extras: { perClassRecall: recalls } };
  },
});

export const mcc = defineMetric<ClassCountsState, Record<string, never>>({
  name: 'mcc',
  version: 1,
  higherIsBetter: true,
  inputs: ['labels', 'predictedClasses'],
  description: "Matthews correlation coefficient (multiclass R_K); 0 when either marginal is constant, as sklearn.",
  optionsSchema: none as z.ZodType<Record<string, never>>,
  init: (_o, ctx) => countsInit('mcc', ctx),
  update: (s, b) => countsUpdate('mcc', s, b),
  merge: (a, b) => countsMerge('mcc', a, b),
  finalize(s) {
    if (s.n === 0) throw emptyError('mcc');
    let correct = 0;
    let tp = 0;
    let pp = 0;
    let tt = 0;
    for (let c = 0; c < s.k; c++) {
      correct += s.tp[c];
      tp += s.true[c] * s.pred[c];
      pp += s.pred[c] * s.pred[c];
      tt += s.true[c] * s.true[c];
    }
    const n = s.n;
    const covYtYp = correct * n - tp;
    const covYpYp = n * n - pp;
    const covYtYt = n * n - tt;
    if (covYpYp * covYtYt === 0) return { value: 0 };
    return { value: covYtYp / Math.sqrt(covYtYt * covYpYp) };
  },
});

export interface KappaState extends ClassCountsState {
  /** sum over rows of the disagreement weight w(label, prediction) */
  disagreement: number;
}
const kappaOptions = z.object({ weights: z.enum(['none', 'linear', 'quadratic']).default('none') }).strict();
type KappaOptions = z.infer<typeof kappaOptions>;

function weight(kind: KappaOptions['weights'], i: number, j: number): number {
  if (kind === 'none') return i === j ? 0 : 1;
  const d = i - j;
  return kind === 'linear' ? Math.abs(d) : d * d;
}

export const cohenKappa = defineMetric<KappaState, KappaOptions>({
  name: 'cohen_kappa',
  version: 1,
  higherIsBetter: true,
  inputs: ['labels', 'predictedClasses'],
  description: "Cohen's kappa between labels and predictions; weights none, linear or quadratic over class ids.",
  optionsSchema: kappaOptions,
  init: (_o, ctx) => ({ ...countsInit('cohen_kappa', ctx), disagreement: 0 }),
  update(s, b, o) {
    countsUpdate('cohen_kappa', s, b);
    const y = b.labels!;
    const p = b.predictedClasses!;
    let d = 0;
    if (o.weights === 'none') for (let i = 0; i < b.n; i++) d += y[i] === p[i] ? 0 : 1;
    else if (o.weights === 'linear') for (let i = 0; i < b.n; i++) d += Math.abs(y[i] - p[i]);
    else
      for (let i = 0; i < b.n; i++) {
        const e = y[i] - p[i];
        d += e * e;
      }
    s.disagreement += d;
    return s;
  },
  merge(a, b) {
    countsMerge('cohen_kappa', a, b);
    a.disagreement += b.disagreement;
    return a;
  },
  finalize(s, o) {
    if (s.n === 0) throw emptyError('cohen_kappa');
    // expected disagreement: sum_ij w_ij * true_i * pred_j / n  (sklearn: outer(sum0, sum1) / n)
    const terms: number[] = [];
    for (let i = 0; i < s.k; i++) {
      if (s.true[i] === 0) continue;
      for (let j = 0; j < s.k; j++) if (s.pred[j] > 0) terms.push(weight(o.weights, i, j) * s.true[i] * s.pred[j]);
    }
    const expected = exactSum(terms);
    if (expected === 0) {
      throw inputError('cohen_kappa', 'kappa is undefined: labels and predictions use one and the same single class, so the chance disagreement is 0');
    }
    return { value: 1 - (s.disagreement * s.n) / expected };
  },
});

export interface ConfusionState {
  k: number;
  n: number;
  /** row-major k x k: cm[label * k + predicted] */
  cm: number[];
}

export const confusionMatrix = defineMetric<ConfusionState, Record<string, never>>({
  name: 'confusion_matrix',
  version: 1,
  higherIsBetter: true,
  inputs: ['labels', 'predictedClasses'],
  description: 'The confusion matrix (rows: true class, columns: predicted) as an extra; the value is the accuracy.',
  optionsSchema: none as z.ZodType<Record<string, never>>,
  init: (_o, ctx) => {
    const k = classCount('confusion_matrix', ctx);
    return { k, n: 0, cm: new Array<number>(k * k).fill(0) };
  },
  update(s, b: MetricBatch) {
    const n = checkRows('confusion_matrix', b);
    const y = field('confusion_matrix', b, 'labels');
    const p = field('confusion_matrix', b, 'predictedClasses');
    checkLength('confusion_matrix', 'labels', y.length, n);
    checkLength('confusion_matrix', 'predictedClasses', p.length, n);
    checkBatchClasses('confusion_matrix', b, s.k);
    const k = s.k;
    for (let i = 0; i < n; i++) {
      const a = y[i];
      const c = p[i];
      if (a < 0 || a >= k || c < 0 || c >= k) {
        for (let j = 0; j < i; j++) s.cm[y[j] * k + p[j]]--;
        const bad = a < 0 || a >= k ? { f: 'labels', v: a } : { f: 'predictedClasses', v: c };
        throw inputError('confusion_matrix', `"${bad.f}"[${i}] is ${bad.v}, expected a class id in [0, ${k - 1}]`, { field: bad.f, row: i, value: bad.v });
      }
      s.cm[a * k + c]++;
    }
    s.n += n;
    return s;
  },
  merge(a, b) {
    if (a.k !== b.k) throw inputError('confusion_matrix', `cannot merge states with ${a.k} and ${b.k} classes`);
    for (let i = 0; i < a.cm.length; i++) a.cm[i] += b.cm[i];
    a.n += b.n;
    return a;
  },
  finalize(s) {
    if (s.n === 0) throw emptyError('confusion_matrix');
    let trace = 0;
    const rows: number[][] = [];
    for (let i = 0; i < s.k; i++) {
      trace += s.cm[i * s.k + i];
      rows.push(s.cm.slice(i * s.k, (i + 1) * s.k));
    }
    return { value: trace / s.n, extras: { confusionMatrix: rows, labels: Array.from({ length: s.k }, (_, i) => i) } };
  },
});

export { presentClasses };
