// Golden values for balanced accuracy, MCC, Cohen's kappa, the confusion matrix, top-k accuracy,
// Brier, ROC-AUC and average precision. Source: scikit-learn 1.2.1 (Debian python3-sklearn),
// each value printed with repr() from the call named in the test title.
import { describe, expect, it } from 'vitest';
import { close, cls, probs, run } from './run.ts';

const Y = [0, 1, 2, 0, 1, 2, 2, 1, 0, 0];
const P = [0, 2, 1, 0, 0, 1, 2, 1, 0, 2];

describe('counting metrics (y=Y, p=P, 3 classes)', () => {
  it('balanced_accuracy_score = 0.47222222222222215, adjusted=True 0.20833333333333323', () => {
    close(run('balanced_accuracy', cls(Y, P, 3)).value, 0.47222222222222215);
    close(run('balanced_accuracy', cls(Y, P, 3), { adjusted: true }).value, 0.20833333333333323);
  });
  it('matthews_corrcoef = 0.24242424242424243; constant predictions give 0.0', () => {
    close(run('mcc', cls(Y, P, 3)).value, 0.24242424242424243);
    expect(run('mcc', cls([0, 1, 0, 1], [1, 1, 1, 1], 2)).value).toBe(0);
  });
  it('cohen_kappa_score: none 0.24242424242424243, linear 0.33333333333333337, quadratic 0.42028985507246375', () => {
    close(run('cohen_kappa', cls(Y, P, 3)).value, 0.24242424242424243);
    close(run('cohen_kappa', cls(Y, P, 3), { weights: 'linear' }).value, 0.33333333333333337);
    close(run('cohen_kappa', cls(Y, P, 3), { weights: 'quadratic' }).value, 0.42028985507246375);
    expect(() => run('cohen_kappa', cls([1, 1], [1, 1], 3))).toThrow(/kappa is undefined/);
  });
  it('confusion_matrix = [[3,0,1],[1,1,1],[0,2,1]]', () => {
    const r = run('confusion_matrix', cls(Y, P, 3));
    expect(r.extras!.confusionMatrix).toEqual([
      [3, 0, 1],
      [1, 1, 1],
      [0, 2, 1],
    ]);
    expect(r.value).toBe(0.5);
  });
});

const PM = [
  [0.5, 0.3, 0.2],
  [0.2, 0.5, 0.3],
  [0.1, 0.2, 0.7],
  [0.3, 0.3, 0.4],
  [0.4, 0.4, 0.2],
  [0.25, 0.25, 0.5],
];
const YT = [0, 1, 2, 2, 1, 0];

describe('probability metrics', () => {
  it('top_k_accuracy_score(YT, PM, k=1) = k=2 = 0.8333333333333334 (ties: row 4 has 0.4/0.4, label 1 wins)', () => {
    expect(run('top_k_accuracy', probs(YT, PM), { k: 1 }).value).toBe(0.8333333333333334);
    expect(run('top_k_accuracy', probs(YT, PM), { k: 2 }).value).toBe(0.8333333333333334);
    expect(run('top_k_accuracy', probs(YT, PM), { k: 3 }).value).toBe(1);
  });
  it('brier: brier_score_loss(yb, sb) = 0.15031250000000002; 3 classes mean sum of squares = 0.4791666666666667', () => {
    const yb = [0, 0, 1, 1, 0, 1, 1, 0];
    const sb = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2];
    close(run('brier', probs(yb, sb.map((s) => [1 - s, s]))).value, 0.15031250000000002);
    close(run('brier', probs(YT, PM)).value, 0.4791666666666667);
  });
  it('roc_auc_score: docstring-style [0,0,1,1] vs [0.1,0.4,0.35,0.8] = 0.75; with ties 0.8125; ovr macro and weighted 0.875', () => {
    const b2 = (y: number[], s: number[]) => probs(y, s.map((v) => [1 - v, v]));
    expect(run('roc_auc', b2([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).value).toBe(0.75);
    expect(run('roc_auc', b2([0, 0, 1, 1, 0, 1, 1, 0], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2])).value).toBe(0.8125);
    close(run('roc_auc', probs(YT, PM)).value, 0.875);
    close(run('roc_auc', probs(YT, PM), { average: 'weighted' }).value, 0.875);
  });
  it('average_precision_score: 0.8333333333333333; with ties 0.8166666666666667; label_binarize macro 0.861111111111111', () => {
    const b2 = (y: number[], s: number[]) => probs(y, s.map((v) => [1 - v, v]));
    close(run('average_precision', b2([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).value, 0.8333333333333333);
    close(run('average_precision', b2([0, 0, 1, 1, 0, 1, 1, 0], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2])).value, 0.8166666666666667);
    close(run('average_precision', probs(YT, PM)).value, 0.861111111111111);
  });
  it('one class only: ROC-AUC and AP are E_METRIC_INPUT errors (sklearn raises too)', () => {
    const b = probs([1, 1], [
      [0.2, 0.8],
      [0.6, 0.4],
    ]);
    expect(() => run('roc_auc', b)).toThrow(/class 1 has 2 positive and 0 negative rows/);
    expect(() => run('average_precision', b)).toThrow(/undefined/);
  });
  it('probabilities must be rows that sum to 1', () => {
    expect(() => run('roc_auc', probs([0, 1], [[0.5, 0.6], [0.5, 0.5]]))).toThrow(/sums to 1.1/);
    expect(() => run('brier', probs([0, 1], [[NaN, 1], [0.5, 0.5]]))).toThrow(/is NaN/);
  });
});
