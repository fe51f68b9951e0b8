// Multiple-choice accuracy from per-choice log-likelihoods, as lm-evaluation-harness computes it:
// acc      = the choice with the highest total log-likelihood is the gold one;
// acc_norm = the choice with the highest log-likelihood per UTF-8 byte of its text (the choice
//            string alone, without the delimiter put before it) is the gold one.
// argmax ties go to the lowest choice index (numpy's argmax). Inputs: labels (gold choice index),
// choiceCounts, choiceLogliks and choiceBytes (flat, rows' choices one after another).
import { z } from 'zod';
import { defineMetric } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkLength, checkRows, emptyError, field } from '../input.ts';
import type { Metric, MetricBatch } from '../types.ts';

export interface ChoiceAccState {
  correct: number;
  total: number;
}

const none = z.object({}).strict();
type NoOptions = Record<string, never>;

/**
 * Pure: the picked choice of every row from flat log-likelihoods (ties to the lowest index).
 * `normalise` divides each log-likelihood by its choice's UTF-8 bytes (acc_norm).
 */
export function pickChoices(logliks: ArrayLike<number>, choiceBytes: ArrayLike<number>, choiceCounts: ArrayLike<number>, normalise: boolean): Int32Array {
  const out = new Int32Array(choiceCounts.length);
  let k = 0;
  for (let i = 0; i < choiceCounts.length; i++) {
    let best = -Infinity;
    for (let c = 0; c < choiceCounts[i]!; c++, k++) {
      const v = normalise ? logliks[k]! / choiceBytes[k]! : logliks[k]!;
      if (v > best || c === 0) { best = v; out[i] = c; }
    }
  }
  return out;
}

function checkChoices(metric: string, b: MetricBatch): { n: number; labels: Int32Array; counts: Int32Array; ll: Float64Array; bytes: Float64Array } {
  const n = checkRows(metric, b);
  const labels = field(metric, b, 'labels');
  const counts = field(metric, b, 'choiceCounts');
  const ll = field(metric, b, 'choiceLogliks');
  const bytes = field(metric, b, 'choiceBytes');
  checkLength(metric, 'labels', labels.length, n);
  checkLength(metric, 'choiceCounts', counts.length, n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (!Number.isInteger(c) || c < 1) throw inputError(metric, `"choiceCounts"[${i}] is ${c}, expected a positive integer`, { row: i, value: c });
    const y = labels[i]!;
    if (y < 0 || y >= c) throw inputError(metric, `"labels"[${i}] is ${y}, expected a choice index in [0, ${c})`, { row: i, value: y });
    total += c;
  }
  checkLength(metric, 'choiceLogliks', ll.length, total);
  checkLength(metric, 'choiceBytes', bytes.length, total);
  for (let k = 0; k < total; k++) {
    const v = ll[k]!;
    if (!(v <= 0) || v === -Infinity) throw inputError(metric, `"choiceLogliks"[${k}] is ${String(v)}, expected a finite log-likelihood <= 0`, { index: k, value: String(v) });
    const by = bytes[k]!;
    if (!Number.isInteger(by) || by < 1) throw inputError(metric, `"choiceBytes"[${k}] is ${by}, expected a positive integer`, { index: k, value: by });
  }
  return { n, labels, counts, ll, bytes };
}

function choiceAccuracy(name: string, normalise: boolean, description: string): Metric<ChoiceAccState, NoOptions> {
  return defineMetric<ChoiceAccState, NoOptions>({
    name,
    version: 1,
    higherIsBetter: true,
    inputs: ['labels', 'choiceLogliks'],
    description,
    optionsSchema: none as z.ZodType<NoOptions>,
    init: () => ({ correct: 0, total: 0 }),
    update(s, b) {
      const { n, labels, counts, ll, bytes } = checkChoices(name, b);
      const picked = pickChoices(ll, bytes, counts, normalise);
      for (let i = 0; i < n; i++) if (picked[i] === labels[i]) s.correct++;
      s.total += n;
      return s;
    },
    merge(a, b) {
      a.correct += b.correct;
      a.total += b.total;
      return a;
    },
    finalize(s) {
      if (s.total === 0) throw emptyError(name);
      return { value: s.correct / s.total, extras: { correct: s.correct, total: s.total } };
    },
  });
}

export const acc = choiceAccuracy('acc', false,
  'Multiple choice: fraction of rows whose highest-log-likelihood choice is the gold one (lm-evaluation-harness acc).');
export const accNorm = choiceAccuracy('acc_norm', true,
  'Multiple choice: fraction of rows whose highest log-likelihood per UTF-8 byte of the choice text is the gold one (lm-evaluation-harness acc_norm).');
