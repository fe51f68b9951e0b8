// Regression metrics that need moments or ranks: r2 (sklearn r2_score 1.2.1, force_finite),
// mape (sklearn mean_absolute_percentage_error: a fraction, not percent), pearson
// (scipy.stats.pearsonr) and spearman (scipy.stats.spearmanr, average ranks for ties).
//
// Moments are kept as exact sums of exact products (TwoProduct), and centred moments are formed
// as n*sum(xy) - sum(x)*sum(y) evaluated exactly and rounded once, so the result is independent
// of order and grouping and free of the cancellation of the naive one-pass formula.
import { z } from 'zod';
import { defineMetric, scratchF64, sharedAcc } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkFinite, checkLength, checkRows, emptyError, field } from '../input.ts';
import { ExactAccumulator, exactMoment, twoProduct, type ExactSumState } from '../exact-sum.ts';
import type { LabelSummary, MetricBatch } from '../types.ts';
import { sortDoubles } from '../sort.ts';

function pairs(metric: string, batch: MetricBatch): { n: number; t: Float64Array; p: Float64Array } {
  const n = checkRows(metric, batch);
  const t = field(metric, batch, 'targets');
  const p = field(metric, batch, 'predictions');
  checkLength(metric, 'targets', t.length, n);
  checkLength(metric, 'predictions', p.length, n);
  checkFinite(metric, 'targets', t, n);
  checkFinite(metric, 'predictions', p, n);
  return { n, t, p };
}

const TP = new Float64Array(1);

/** state + sum_i a_i * b_i, exactly (each product expanded into value and error). */
function addProducts(state: ExactSumState, a: ArrayLike<number>, b: ArrayLike<number>, n: number): ExactSumState {
  const buf = scratchF64(2 * n);
  for (let i = 0; i < n; i++) {
    buf[2 * i] = twoProduct(a[i], b[i], TP);
    buf[2 * i + 1] = TP[0];
  }
  sharedAcc.load(state);
  sharedAcc.addArray(buf, 0, 2 * n);
  return sharedAcc.toState();
}

function addValues(state: ExactSumState, a: ArrayLike<number>, n: number): ExactSumState {
  sharedAcc.load(state);
  sharedAcc.addArray(a, 0, n);
  return sharedAcc.toState();
}

function mergeSums(a: ExactSumState, b: ExactSumState): ExactSumState {
  sharedAcc.load(a);
  sharedAcc.addState(b);
  return sharedAcc.toState();
}

function valueOf(s: ExactSumState): number {
  return new ExactAccumulator(s).value();
}

// ---------------------------------------------------------------------------------------------
export interface R2State {
  n: number;
  sy: ExactSumState;
  syy: ExactSumState;
  res: ExactSumState;
}
const none = z.object({}).strict();

export const r2 = defineMetric<R2State, Record<string, never>>({
  name: 'r2',
  version: 1,
  higherIsBetter: true,
  inputs: ['targets', 'predictions'],
  description: 'Coefficient of determination 1 - SS_res / SS_tot (1 for a perfect fit of constant targets, else 0 when SS_tot = 0).',
  optionsSchema: none as z.ZodType<Record<string, never>>,
  init: () => ({ n: 0, sy: [], syy: [], res: [] }),
  update(s, b) {
    const { n, t, p } = pairs('r2', b);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const e = t[i] - p[i];
      d[i] = e * e; // sklearn's per-row term (y - p) ** 2, rounded as numpy rounds it
    }
    s.res = addValues(s.res, d, n);
    s.sy = addValues(s.sy, t, n);
    s.syy = addProducts(s.syy, t, t, n);
    s.n += n;
    return s;
  },
  merge(a, b) {
    a.sy = mergeSums(a.sy, b.sy);
    a.syy = mergeSums(a.syy, b.syy);
    a.res = mergeSums(a.res, b.res);
    a.n += b.n;
    return a;
  },
  finalize(s) {
    if (s.n === 0) throw emptyError('r2');
    const ssRes = valueOf(s.res);
    const nSyy = exactMoment(s.n, s.syy, s.sy, s.sy); // n * SS_tot, exactly rounded
    if (!Number.isFinite(nSyy)) throw inputError('r2', 'targets too large for exact moments (|y| must stay below ~1e150)');
    if (nSyy === 0) return { value: ssRes === 0 ? 1 : 0, extras: { ssRes, ssTot: 0 } };
    const ssTot = nSyy / s.n;
    return { value: 1 - ssRes / ssTot, extras: { ssRes, ssTot } };
  },
});

// ---------------------------------------------------------------------------------------------
export interface SumState {
  n: number;
  sum: ExactSumState;
}
const MAPE_EPS = 2 ** -52; // numpy float64 eps, as sklearn

export const mape = defineMetric<SumState, Record<string, never>>({
  name: 'mape',
  version: 1,
  higherIsBetter: false,
  inputs: ['targets', 'predictions'],
  description: 'Mean absolute percentage error as a fraction: mean(|y - p| / max(|y|, 2^-52)), as sklearn.',
  optionsSchema: none as z.ZodType<Record<string, never>>,
  init: () => ({ n: 0, sum: [] }),
  update(s, b) {
    const { n, t, p } = pairs('mape', b);
    const buf = scratchF64(n);
    for (let i = 0; i < n; i++) buf[i] = Math.abs(p[i] - t[i]) / Math.max(Math.abs(t[i]), MAPE_EPS);
    s.sum = addValues(s.sum, buf, n);
    s.n += n;
    return s;
  },
  merge(a, b) {
    a.sum = mergeSums(a.sum, b.sum);
    a.n += b.n;
    return a;
  },
  finalize(s) {
    if (s.n === 0) throw emptyError('mape');
    return { value: valueOf(s.sum) / s.n };
  },
});

