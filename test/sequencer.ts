// Test files in longest-first order, so the two vitest slots stay busy to the end: a clean clone
// (CI) has no vitest result cache, and vitest's fallback order (the largest file first) starts
// some of the slowest files last, leaving one slot idle while the other finishes them. The
// files below (their relative cost, measured on a 2-core machine) start first, slowest first;
// every other file follows in vitest's own order (cached durations when there are any).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Relative cost of the slowest files (seconds in one full run on a shared 2-core machine; only the order matters). */
export const HEAVY: Record<string, number> = {
  'test/bin/installed-cli.test.ts': 70,
  'test/run/lm-job.test.ts': 57,
  'test/run/lifecycle-kinds.test.ts': 33,
  'test/bin/installed-fl-demo.test.ts': 27,
  'test/inference/isolation/lm-limits.test.ts': 24,
  'test/run/shard-job.test.ts': 21,
  'test/run/resume.test.ts': 18,
  'test/run/token-budget.test.ts': 17,
  'test/hostile/fuzz.test.ts': 17,
  'test/run/work.test.ts': 16,
  'test/receipts/forgeries.test.ts': 16,
  'test/run/run-hold.test.ts': 13,
  'test/inference/limits.test.ts': 12,
  'test/inference/isolation/outputs-file.test.ts': 12,
  'test/federated/exactness.test.ts': 12,
  'test/models/hf/scoring-graph.test.ts': 11,
  'test/tasks/lm/workers.test.ts': 11,
  'test/inference/isolation/runner.test.ts': 10,
  'test/run/shard-contract.test.ts': 10,
  'test/store/lease.test.ts': 9,
  'test/run/lm-tasks.test.ts': 9,
  'test/inference/from-source.test.ts': 9,
  'test/run/lm-task-demos.test.ts': 9,
  'test/tasks/tabular/sanity-run.test.ts': 8,
  'test/hostile/pipeline.test.ts': 7,
};

export default class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const weight = (f: TestSpecification) => HEAVY[f.moduleId.slice(this.ctx.config.root.length + 1).split('\\').join('/')] ?? 0;
    // Array.prototype.sort is stable: files of equal weight (all the unlisted ones) keep vitest's order
    return [...base].sort((a, b) => weight(b) - weight(a));
  }
}
