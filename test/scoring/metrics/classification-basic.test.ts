// Golden values for accuracy, precision / recall / F-beta (every average) and log loss.
// Source: scikit-learn 1.2.1 (Debian python3-sklearn), numpy 1.24.2; each value was printed with
// repr() from the call written next to it.
import { describe, expect, it } from 'vitest';
import { registry, MetricError } from '../../../scoring/index.ts';
import type { MetricBatch } from '../../../scoring/types.ts';
import { ExactAccumulator, exactCanonical } from '../../../scoring/exact-sum.ts';
import type { LogLossState } from '../../../scoring/metrics/log-loss.ts';

function run(name: string, batch: MetricBatch, options: Record<string, unknown> = {}, k = batch.numClasses) {
  const m = registry.get(name);
  const o = m.optionsSchema.parse(options);
  return m.finalize(m.update(m.init(o, { numClasses: k }), batch, o), o);
}

function cls(y: number[], p: number[], k: number): MetricBatch {
  return { n: y.length, numClasses: k, labels: Int32Array.from(y), predictedClasses: Int32Array.from(p) };
}

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(b)));

// preds [0,2,1,0,0,1] vs refs [0,1,2,0,1,2] (sklearn's precision_recall_fscore_support docstring example)
const REF = [0, 1, 2, 0, 1, 2];
const PRED = [0, 2, 1, 0, 0, 1];

describe('accuracy', () => {
  it('sklearn accuracy_score(REF, PRED) = 0.3333333333333333', () => {
    expect(run('accuracy', cls(REF, PRED, 3)).value).toBe(0.3333333333333333);
  });
  it('rejects unknown class ids and empty sets', () => {
    expect(() => run('accuracy', cls([0, 3], [0, 1], 3))).toThrow(/"labels"\[1\] is 3, expected a class id in \[0, 2\]/);
    expect(() => run('accuracy', cls([], [], 3))).toThrow(/no rows were scored/);
    expect(() => run('accuracy', { n: 2, labels: Int32Array.from([1]), predictedClasses: Int32Array.from([1, 1]) }, {}, 3)).toThrow(
      /"labels" must have 2 entries, found 1/,
    );
  });
});

describe('precision / recall / f1', () => {
  it('macro_f1 = 0.26666666666666666 with per-class F1 [0.8, 0, 0] (f1_score(REF, PRED, average=None))', () => {
    const r = run('macro_f1', cls(REF, PRED, 3));
    close(r.value, 0.26666666666666666);
    expect((r.extras!.perClass as { f: number[] }).f).toEqual([0.8, 0, 0]);
  });
  it('every average (precision_recall_fscore_support(REF, PRED, average=...))', () => {
    const want: Record<string, [number, number, number]> = {
      macro: [0.2222222222222222, 0.3333333333333333, 0.26666666666666666],
      micro: [0.3333333333333333, 0.3333333333333333, 0.3333333333333333],
      weighted: [0.2222222222222222, 0.3333333333333333, 0.26666666666666666],
    };
    for (const [average, [p, r, f]] of Object.entries(want)) {
      close(run('precision', cls(REF, PRED, 3), { average }).value, p);
      close(run('recall', cls(REF, PRED, 3), { average }).value, r);
      close(run('f1', cls(REF, PRED, 3), { average }).value, f);
    }
  });
  it('fbeta: fbeta_score(beta=2, macro) = 0.30303030303030304; (beta=0.5, weighted) = 0.23809523809523805', () => {
    close(run('fbeta', cls(REF, PRED, 3), { beta: 2, average: 'macro' }).value, 0.30303030303030304);
    close(run('fbeta', cls(REF, PRED, 3), { beta: 0.5, average: 'weighted' }).value, 0.23809523809523805);
  });
  it('binary: y=[0,1,1,0,1,1,0] p=[0,1,0,0,1,1,1] gives 0.75 (pos_label=1) and 0.6666666666666666 (pos_label=0)', () => {
    const b = cls([0, 1, 1, 0, 1, 1, 0], [0, 1, 0, 0, 1, 1, 1], 2);
    expect(run('f1', b, { average: 'binary' }).value).toBe(0.75);
    expect(run('precision', b, { average: 'binary', posLabel: 0 }).value).toBe(0.6666666666666666);
    expect(() => run('f1', cls(REF, PRED, 3), { average: 'binary' })).toThrow(/needs numClasses 2/);
  });
  it('labels "all" includes absent classes with zero_division (labels=[0,1,2,3])', () => {
    close(run('precision', cls(REF, PRED, 4), { labels: 'all' }).value, 0.16666666666666666);
    close(run('f1', cls(REF, PRED, 4), { labels: 'all' }).value, 0.2);
    close(run('precision', cls(REF, PRED, 4), { labels: 'all', zeroDivision: 1 }).value, 0.41666666666666663);
    close(run('recall', cls(REF, PRED, 4), { labels: 'all', zeroDivision: 1 }).value, 0.5);
    close(run('f1', cls(REF, PRED, 4), { labels: 'all', zeroDivision: 1 }).value, 0.45);
    // the default ('present') ignores the absent class 3, like sklearn's labels=None
    close(run('f1', cls(REF, PRED, 4)).value, 0.26666666666666666);
  });
});

