// The shared state of the counting classification metrics (precision / recall / F-beta, balanced
// accuracy, MCC, Cohen's kappa): per-class true positives, predicted counts and true counts.
// O(classes) memory; integer counts, so merging is exact in any order.
import { inputError } from '../errors.ts';
import { checkBatchClasses, checkLength, checkRows, classCount, field } from '../input.ts';
import type { MetricBatch, MetricContext } from '../types.ts';

export interface ClassCountsState {
  k: number;
  n: number;
  tp: number[];
  pred: number[];
  true: number[];
}

export function countsInit(metric: string, ctx: MetricContext): ClassCountsState {
  const k = classCount(metric, ctx);
  return { k, n: 0, tp: new Array<number>(k).fill(0), pred: new Array<number>(k).fill(0), true: new Array<number>(k).fill(0) };
}

export function countsUpdate(metric: string, s: ClassCountsState, batch: MetricBatch): ClassCountsState {
  const n = checkRows(metric, batch);
  const y = field(metric, batch, 'labels');
  const p = field(metric, batch, 'predictedClasses');
  checkLength(metric, 'labels', y.length, n);
  checkLength(metric, 'predictedClasses', p.length, n);
  checkBatchClasses(metric, batch, s.k);
  const k = s.k;
  const tp = s.tp;
  const pc = s.pred;
  const tc = s.true;
  for (let i = 0; i < n; i++) {
    const a = y[i];
    const b = p[i];
    if (a < 0 || a >= k || b < 0 || b >= k) {
      const bad = a < 0 || a >= k ? { f: 'labels', v: a } : { f: 'predictedClasses', v: b };
      // Roll back this batch so the state stays consistent for a caller that catches.
      for (let j = 0; j < i; j++) {
        tc[y[j]]--;
        pc[p[j]]--;
        if (y[j] === p[j]) tp[y[j]]--;
      }
      throw inputError(metric, `"${bad.f}"[${i}] is ${bad.v}, expected a class id in [0, ${k - 1}]`, { field: bad.f, row: i, value: bad.v });
    }
    tc[a]++;
    pc[b]++;
    if (a === b) tp[a]++;
  }
  s.n += n;
  return s;
}

export function countsMerge(metric: string, a: ClassCountsState, b: ClassCountsState): ClassCountsState {
  if (a.k !== b.k) throw inputError(metric, `cannot merge states with ${a.k} and ${b.k} classes`);
  for (let c = 0; c < a.k; c++) {
    a.tp[c] += b.tp[c];
    a.pred[c] += b.pred[c];
    a.true[c] += b.true[c];
  }
  a.n += b.n;
  return a;
}

/** Classes that occur in the labels or the predictions (sklearn's `unique_labels(y_true, y_pred)`). */
export function presentClasses(s: ClassCountsState): number[] {
  const out: number[] = [];
  for (let c = 0; c < s.k; c++) if (s.true[c] > 0 || s.pred[c] > 0) out.push(c);
  return out;
}
