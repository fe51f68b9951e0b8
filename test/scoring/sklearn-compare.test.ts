// Compares every sklearn / scipy-backed metric against scikit-learn 1.2.1 and scipy 1.10.1 on
// seeded random data (with and without ties), via test/scoring/oracle/sklearn_oracle.py.
// Skips with a notice when python3 with scikit-learn and scipy is not installed
// (apt-get install python3-sklearn python3-scipy).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { registry } from '../../scoring/index.ts';
import type { MetricBatch } from '../../scoring/types.ts';
import { mulberry32, sliceBatch } from './helpers.ts';

const ORACLE = fileURLToPath(new URL('./oracle/sklearn_oracle.py', import.meta.url));
const PY_ENV = { ...process.env, PYENV_VERSION: 'system' };
const probe = spawnSync('python3', ['-c', 'import sklearn, scipy; print(sklearn.__version__)'], { env: PY_ENV, encoding: 'utf8' });
const hasPython = probe.status === 0;
if (!hasPython) console.warn('[scoring] skipping the scikit-learn comparison: python3 with sklearn and scipy is not installed');

interface ClsData {
  k: number;
  labels: number[];
  predicted: number[];
  probabilities: number[];
}

function classification(n: number, k: number, rand: () => number, grid: boolean): ClsData {
  const labels: number[] = [];
  const predicted: number[] = [];
  const probabilities: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i < k ? i : Math.floor(rand() * k);
    labels.push(y);
    let row: number[];
    if (grid) {
      // multiples of 1/20: many exact ties across rows and within rows
      const units = Array.from({ length: k }, (_, j) => 1 + Math.floor(rand() * 6) + (j === y ? Math.floor(rand() * 8) : 0));
      const total = units.reduce((a, b) => a + b, 0);
      row = units.map((u) => u / total);
    } else {
      const z = Array.from({ length: k }, (_, j) => Math.exp(2 * rand() + (j === y ? 1.5 * rand() : 0)));
      const s = z.reduce((a, b) => a + b, 0);
      row = z.map((v) => v / s);
    }
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    predicted.push(best);
    probabilities.push(...row);
  }
  return { k, labels, predicted, probabilities };
}

function clsBatch(d: ClsData): MetricBatch {
  return { n: d.labels.length, numClasses: d.k, labels: Int32Array.from(d.labels), predictedClasses: Int32Array.from(d.predicted), probabilities: Float64Array.from(d.probabilities) };
}

function score(name: string, b: MetricBatch, options: Record<string, unknown> = {}, k = b.numClasses): number {
  const m = registry.get(name);
  const o = m.optionsSchema.parse(options);
  // two uneven parts, the second fed in two batches, then merged: the engine's paths
  const cut = Math.floor(b.n / 3);
  const a = m.update(m.init(o, { numClasses: k }), sliceBatch(b, 0, cut), o);
  let c = m.update(m.init(o, { numClasses: k }), sliceBatch(b, cut, cut + 7), o);
  c = m.update(c, sliceBatch(b, cut + 7, b.n), o);
  return m.finalize(m.merge(c, a, o), o).value;
}

