// accuracy: the fraction of rows whose predicted class equals the label (sklearn.metrics.accuracy_score).
import { z } from 'zod';
import { defineMetric } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkBatchClasses, checkClassIds, checkLength, checkRows, emptyError, field } from '../input.ts';

export interface AccuracyState {
  k: number | null;
  correct: number;
  total: number;
}

const options = z.object({}).strict();

export const accuracy = defineMetric<AccuracyState, z.infer<typeof options>>({
  name: 'accuracy',
  version: 1,
  higherIsBetter: true,
  inputs: ['labels', 'predictedClasses'],
  description: 'Fraction of rows whose predicted class equals the true class.',
  optionsSchema: options,
  init: (_o, ctx) => ({ k: ctx.numClasses ?? null, correct: 0, total: 0 }),
  update(s, batch) {
    const n = checkRows('accuracy', batch);
    const y = field('accuracy', batch, 'labels');
    const p = field('accuracy', batch, 'predictedClasses');
    checkLength('accuracy', 'labels', y.length, n);
    checkLength('accuracy', 'predictedClasses', p.length, n);
    const k = s.k ?? batch.numClasses ?? 0x7fffffff;
    if (s.k !== null) checkBatchClasses('accuracy', batch, s.k);
    let correct = 0;
    let bad = false;
    for (let i = 0; i < n; i++) {
      const a = y[i];
      const b = p[i];
      if (a === b) correct++;
      if (a < 0 || a >= k || b < 0 || b >= k) bad = true;
    }
    if (bad) {
      checkClassIds('accuracy', 'labels', y, n, k);
      checkClassIds('accuracy', 'predictedClasses', p, n, k);
    }
    s.correct += correct;
    s.total += n;
    return s;
  },
  merge(a, b) {
    if (a.k !== b.k) throw inputError('accuracy', `cannot merge states with ${a.k} and ${b.k} classes`);
    a.correct += b.correct;
    a.total += b.total;
    return a;
  },
  finalize(s) {
    if (s.total === 0) throw emptyError('accuracy');
    return { value: s.correct / s.total, extras: { correct: s.correct, total: s.total } };
  },
});
