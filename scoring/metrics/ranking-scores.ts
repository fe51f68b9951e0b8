// Threshold-free ranking metrics on class probabilities: roc_auc (binary, or one-vs-rest
// averaged) and average_precision, matching sklearn.metrics 1.2.1 roc_auc_score /
// average_precision_score. They need every score, so the state keeps, per one-vs-rest problem,
// the scores of its positive and of its negative rows (merge = concatenation). Finalize sorts
// them, so the result cannot depend on arrival order, batching or merge grouping.
//
// ROC-AUC is computed as the Mann-Whitney statistic with ties counted one half, which is the
// area under sklearn's ROC curve (its trapezoids are exactly that): 2U is an integer, and
// AUC = 2U / (2 P N) is a single correctly rounded division.
import { z } from 'zod';
import { defineMetric } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkBatchClasses, checkClassIds, checkLength, checkRows, classCount, emptyError, field } from '../input.ts';
import { checkProbabilities } from '../input-prob.ts';
import { exactSum } from '../exact-sum.ts';
import { sortDoubles } from '../sort.ts';
import type { Metric } from '../types.ts';

export interface RankedScoresState {
  k: number;
  /** per problem (binary: one, the class-1 column; otherwise one per class) */
  pos: number[][];
  neg: number[][];
}

const options = z
  .object({
    /** macro: unweighted mean over classes; weighted: weighted by class prevalence (multiclass only) */
    average: z.enum(['macro', 'weighted']).default('macro'),
    sumTolerance: z.number().min(0).max(1).default(1e-4),
  })
  .strict();
type Options = z.infer<typeof options>;

function init(metric: string, k: number): RankedScoresState {
  const m = k === 2 ? 1 : k;
  return { k, pos: Array.from({ length: m }, () => []), neg: Array.from({ length: m }, () => []) };
}

/** Per problem: sorted positive and negative scores. */
function sorted(s: RankedScoresState, c: number): { pos: Float64Array; neg: Float64Array } {
  return { pos: sortDoubles(new Float64Array(s.pos[c])), neg: sortDoubles(new Float64Array(s.neg[c])) };
}

/** AUC of one problem: ties between a positive and a negative count one half. */
export function aucFromSorted(pos: Float64Array, neg: Float64Array): number {
  const nP = pos.length;
  const nN = neg.length;
  let j = 0;
  let u2 = 0;
  let i = 0;
  while (i < nP) {
    const v = pos[i];
    let g = 0;
    while (i < nP && pos[i] === v) {
      g++;
      i++;
    }
    while (j < nN && neg[j] < v) j++;
    let e = j;
    while (e < nN && neg[e] === v) e++;
    u2 += g * (2 * j + (e - j));
  }
  return u2 / (2 * nP * nN);
}

/** Average precision of one problem, as sklearn: sum over thresholds of (R_t - R_t-1) * P_t. */
export function apFromSorted(pos: Float64Array, neg: Float64Array): number {
  const nP = pos.length;
  let i = nP - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  const terms: number[] = [];
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    const before = tp;
    while (i >= 0 && pos[i] === v) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === v) {
      fp++;
      j--;
    }
    if (tp !== before) {
      const recall = tp / nP;
      terms.push((recall - prevRecall) * (tp / (tp + fp)));
      prevRecall = recall;
      if (tp === nP) break; // sklearn stops the curve at full recall
    }
  }
  return exactSum(terms);
}

function rankedMetric(name: string, description: string, score: (pos: Float64Array, neg: Float64Array) => number): Metric<RankedScoresState, Options> {
  return defineMetric<RankedScoresState, Options>({
    name,
    version: 1,
    higherIsBetter: true,
    inputs: ['labels', 'probabilities'],
    description,
    optionsSchema: options,
    // every row's score, by its label's class: the state is the rows
    stateRevealsRows: true,
    init: (_o, ctx) => init(name, classCount(name, ctx)),
    checkLabels(labels) {
      const counts = labels.classCounts;
      if (!counts) return null;
      // Binary: the class-1 problem; otherwise one-vs-rest per class. Each needs positives and negatives.
      const classes = counts.length === 2 ? [1] : counts.map((_, c) => c);
      for (const c of classes) {
        const pos = counts[c] ?? 0;
        if (pos === 0 || pos === labels.rows) return `${name} is undefined: class ${c} has ${pos} of ${labels.rows} rows (it needs rows of class ${c} and rows of other classes)`;
      }
      return null;
    },
    update(s, b, o) {
      const n = checkRows(name, b);
      const y = field(name, b, 'labels');
      const P = field(name, b, 'probabilities');
      const k = s.k;
      checkBatchClasses(name, b, k);
      checkLength(name, 'labels', y.length, n);
      checkLength(name, 'probabilities', P.length, n * k);
      checkClassIds(name, 'labels', y, n, k);
      checkProbabilities(name, P, n, k, o.sumTolerance);
      if (k === 2) {
        const pos = s.pos[0];
        const neg = s.neg[0];
        for (let i = 0; i < n; i++) (y[i] === 1 ? pos : neg).push(P[2 * i + 1]);
      } else {
        for (let c = 0; c < k; c++) {
          const pos = s.pos[c];
          const neg = s.neg[c];
          for (let i = 0; i < n; i++) (y[i] === c ? pos : neg).push(P[i * k + c]);
        }
      }
      return s;
    },
    merge(a, b) {
      if (a.k !== b.k) throw inputError(name, `cannot merge states with ${a.k} and ${b.k} classes`);
      for (let c = 0; c < a.pos.length; c++) {
        const ap = a.pos[c];
        const an = a.neg[c];
        for (const v of b.pos[c]) ap.push(v);
        for (const v of b.neg[c]) an.push(v);
      }
      return a;
    },
    finalize(s, o) {
      const m = s.pos.length;
      if (s.pos[0].length + s.neg[0].length === 0) throw emptyError(name);
      const perClass: number[] = [];
      const support: number[] = [];
      for (let c = 0; c < m; c++) {
        const cls = s.k === 2 ? 1 : c;
        if (s.pos[c].length === 0 || s.neg[c].length === 0) {
          throw inputError(
            name,
            `${name} is undefined: class ${cls} has ${s.pos[c].length} positive and ${s.neg[c].length} negative rows (both must be > 0)`,
            { class: cls },
          );
        }
        const { pos, neg } = sorted(s, c);
        perClass.push(score(pos, neg));
        support.push(pos.length);
      }
      if (m === 1) return { value: perClass[0] };
      let value: number;
      if (o.average === 'weighted') {
        const total = exactSum(support);
        value = exactSum(perClass.map((v, c) => v * support[c])) / total;
      } else value = exactSum(perClass) / m;
      return { value, extras: { perClass } };
    },
  });
}

export const rocAuc = rankedMetric(
  'roc_auc',
  'Area under the ROC curve: binary (class-1 probability) or one-vs-rest averaged over classes; ties count one half.',
  aucFromSorted,
);
export const averagePrecision = rankedMetric(
  'average_precision',
  'Average precision (area under the step precision-recall curve): binary, or one-vs-rest averaged.',
  apFromSorted,
);