// ---------------------------------------------------------------------------------------------
const corrOptions = z
  .object({
    /** zero variance in targets or predictions: 'error' (E_METRIC_INPUT) or score it 0 (no correlation) */
    degenerate: z.enum(['error', 'zero']).default('error'),
  })
  .strict();
type CorrOptions = z.infer<typeof corrOptions>;

export interface PearsonState {
  n: number;
  sx: ExactSumState;
  sy: ExactSumState;
  sxx: ExactSumState;
  syy: ExactSumState;
  sxy: ExactSumState;
}

/** r from exact raw moments (x: predictions, y: targets). */
function correlation(metric: string, n: number, s: Omit<PearsonState, 'n'>, o: CorrOptions): { value: number } {
  const nSxy = exactMoment(n, s.sxy, s.sx, s.sy);
  const nSxx = exactMoment(n, s.sxx, s.sx, s.sx);
  const nSyy = exactMoment(n, s.syy, s.sy, s.sy);
  if (!Number.isFinite(nSxy) || !Number.isFinite(nSxx) || !Number.isFinite(nSyy)) {
    throw inputError(metric, 'values too large for exact moments (|x| must stay below ~1e150)');
  }
  if (nSxx === 0 || nSyy === 0) {
    if (o.degenerate === 'zero') return { value: 0 };
    const which = nSxx === 0 ? 'predictions' : 'targets';
    throw inputError(metric, `the correlation is undefined: the ${which} are constant (zero variance)`);
  }
  const r = nSxy / (Math.sqrt(nSxx) * Math.sqrt(nSyy));
  return { value: Math.max(-1, Math.min(1, r)) };
}

/** Label precondition of the correlations: constant targets make them undefined (unless degenerate: 'zero'). */
function constantTargets(metric: string, labels: LabelSummary, o: CorrOptions): string | null {
  return labels.targetsConstant === true && o.degenerate === 'error'
    ? `${metric} is undefined: every target has the same value (zero variance); set the option degenerate: zero to score such a split 0`
    : null;
}

export const pearson = defineMetric<PearsonState, CorrOptions>({
  name: 'pearson',
  version: 1,
  higherIsBetter: true,
  inputs: ['targets', 'predictions'],
  checkLabels: (labels, o) => constantTargets('pearson', labels, o),
  description: 'Pearson correlation between predictions and targets.',
  optionsSchema: corrOptions,
  init: () => ({ n: 0, sx: [], sy: [], sxx: [], syy: [], sxy: [] }),
  update(s, b) {
    const { n, t, p } = pairs('pearson', b);
    s.sx = addValues(s.sx, p, n);
    s.sy = addValues(s.sy, t, n);
    s.sxx = addProducts(s.sxx, p, p, n);
    s.syy = addProducts(s.syy, t, t, n);
    s.sxy = addProducts(s.sxy, p, t, n);
    s.n += n;
    return s;
  },
  merge(a, b) {
    a.sx = mergeSums(a.sx, b.sx);
    a.sy = mergeSums(a.sy, b.sy);
    a.sxx = mergeSums(a.sxx, b.sxx);
    a.syy = mergeSums(a.syy, b.syy);
    a.sxy = mergeSums(a.sxy, b.sxy);
    a.n += b.n;
    return a;
  },
  finalize(s, o) {
    if (s.n === 0) throw emptyError('pearson');
    return correlation('pearson', s.n, s, o);
  },
});

// ---------------------------------------------------------------------------------------------
export interface SpearmanState {
  /** every (prediction, target) pair; merge concatenates, finalize ranks, so order never matters */
  x: number[];
  y: number[];
}

/**
 * Average ranks (1-based) as scipy.stats.rankdata: ties share the mean of their positions. The
 * values are radix-sorted once; each value's rank comes from the first and last position of its
 * value in the sorted copy (binary search), so no comparator and no tie-breaking is involved.
 */
export function averageRanks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const sorted = sortDoubles(Float64Array.from(v));
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = v[i];
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    let up = lo;
    let top = n;
    while (up < top) {
      const mid = (up + top) >>> 1;
      if (sorted[mid] <= x) up = mid + 1;
      else top = mid;
    }
    r[i] = (lo + 1 + up) / 2;
  }
  return r;
}

export const spearman = defineMetric<SpearmanState, CorrOptions>({
  name: 'spearman',
  version: 1,
  higherIsBetter: true,
  inputs: ['targets', 'predictions'],
  checkLabels: (labels, o) => constantTargets('spearman', labels, o),
  description: 'Spearman rank correlation (Pearson on average ranks) between predictions and targets.',
  optionsSchema: corrOptions,
  // every (prediction, target) pair: the state is the rows
  stateRevealsRows: true,
  init: () => ({ x: [], y: [] }),
  update(s, b) {
    const { n, t, p } = pairs('spearman', b);
    for (let i = 0; i < n; i++) {
      s.x.push(p[i]);
      s.y.push(t[i]);
    }
    return s;
  },
  merge(a, b) {
    for (const v of b.x) a.x.push(v);
    for (const v of b.y) a.y.push(v);
    return a;
  },
  finalize(s, o) {
    const n = s.x.length;
    if (n === 0) throw emptyError('spearman');
    const rx = averageRanks(s.x);
    const ry = averageRanks(s.y);
    const m = {
      sx: addValues([], rx, n),
      sy: addValues([], ry, n),
      sxx: addProducts([], rx, rx, n),
      syy: addProducts([], ry, ry, n),
      sxy: addProducts([], rx, ry, n),
    };
    return correlation('spearman', n, m, o);
  },
});
