// Question-answering metrics, SQuAD v1.1 evaluation script semantics: exact_match and token_f1
// (bag-of-tokens F1) of the normalised prediction against each reference, the best reference
// per row, averaged over rows (a fraction in [0, 1]; the script prints 100x). Normalisation
// 'squad' = lowercase, strip ASCII punctuation, drop the articles a/an/the, collapse whitespace;
// 'none' = compare the raw strings (F1 over whitespace tokens).
import { z } from 'zod';
import { defineMetric, meanOf, mergeMean, scratchF64, sharedAcc } from '../define.ts';
import type { ExactSumState } from '../exact-sum.ts';
import type { Metric } from '../types.ts';
import { counter, overlap, pySplit, squadNormalize, textInputs } from '../text-utils.ts';

export interface MeanState {
  n: number;
  sum: ExactSumState;
}
const options = z.object({ normalize: z.enum(['squad', 'none']).default('squad') }).strict();
type Options = z.infer<typeof options>;

function norm(o: Options, s: string): string {
  return o.normalize === 'squad' ? squadNormalize(s) : s;
}

/** SQuAD v1.1 f1_score: 0 when nothing overlaps (also when both sides are empty). */
export function tokenF1(pred: string[], gold: string[]): number {
  const same = overlap(counter(pred), counter(gold));
  if (same === 0) return 0;
  const precision = same / pred.length;
  const recall = same / gold.length;
  return (2 * precision * recall) / (precision + recall);
}

function meanTextMetric(name: string, description: string, rowScore: (pred: string, refs: string[], o: Options) => number): Metric<MeanState, Options> {
  return defineMetric<MeanState, Options>({
    name,
    version: 1,
    higherIsBetter: true,
    inputs: ['texts'],
    description,
    optionsSchema: options,
    init: () => ({ n: 0, sum: [] }),
    update(s, b, o) {
      const { n, predictions, references } = textInputs(name, b);
      const buf = scratchF64(n);
      for (let i = 0; i < n; i++) buf[i] = rowScore(predictions[i], references[i], o);
      sharedAcc.load(s.sum);
      sharedAcc.addArray(buf, 0, n);
      s.sum = sharedAcc.toState();
      s.n += n;
      return s;
    },
    merge: (a, b) => mergeMean(a, b),
    finalize: (s) => ({ value: meanOf(s, name) }),
  });
}

export const exactMatch = meanTextMetric('exact_match', 'Fraction of rows whose normalised prediction equals a normalised reference.', (pred, refs, o) => {
  const p = norm(o, pred);
  for (const r of refs) if (norm(o, r) === p) return 1;
  return 0;
});

export const tokenF1Metric = meanTextMetric('token_f1', 'SQuAD-style token F1 against the best reference, averaged over rows.', (pred, refs, o) => {
  const p = pySplit(norm(o, pred));
  let best = 0;
  for (const r of refs) {
    const f = tokenF1(p, pySplit(norm(o, r)));
    if (f > best) best = f;
  }
  return best;
});