describe('log_loss', () => {
  it('sklearn docstring: log_loss(["spam","ham","ham","spam"], [[.1,.9],[.9,.1],[.8,.2],[.35,.65]]) = 0.21616187468057912', () => {
    const b: MetricBatch = { n: 4, numClasses: 2, labels: Int32Array.from([1, 0, 0, 1]), probabilities: Float64Array.from([0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65]) };
    close(run('log_loss', b).value, 0.21616187468057912);
  });
  it('clips zeros to eps = 2^-52 and renormalises: log_loss(y, P, labels=[0,1,2]) = 14.635590179450649', () => {
    const P = [0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6, 1, 0, 0, 0, 1, 0];
    const b: MetricBatch = { n: 5, numClasses: 3, labels: Int32Array.from([0, 1, 2, 1, 0]), probabilities: Float64Array.from(P) };
    close(run('log_loss', b).value, 14.635590179450649);
    // Float32 input is widened to float64 first (same clipping), so the value is that of P.astype(float64).
    const b32 = { ...b, probabilities: Float32Array.from(P) };
    expect(Math.abs(run('log_loss', b32).value - 14.635590179450649)).toBeLessThan(1e-6);
  });
  it('rejects rows that do not sum to 1, negative or NaN probabilities, bad labels', () => {
    const mk = (P: number[], y = [0]): MetricBatch => ({ n: y.length, numClasses: 2, labels: Int32Array.from(y), probabilities: Float64Array.from(P) });
    expect(() => run('log_loss', mk([0.5, 0.6]))).toThrow(/sums to 1.1, expected 1 within 0.0001/);
    expect(() => run('log_loss', mk([-0.1, 1.1]))).toThrow(/expected a probability in \[0, 1\]/);
    expect(() => run('log_loss', mk([NaN, 1]))).toThrow(/is NaN/);
    expect(() => run('log_loss', mk([0.5, 0.5], [2]))).toThrow(/class id in \[0, 1\]/);
    try {
      run('log_loss', mk([0.5, 0.6]));
    } catch (e) {
      expect((e as MetricError).code).toBe('E_METRIC_INPUT');
    }
    // a looser tolerance accepts it (and renormalises, as sklearn does)
    close(run('log_loss', mk([0.5, 0.6]), { sumTolerance: 0.2 }).value, -Math.log(0.5 / 1.1));
  });
  it('rows that clip nothing and rows that clip give the bits of the plain clipped, renormalised row loop (float32 and float64)', () => {
    // The metric skips the clipping of rows whose values all lie in [eps, 1 - eps]; this pins that
    // shortcut to the definition: clip every value, sum in order, -ln(p[label] / sum), exact mean.
    const k = 4;
    const n = 3000;
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const P = new Float64Array(n * k);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: k }, () => rand());
      const kind = i % 6;
      if (kind === 1) row[i % k] = 0; // clipped up to eps
      if (kind === 2) row[i % k] = 1e-300;
      if (kind === 3) { row.fill(0); row[i % k] = 1; } // a one-hot row: 1 clipped down, zeros up
      if (kind === 4) row[i % k] = -0;
      const t = row.reduce((a, b) => a + b, 0);
      for (let j = 0; j < k; j++) P[i * k + j] = kind === 3 ? row[j]! : row[j]! / t;
      y[i] = Math.floor(rand() * k);
    }
    const eps = 2 ** -52;
    // Compared as exact sums (canonical partials): a mean would round away a one-ulp row difference.
    const reference = (Q: Float32Array | Float64Array): number[] => {
      const losses: number[] = [];
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < k; j++) sum += Math.min(Math.max(Q[i * k + j]!, eps), 1 - eps);
        losses.push(-Math.log(Math.min(Math.max(Q[i * k + y[i]!]!, eps), 1 - eps) / sum));
      }
      const acc = new ExactAccumulator();
      acc.addArray(losses);
      return exactCanonical(acc.toState());
    };
    const m = registry.get('log_loss');
    const o = m.optionsSchema.parse({});
    for (const Q of [P, Float32Array.from(P)]) {
      const state = m.update(m.init(o, { numClasses: k }), { n, numClasses: k, labels: y, probabilities: Q }, o) as LogLossState;
      expect(exactCanonical(state.sum)).toEqual(reference(Q));
    }
  });
});
