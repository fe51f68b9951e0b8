// The one public entry of the scoring core: the metric contract, the frozen default registry of
// every built-in metric, the registry factory, the error class and the exact-sum API.
import { builtinMetrics } from './metrics/index.ts';
import { createRegistry } from './registry.ts';

export type { Metric, AnyMetric, MetricBatch, MetricContext, MetricResult, MetricInputKind, LabelSummary } from './types.ts';
export { createRegistry, editDistance, suggestNames, type MetricRegistry } from './registry.ts';
export { MetricError, type MetricErrorCode } from './errors.ts';
export {
  ExactAccumulator,
  exactAdd,
  exactCanonical,
  exactMerge,
  exactSum,
  exactSumInit,
  exactValue,
  isExactSumState,
  type ExactSumState,
} from './exact-sum.ts';
export { parseMetricOptions, type ParsedOptions } from './define.ts';
export { validateState, isExactSumKey } from './validate-state.ts';
export { builtinMetrics } from './metrics/index.ts';
export { pickChoices } from './metrics/multiple-choice.ts';

/** The default registry: every built-in metric, frozen. */
export const registry = createRegistry(builtinMetrics);
