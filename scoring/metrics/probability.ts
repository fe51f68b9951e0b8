// Metrics on class-probability rows: top_k_accuracy (sklearn top_k_accuracy_score 1.2.1 tie
// rule) and brier (mean squared distance to the one-hot label; halved for two classes, which is
// sklearn 1.2.1 brier_score_loss(y, P[:, 1]) for binary tasks).
import { z } from 'zod';
import { defineMetric, scratchF64, sharedAcc } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkBatchClasses, checkClassIds, checkLength, checkRows, classCount, emptyError, field } from '../input.ts';
import { checkProbabilities } from '../input-prob.ts';
import type { ExactSumState } from '../exact-sum.ts';
import type { MetricBatch } from '../types.ts';

const tolerance = z.number().min(0).max(1).default(1e-4);

function probInputs(metric: string, b: MetricBatch, k: number, tol: number) {
  const n = checkRows(metric, b);
  const y = field(metric, b, 'labels');
  const P = field(metric, b, 'probabilities');
  checkBatchClasses(metric, b, k);
  checkLength(metric, 'labels', y.length, n);
  checkLength(metric, 'probabilities', P.length, n * k);
  checkClassIds(metric, 'labels', y, n, k);
  checkProbabilities(metric, P, n, k, tol);
  return { n, y, P };
}

export interface TopKState {
  k: number;
  hits: number;
  n: number;
}
const topKOptions = z.object({ k: z.number().int().min(1).default(2), sumTolerance: tolerance }).strict();

export const topKAccuracy = defineMetric<TopKState, z.infer<typeof topKOptions>>({
  name: 'top_k_accuracy',
  version: 1,
  higherIsBetter: true,
  inputs: ['labels', 'probabilities'],
  description: 'Fraction of rows whose true class is among the k highest-scored classes (ties: higher class id ranks first, as sklearn).',
  optionsSchema: topKOptions,
  init(o, ctx) {
    const k = classCount('top_k_accuracy', ctx);
    return { k, hits: 0, n: 0 };
  },
  update(s, b, o) {
    const { n, y, P } = probInputs('top_k_accuracy', b, s.k, o.sumTolerance);
    const k = s.k;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const base = i * k;
      const c = y[i];
      const sc = P[base + c];
      // sklearn sorts with a stable ascending argsort and reverses it, so among equal scores the
      // higher class id comes first. Rank of c = #(score > sc) + #(score == sc and id > c).
      let rank = 0;
      for (let j = 0; j < k; j++) {
        const v = P[base + j];
        if (v > sc || (v === sc && j > c)) rank++;
      }
      if (rank < o.k) hits++;
    }
    s.hits += hits;
    s.n += n;
    return s;
  },
  merge(a, b) {
    if (a.k !== b.k) throw inputError('top_k_accuracy', `cannot merge states with ${a.k} and ${b.k} classes`);
    a.hits += b.hits;
    a.n += b.n;
    return a;
  },
  finalize(s) {
    if (s.n === 0) throw emptyError('top_k_accuracy');
    return { value: s.hits / s.n, extras: { hits: s.hits, total: s.n } };
  },
});

export interface BrierState {
  k: number;
  n: number;
  sum: ExactSumState;
}
const brierOptions = z.object({ sumTolerance: tolerance }).strict();

export const brier = defineMetric<BrierState, z.infer<typeof brierOptions>>({
  name: 'brier',
  version: 1,
  higherIsBetter: false,
  inputs: ['labels', 'probabilities'],
  description: 'Brier score: mean squared distance between the probability row and the one-hot label (halved for 2 classes).',
  optionsSchema: brierOptions,
  init: (_o, ctx) => ({ k: classCount('brier', ctx), n: 0, sum: [] }),
  update(s, b, o) {
    const { n, y, P } = probInputs('brier', b, s.k, o.sumTolerance);
    const k = s.k;
    const buf = scratchF64(n);
    if (k === 2) {
      // exactly sklearn's per-row term ((y == 1) - p1)^2
      for (let i = 0; i < n; i++) {
        const d = (y[i] === 1 ? 1 : 0) - P[2 * i + 1];
        buf[i] = d * d;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const base = i * k;
        let r = 0;
        for (let j = 0; j < k; j++) {
          const d = P[base + j] - (j === y[i] ? 1 : 0);
          r += d * d;
        }
        buf[i] = r;
      }
    }
    sharedAcc.load(s.sum);
    sharedAcc.addArray(buf, 0, n);
    s.sum = sharedAcc.toState();
    s.n += n;
    return s;
  },
  merge(a, b) {
    if (a.k !== b.k) throw inputError('brier', `cannot merge states with ${a.k} and ${b.k} classes`);
    sharedAcc.load(a.sum);
    sharedAcc.addState(b.sum);
    a.sum = sharedAcc.toState();
    a.n += b.n;
    return a;
  },
  finalize(s) {
    if (s.n === 0) throw emptyError('brier');
    sharedAcc.load(s.sum);
    return { value: sharedAcc.value() / s.n };
  },
});
