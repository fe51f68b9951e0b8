// The metric contract every metric in scoring/ implements. A metric folds batches into a
// mergeable state; merging states in any order and grouping gives bit-identical finals.
// scoring/ imports nothing from src/: it is the pure core the engine, shards and CI share.
import type { z } from 'zod';

/** What a metric reads from a batch. The engine fills only the fields the metrics ask for. */
export type MetricInputKind =
  | 'labels' // true class id per row (Int32Array)
  | 'predictedClasses' // predicted class id per row (Int32Array), argmax of scores, ties to the lowest index
  | 'probabilities' // n x numClasses row-major class probabilities (Float32Array | Float64Array)
  | 'targets' // regression targets (Float64Array)
  | 'predictions' // regression predictions (Float64Array)
  | 'tokenLosses' // language modelling: per-example NLL sums in nats, token counts and UTF-8 byte counts
  | 'texts' // generated text and reference texts
  | 'rankings' // retrieval: ranked doc ids and relevance judgements
  | 'choiceLogliks'; // multiple choice: log-likelihood and UTF-8 bytes of every choice, choice count per row (+ labels)

/**
 * One batch of aligned rows. `n` rows; every present array has n (or n x numClasses) entries.
 * The arrays are lent for the call only (the engine reuses them for the next batch): a metric
 * copies whatever it keeps in its state.
 */
export interface MetricBatch {
  n: number;
  numClasses?: number;
  labels?: Int32Array;
  predictedClasses?: Int32Array;
  probabilities?: Float32Array | Float64Array;
  targets?: Float64Array;
  predictions?: Float64Array;
  /** per example: summed NLL (nats) over its scored tokens, the number of scored tokens, the UTF-8 bytes of the scored text */
  nllSums?: Float64Array;
  tokenCounts?: Float64Array;
  byteCounts?: Float64Array;
  predictionTexts?: string[];
  referenceTexts?: string[][];
  /** per query: doc ids in ranked order, and relevance (grade) per judged doc id */
  rankedIds?: string[][];
  relevance?: Array<Record<string, number>>;
  /** multiple choice: per row, how many choices it has */
  choiceCounts?: Int32Array;
  /** multiple choice: log-likelihood (nats, <= 0) of every choice, rows' choices one after another (sum of choiceCounts entries) */
  choiceLogliks?: Float64Array;
  /** multiple choice: UTF-8 bytes of every choice's text, aligned with choiceLogliks (acc_norm divides by it) */
  choiceBytes?: Float64Array;
}

/** Static facts a metric may need at init, taken from the benchmark spec. */
export interface MetricContext {
  numClasses?: number;
}

/**
 * What the hidden labels of one split look like, for metrics whose value is undefined on some
 * label sets whatever a model predicts (roc_auc with a class absent, a correlation with constant
 * targets). Classification: rows per class; regression: whether every target is the same.
 */
export interface LabelSummary {
  rows: number;
  classCounts?: readonly number[];
  targetsConstant?: boolean;
}

export interface MetricResult {
  value: number; // finite, never NaN
  extras?: Record<string, unknown>; // e.g. per-class F1, the confusion matrix
}

/**
 * A metric. States are plain JSON data (numbers, strings, arrays, objects; no typed arrays,
 * no bigint, no NaN) so that they can be journaled, sent between shards and merged later;
 * JSON round-trips of doubles are exact. `update` and `merge` may reuse the state passed in
 * (the caller gives up ownership) and return the new state.
 */
export interface Metric<S = unknown, O = unknown> {
  readonly name: string;
  /** bumped on any change that can change a number this metric produces */
  readonly version: number;
  readonly higherIsBetter: boolean;
  readonly inputs: readonly MetricInputKind[];
  readonly description: string;
  readonly optionsSchema: z.ZodType<O>;
  init(options: O, ctx: MetricContext): S;
  update(state: S, batch: MetricBatch, options: O): S;
  merge(a: S, b: S, options: O): S;
  finalize(state: S, options: O): MetricResult;
  /**
   * Optional label-only precondition, checked on each split's hidden labels before any submission
   * runs: a reason the metric is undefined on these labels whatever the predictions, or null.
   */
  checkLabels?(labels: LabelSummary, options: O): string | null;
  /**
   * Invariants of a state beyond what validateState (scoring/validate-state.ts) checks for every
   * metric (shape of init's state, non-negative integer counts, consistent totals, exact sums):
   * a description of what is wrong, or null. States from another machine (shard parts) pass both.
   */
  validateState?(state: S, options: O, ctx: MetricContext): string | null;
  /**
   * The state keeps every row's values (merge concatenates them: ranks need all rows), so a state
   * that leaves its machine reveals the rows' predictions and labels. A federation refuses such a
   * metric unless its spec opts in (src/federated, docs/federated.md). Absent: the state holds
   * counts and exact sums only.
   */
  readonly stateRevealsRows?: boolean;
}

export type AnyMetric = Metric<any, any>;
