// acc and acc_norm (lm-evaluation-harness multiple_choice): hand-checkable golden cases.
// Harness: acc = argmax(lls) == gold; acc_norm = argmax(lls / completion_len) == gold, ties to the
// first index (numpy argmax). Here completion_len is the UTF-8 byte length of the choice text.
import { describe, expect, it } from 'vitest';
import type { MetricBatch } from '../../../scoring/types.ts';
import { pickChoices } from '../../../scoring/index.ts';
import { run } from './run.ts';

const mc = (labels: number[], counts: number[], ll: number[], bytes: number[]): MetricBatch => ({
  n: labels.length, labels: Int32Array.from(labels), choiceCounts: Int32Array.from(counts),
  choiceLogliks: Float64Array.from(ll), choiceBytes: Float64Array.from(bytes),
});

// row 0: ll [-2, -3] bytes [1, 6]   -> acc picks 0, acc_norm picks 1 (-0.5 > -2); gold 1
// row 1: ll [-4, -1, -9] bytes [4, 1, 3] -> acc picks 1, acc_norm [-1, -1, -3] ties -> 0; gold 1
// row 2: ll [-1, -1] bytes [2, 2] -> both tie -> 0; gold 0
const B = mc([1, 1, 0], [2, 3, 2], [-2, -3, -4, -1, -9, -1, -1], [1, 6, 4, 1, 3, 2, 2]);

describe('multiple choice: acc / acc_norm', () => {
  it('picks by total log-likelihood and by log-likelihood per byte, ties to the lowest index', () => {
    expect([...pickChoices(B.choiceLogliks!, B.choiceBytes!, B.choiceCounts!, false)]).toEqual([0, 1, 0]);
    expect([...pickChoices(B.choiceLogliks!, B.choiceBytes!, B.choiceCounts!, true)]).toEqual([1, 0, 0]);
    expect(run('acc', B).value).toBe(2 / 3);
    expect(run('acc_norm', B).value).toBe(2 / 3);
    expect(run('acc', B).extras).toEqual({ correct: 2, total: 3 });
  });
  it('errors: a label outside its row\'s choices, misaligned arrays, a positive log-likelihood, a 0-byte choice', () => {
    expect(() => run('acc', mc([2], [2], [-1, -2], [1, 1]))).toThrow(/"labels"\[0\] is 2, expected a choice index in \[0, 2\)/);
    expect(() => run('acc', mc([0], [2], [-1], [1]))).toThrow(/choiceLogliks/);
    expect(() => run('acc_norm', mc([0], [2], [-1, 0.5], [1, 1]))).toThrow(/"choiceLogliks"\[1\] is 0.5/);
    expect(() => run('acc_norm', mc([0], [2], [-1, -1], [1, 0]))).toThrow(/"choiceBytes"\[1\] is 0/);
    expect(() => run('acc', { n: 1, labels: Int32Array.from([0]) })).toThrow(/no "choiceCounts"/);
  });
});
