// A submission's metric states during a run, for every task kind: the configured metrics, fresh
// states per split, the exact merge of a chunk's states, the final values. Pure. Metric states
// merge exactly, so the result cannot depend on worker count, chunk size or completion order.
// How a chunk's outputs become states is the task kind's (src/tasks/*/).
import type { AnyMetric, MetricBatch, MetricContext } from '../../scoring/types.ts';
import { registry } from '../../scoring/index.ts';
import { ArbiterError } from '../errors.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { declaredEmptySplit, SPLITS, type SplitName } from '../data/split.ts';

interface ConfiguredMetric { key: string; metric: AnyMetric; options: unknown }

export interface FoldState {
  metrics: ConfiguredMetric[];
  /** the split a single-split benchmark leaves empty (split.publicFraction 0 or 1): it has no scores */
  emptySplit: SplitName | null;
  states: Record<SplitName, unknown[]>;
  rowsFolded: number;
}

export function configuredMetrics(b: Pick<LoadedBenchmark, 'spec'>): ConfiguredMetric[] {
  return b.spec.metrics.map((m) => {
    const metric = registry.get(m.name);
    return { key: m.key ?? m.name, metric, options: metric.optionsSchema.parse(m.options ?? {}) };
  });
}

export function metricsNeed(b: LoadedBenchmark, input: string): boolean {
  return configuredMetrics(b).some((m) => (m.metric.inputs as readonly string[]).includes(input));
}

/** What metrics are told at init: the class count of a classification or sequence-classification task. */
export function metricContext(b: Pick<LoadedBenchmark, 'spec'>): MetricContext {
  const t = b.spec.task;
  return 'numClasses' in t && typeof t.numClasses === 'number' ? { numClasses: t.numClasses } : {};
}

export function initFold(b: Pick<LoadedBenchmark, 'spec'>): FoldState {
  const metrics = configuredMetrics(b);
  const ctx = metricContext(b);
  const states = {} as Record<SplitName, unknown[]>;
  for (const s of SPLITS) states[s] = metrics.map((m) => m.metric.init(m.options, ctx));
  return { metrics, states, rowsFolded: 0, emptySplit: declaredEmptySplit(b.spec.split.publicFraction) };
}

/** Per split, per configured metric: the states of one chunk (what the journal stores). */
export type ChunkStates = Record<SplitName, unknown[]>;

/** Merge a chunk's states (computed here or read back from the journal) into the running states. */
export function mergeChunk(fold: FoldState, states: ChunkStates, rows: number): void {
  for (const split of SPLITS) {
    fold.metrics.forEach((m, i) => { fold.states[split][i] = m.metric.merge(fold.states[split][i], states[split][i], m.options); });
  }
  fold.rowsFolded += rows;
}

/** Final values per split: split -> metric key -> value (finite). */
export function finalizeFold(fold: FoldState): { scores: Record<SplitName, Record<string, number>>; extras: Record<SplitName, Record<string, unknown>> } {
  const scores = {} as Record<SplitName, Record<string, number>>;
  const extras = {} as Record<SplitName, Record<string, unknown>>;
  for (const split of SPLITS) {
    if (split === fold.emptySplit) continue;
    scores[split] = {};
    extras[split] = {};
    fold.metrics.forEach((m, i) => {
      const r = m.metric.finalize(fold.states[split][i], m.options);
      if (!Number.isFinite(r.value)) throw new ArbiterError('E_INTERNAL', `metric ${m.key} produced ${r.value}`);
      scores[split][m.key] = r.value;
      if (r.extras) extras[split][m.key] = r.extras;
    });
  }
  return { scores, extras };
}
