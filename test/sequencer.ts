// Test files in longest-first order, so the two vitest slots stay busy to the end: a clean clone
// (CI) has no vitest result cache, and vitest's fallback order (the largest file first) starts
// some of the slowest files last, leaving one slot idle while the other finishes them. The
// files below (their relative cost, measured on a 2-core machine) start first, slowest first;
// every other file follows in vitest's own order (cached durations when there are any).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Relative cost of the slowest files (seconds in one full run on a shared 2-core machine; only the order matters). */
export const HEAVY: Record<string, number> = {
  'test/run/lm-job.test.ts': 150,
  'test/bin/installed-cli.test.ts': 150,
  'test/run/lifecycle-kinds.test.ts': 105,
  'test/inference/isolation/lm-limits.test.ts': 70,
  'test/run/token-budget.test.ts': 61,
  'test/run/resume.test.ts': 58,
  'test/run/shard-job.test.ts': 56,
  'test/run/work.test.ts': 55,
  'test/inference/isolation/runner.test.ts': 47,
  'test/run/run-hold.test.ts': 43,
  'test/run/shard-contract.test.ts': 40,
  'test/federated/exactness.test.ts': 40,
  'test/hostile/fuzz.test.ts': 40,
  'test/run/lm-tasks.test.ts': 37,
  'test/run/lm-task-demos.test.ts': 36,
  'test/tasks/lm/workers.test.ts': 36,
  'test/store/lease.test.ts': 32,
  'test/inference/isolation/lm-hidden-logs.test.ts': 28,
  'test/models/hf/scoring-graph.test.ts': 28,
  'test/run/score-job.test.ts': 27,
  'test/bin/installed-fl-demo.test.ts': 27,
  'test/receipts/forgeries.test.ts': 26,
  'test/inference/from-source.test.ts': 25,
  'test/inference/limits.test.ts': 25,
  'test/tasks/tabular/sanity-run.test.ts': 23,
};

export default class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const weight = (f: TestSpecification) => HEAVY[f.moduleId.slice(this.ctx.config.root.length + 1).split('\\').join('/')] ?? 0;
    // Array.prototype.sort is stable: files of equal weight (all the unlisted ones) keep vitest's order
    return [...base].sort((a, b) => weight(b) - weight(a));
  }
}
