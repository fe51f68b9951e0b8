// Metric states as they leave a party and come back together: keyed by metric key, the private
// split only (a federated view puts every row there), exact sums in their canonical form (so a
// state reveals its totals and nothing of the terms or their order), checked against what the
// metric could have produced, and merged with the metrics' own merge functions. Pure.
import { exactCanonical, isExactSumKey, isExactSumState, validateState } from '../../scoring/index.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { configuredMetrics, initFold, metricContext, mergeChunk, type ChunkStates, type FoldState } from '../fold/fold.ts';

export type KeyedStates = Record<string, unknown>;

/** A state with every exact-sum field in canonical form (a copy; other fields as they are). */
export function canonicalState(state: unknown): unknown {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return state;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state as Record<string, unknown>)) {
    out[k] = isExactSumKey(k) && Array.isArray(v) && isExactSumState(v) ? exactCanonical(v) : v;
  }
  return out;
}

/** A fold's private-split states, keyed by metric key, in canonical form: what a partial carries. */
export function shareableStates(b: LoadedBenchmark, fold: FoldState): KeyedStates {
  const out: KeyedStates = {};
  configuredMetrics(b).forEach((m, i) => { out[m.key] = canonicalState(fold.states.private[i]); });
  return out;
}

/** Why these keyed states cannot be the view's metrics' states, or null. */
export function statesProblem(b: LoadedBenchmark, states: KeyedStates): string | null {
  const ctx = metricContext(b);
  const metrics = configuredMetrics(b);
  const want = metrics.map((m) => m.key).sort().join(',');
  const found = Object.keys(states).sort().join(',');
  if (want !== found) return `expected states for the metrics {${want}}, found {${found}}`;
  for (const m of metrics) {
    const p = validateState(m.metric, states[m.key], m.options, ctx);
    if (p) return `metric ${m.key}: ${p}`;
  }
  return null;
}

/** Keyed private-split states as the fold's chunk (fresh public states: no public rows). */
function asChunk(b: LoadedBenchmark, states: KeyedStates): ChunkStates {
  const metrics = configuredMetrics(b);
  const ctx = metricContext(b);
  // structuredClone: a merge may reuse the states it is given, and the caller keeps its partials
  return {
    public: metrics.map((m) => m.metric.init(m.options, ctx)),
    private: metrics.map((m) => structuredClone(states[m.key])),
  };
}

/** A fresh fold with these parties' states merged in (the order cannot change a bit: exact merges). */
export function mergeStates(b: LoadedBenchmark, parts: ReadonlyArray<{ states: KeyedStates; rows: number }>): FoldState {
  const fold = initFold(b);
  for (const p of parts) mergeChunk(fold, asChunk(b, p.states), p.rows);
  return fold;
}
