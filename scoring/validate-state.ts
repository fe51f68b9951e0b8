// Is a metric state one this metric could have produced? States travel between machines (shard
// parts) and a merge must refuse impossible ones (accuracy 470, a negative log loss) rather than
// rank on them. The checks hold for every registered metric because they follow from how states
// are built: the same shape as the metric's init state; counters (and fixed-length count
// arrays) are non-negative integers; exact sums are valid partials; totals agree (correct <=
// total, hits <= n, paired lists of one length, per-class counts add up to n, a confusion matrix adds up to n); sums of
// non-negative terms are non-negative; an empty state has empty sums. Then the metric's own
// validateState, if it has one. Pure.
import { exactValue, isExactSumState } from './exact-sum.ts';
import type { AnyMetric, MetricContext } from './types.ts';

/** Number fields that count rows, items or units: non-negative integers. */
const COUNTERS = new Set(['k', 'n', 'correct', 'total', 'hits', 'examples', 'tokens', 'bytes', 'rows', 'sysLen', 'refLen']);
/** Exact sums of non-negative terms (losses, squared errors, per-row scores, NLLs, residual squares). */
const NON_NEGATIVE_SUMS = new Set(['sum', 'nll', 'res', 'sxx', 'syy']);

/** Fields of a state (a growing list at init) that hold an exact sum's partials. */
const EXACT_SUM_KEYS = new Set([...NON_NEGATIVE_SUMS, 'sx', 'sy', 'sxy']);

/** Whether the state field `key` (an empty list in init's state) holds an exact sum (scoring/exact-sum.ts). */
export function isExactSumKey(key: string): boolean {
  return EXACT_SUM_KEYS.has(key);
}

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
const kindOf = (v: Json) => (Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
const isCount = (v: Json) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The shape check against init's state: a problem, or null. */
function shape(init: Json, state: Json, at: string, key: string): string | null {
  if (typeof init === 'number') {
    if (typeof state !== 'number' || !Number.isFinite(state)) return `${at}: expected a finite number, found ${JSON.stringify(state) ?? kindOf(state)}`;
    if (COUNTERS.has(key) && !isCount(state)) return `${at}: expected a count (non-negative integer), found ${state}`;
    if (state < 0) return `${at}: expected a non-negative number, found ${state}`;
    return null;
  }
  if (Array.isArray(init)) {
    if (!Array.isArray(state)) return `${at}: expected an array, found ${kindOf(state)}`;
    if (init.length === 0) {
      // a growing list: exact-sum partials, or per-row values (finite numbers), or nested lists
      if (EXACT_SUM_KEYS.has(key)) {
        if (!isExactSumState(state)) return `${at}: expected an exact sum (finite non-zero partials), found ${JSON.stringify(state).slice(0, 60)}`;
        if (NON_NEGATIVE_SUMS.has(key) && exactValue(state) < 0) return `${at}: expected a sum of non-negative terms (>= 0), found ${exactValue(state)}`;
        return null;
      }
      const bad = state.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
      return bad >= 0 ? `${at}[${bad}]: expected a finite number, found ${JSON.stringify(state[bad]) ?? kindOf(state[bad])}` : null;
    }
    if (state.length !== init.length) return `${at}: expected ${init.length} entries, found ${state.length}`;
    for (let i = 0; i < init.length; i++) {
      const sub = init[i];
      if (typeof sub === 'number') {
        if (!isCount(state[i])) return `${at}[${i}]: expected a count (non-negative integer), found ${JSON.stringify(state[i])}`;
      } else {
        const p = shape(sub, state[i], `${at}[${i}]`, key);
        if (p) return p;
      }
    }
    return null;
  }
  if (isObj(init)) {
    if (!isObj(state)) return `${at || 'state'}: expected an object, found ${kindOf(state)}`;
    const want = Object.keys(init).sort().join(',');
    const found = Object.keys(state).sort().join(',');
    if (want !== found) return `${at || 'state'}: expected the fields {${want}}, found {${found}}`;
    for (const k of Object.keys(init)) {
      const p = shape(init[k], state[k], at ? `${at}.${k}` : k, k);
      if (p) return p;
    }
    return null;
  }
  return JSON.stringify(init) === JSON.stringify(state) ? null : `${at}: expected ${JSON.stringify(init)}, found ${JSON.stringify(state)}`;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Totals that must agree, wherever a state has the fields. */
function totals(init: Record<string, Json>, s: Record<string, Json>): string | null {
  if ('k' in init && s.k !== init.k) return `k: expected ${String(init.k)} classes, found ${String(s.k)}`;
  if (typeof s.correct === 'number' && typeof s.total === 'number' && s.correct > s.total) return `expected correct <= total, found correct ${s.correct} > total ${s.total}`;
  if (typeof s.hits === 'number' && typeof s.n === 'number' && s.hits > s.n) return `expected hits <= n, found hits ${s.hits} > n ${s.n}`;
  const n = s.n;
  if (typeof n === 'number' && Array.isArray(s.tp) && Array.isArray(s.pred) && Array.isArray(s.true)) {
    const [tp, pred, tru] = [s.tp as number[], s.pred as number[], s.true as number[]];
    if (sum(tru) !== n) return `expected the per-class true counts to add up to n ${n}, found ${sum(tru)}`;
    if (sum(pred) !== n) return `expected the per-class predicted counts to add up to n ${n}, found ${sum(pred)}`;
    const bad = tp.findIndex((t, i) => t > Math.min(pred[i]!, tru[i]!));
    if (bad >= 0) return `expected tp[${bad}] <= min(pred, true), found tp ${tp[bad]}, pred ${pred[bad]}, true ${tru[bad]}`;
  }
  if (Array.isArray(s.x) && Array.isArray(s.y) && s.x.length !== s.y.length) return `expected as many x as y values (one pair per row), found ${s.x.length} and ${s.y.length}`;
  if (typeof n === 'number' && Array.isArray(s.cm) && sum(s.cm as number[]) !== n) return `expected the confusion matrix to add up to n ${n}, found ${sum(s.cm as number[])}`;
  // nothing folded yet, nothing summed
  const count = typeof s.n === 'number' ? s.n : typeof s.examples === 'number' ? s.examples : typeof s.rows === 'number' ? s.rows : null;
  if (count === 0) {
    for (const k of NON_NEGATIVE_SUMS) if (Array.isArray(s[k]) && (s[k] as unknown[]).length > 0) return `expected an empty ${k} for a state of 0 rows, found ${JSON.stringify(s[k]).slice(0, 40)}`;
  }
  return null;
}

/**
 * Why `state` cannot be a state of `metric` under `options` and `ctx`, or null when it can be.
 * Never throws on malformed input (a metric whose init itself throws for `ctx` reports that).
 */
export function validateState(metric: AnyMetric, state: unknown, options: unknown, ctx: MetricContext): string | null {
  let init: unknown;
  try {
    init = metric.init(options, ctx);
  } catch (err) {
    return `cannot build an initial ${metric.name} state to compare with: ${(err as Error).message}`;
  }
  const p = shape(init, state, '', '');
  if (p) return p;
  if (isObj(init) && isObj(state)) {
    const t = totals(init, state);
    if (t) return t;
  }
  try {
    return metric.validateState?.(state, options, ctx) ?? null;
  } catch (err) {
    return (err as Error).message;
  }
}