describe.skipIf(!hasPython)('agreement with scikit-learn 1.2.1 / scipy on random data', () => {
  const rand = mulberry32(2024);
  const data = {
    classification: {
      bin: classification(1500, 2, rand, false),
      binGrid: classification(1500, 2, rand, true),
      multi: classification(2000, 4, rand, false),
      multiGrid: classification(2000, 5, rand, true),
    } as Record<string, ClsData>,
    regression: {} as Record<string, { targets: number[]; predictions: number[] }>,
    ranking: { grades: [] as number[][], scores: [] as number[][] },
  };
  for (const [name, ties] of [
    ['smooth', false],
    ['ties', true],
  ] as const) {
    const t: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < 1500; i++) {
      let y = 50 + 20 * (rand() - 0.5) + (i % 13);
      let q = y + 6 * (rand() - 0.5);
      if (ties) {
        y = Math.round(y);
        q = Math.round(q / 2) * 2;
      }
      t.push(y);
      p.push(q);
    }
    data.regression[name] = { targets: t, predictions: p };
  }
  for (let qn = 0; qn < 200; qn++) {
    data.ranking.grades.push(Array.from({ length: 10 }, () => (rand() < 0.4 ? Math.floor(rand() * 4) : 0)));
    data.ranking.scores.push(Array.from({ length: 10 }, (_, j) => 10 - j)); // already ranked
  }
  const res = spawnSync('python3', [ORACLE], { env: PY_ENV, input: JSON.stringify(data), encoding: 'utf8', maxBuffer: 1 << 26 });
  const want = res.status === 0 ? (JSON.parse(res.stdout) as Record<string, Record<string, number | null>>) : {};
  const close = (got: number, exp: number | null | undefined, rel = 1e-12) => {
    expect(exp).not.toBeNull();
    expect(Math.abs(got - (exp as number))).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(exp as number)));
  };

  it('the oracle ran', () => {
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  for (const name of ['bin', 'binGrid', 'multi', 'multiGrid']) {
    it(`classification: ${name}`, () => {
      const d = data.classification[name];
      const w = want[name];
      const b = clsBatch(d);
      close(score('accuracy', b), w.accuracy);
      close(score('balanced_accuracy', b), w.balanced_accuracy);
      for (const avg of ['macro', 'micro', 'weighted']) {
        close(score('precision', b, { average: avg }), w[`precision_${avg}`]);
        close(score('recall', b, { average: avg }), w[`recall_${avg}`]);
        close(score('f1', b, { average: avg }), w[`f1_${avg}`]);
      }
      close(score('macro_f1', b), w.f1_macro);
      close(score('fbeta', b, { beta: 2 }), w.fbeta2_macro);
      close(score('mcc', b), w.mcc);
      close(score('cohen_kappa', b), w.kappa_None);
      close(score('cohen_kappa', b, { weights: 'linear' }), w.kappa_linear);
      close(score('cohen_kappa', b, { weights: 'quadratic' }), w.kappa_quadratic);
      close(score('log_loss', b), w.log_loss);
      close(score('roc_auc', b), w.roc_auc);
      close(score('average_precision', b), w.average_precision);
      if (d.k === 2) close(score('brier', b), w.brier);
      else {
        close(score('top_k_accuracy', b, { k: 2 }), w.top_k_2);
        close(score('roc_auc', b, { average: 'weighted' }), w.roc_auc_weighted);
      }
    });
  }

  for (const name of ['smooth', 'ties']) {
    it(`regression: ${name}`, () => {
      const d = data.regression[name];
      const w = want[name];
      const b: MetricBatch = { n: d.targets.length, targets: Float64Array.from(d.targets), predictions: Float64Array.from(d.predictions) };
      for (const m of ['mse', 'rmse', 'mae', 'r2', 'mape', 'pearson', 'spearman']) close(score(m, b), w[m], 1e-11);
    });
  }

  it('ranking: ndcg_at_k equals sklearn ndcg_score', () => {
    const ids = Array.from({ length: 10 }, (_, j) => `d${j}`);
    const b: MetricBatch = {
      n: data.ranking.grades.length,
      rankedIds: data.ranking.grades.map(() => ids),
      relevance: data.ranking.grades.map((g) => Object.fromEntries(g.map((v, j) => [`d${j}`, v]))),
    };
    // sklearn scores a query with no relevant doc as 0 (its IDCG is 0)
    close(score('ndcg_at_k', b, { k: 5, noRelevant: 'zero' }), want.ranking.ndcg_5);
    close(score('ndcg_at_k', b, { k: 10, noRelevant: 'zero' }), want.ranking.ndcg_all);
  });
});
