// Label-only preconditions of a benchmark's metrics, checked on the hidden labels of each split
// while the dataset is prepared: a metric that is undefined on a split's labels whatever a model
// predicts (roc_auc with a class absent from the private split, pearson on constant targets) would
// otherwise fail every submission with E_METRIC_INPUT, so the benchmark is refused instead.
// Messages name the split, the metric and class counts; never a row.
import { ArbiterError } from '../errors.ts';
import { registry, type LabelSummary } from '../../scoring/index.ts';
import type { BenchmarkSpecData } from '../benchmark/schema.ts';
import { declaredEmptySplit, PUBLIC, SPLITS, type SplitName } from './split.ts';

/** Streams (split, label) pairs into a per-split LabelSummary. */
export class LabelTally {
  readonly #counts: Record<SplitName, number[]> = { public: [], private: [] };
  readonly #rows: Record<SplitName, number> = { public: 0, private: 0 };
  readonly #first: Record<SplitName, number | undefined> = { public: undefined, private: undefined };
  readonly #constant: Record<SplitName, boolean> = { public: true, private: true };

  constructor(private readonly kind: 'classes' | 'targets', numClasses = 0) {
    if (kind === 'classes') for (const s of SPLITS) this.#counts[s] = new Array<number>(numClasses).fill(0);
  }

  /** `mask` is PUBLIC (1) or PRIVATE (0); a class label must already be checked to lie in range. */
  add(mask: number, value: number): void {
    const s: SplitName = mask === PUBLIC ? 'public' : 'private';
    this.#rows[s]++;
    if (this.kind === 'classes') this.#counts[s][value]!++;
    else if (this.#first[s] === undefined) this.#first[s] = value;
    else if (this.#first[s] !== value) this.#constant[s] = false;
  }

  summary(split: SplitName): LabelSummary {
    return this.kind === 'classes'
      ? { rows: this.#rows[split], classCounts: this.#counts[split] }
      : { rows: this.#rows[split], targetsConstant: this.#constant[split] };
  }
}

/** Throw E_DATASET_INVALID naming split and metric when a metric's label precondition fails. */
export function assertLabelPreconditions(spec: BenchmarkSpecData, tally: LabelTally, file: string): void {
  for (const split of SPLITS) {
    // a single-split benchmark (publicFraction 0 or 1) scores nothing on its empty split
    if (split === declaredEmptySplit(spec.split.publicFraction)) continue;
    const summary = tally.summary(split);
    spec.metrics.forEach((m, i) => {
      const metric = registry.get(m.name);
      if (!metric.checkLabels) return;
      const options = metric.optionsSchema.parse(m.options ?? {});
      const reason = metric.checkLabels(summary, options);
      if (reason !== null) {
        const key = m.key ?? m.name;
        throw new ArbiterError('E_DATASET_INVALID',
          `dataset ${file}: metric "${key}" (metrics[${i}]) cannot be computed on the ${split} split: ${reason}; every submission would fail, so the benchmark is refused: change the data, the split or the metric`,
          { file, split, metric: key });
      }
    });
  }
}
