// Test files in longest-first order, so the two vitest slots stay busy to the end: a clean clone
// (CI) has no vitest result cache, and vitest's fallback order (the largest file first) starts
// some of the slowest files last, leaving one slot idle while the other finishes them. The
// files below (their relative cost, measured on a 2-core machine) start first, slowest first;
// every other file follows in vitest's own order (cached durations when there are any).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Relative cost of the slowest files (seconds in one full run; only the order matters). */
export const HEAVY: Record<string, number> = {
  'test/run/lm-job.test.ts': 400,
  'test/bin/installed-cli.test.ts': 350,
  'test/run/shard-job.test.ts': 250,
  'test/run/lifecycle-kinds.test.ts': 215,
  'test/run/work.test.ts': 135,
  'test/inference/isolation/lm-limits.test.ts': 125,
  'test/store/lease.test.ts': 100,
  'test/run/token-budget.test.ts': 95,
  'test/run/resume.test.ts': 90,
  'test/receipts/forgeries.test.ts': 90,
  'test/inference/isolation/runner.test.ts': 83,
  'test/models/hf/scoring-graph.test.ts': 73,
  'test/run/run-hold.test.ts': 65,
  'test/hostile/fuzz.test.ts': 62,
  'test/run/lm-tasks.test.ts': 61,
  'test/federated/exactness.test.ts': 52,
  'test/tasks/lm/workers.test.ts': 48,
  'test/run/shard-contract.test.ts': 45,
};

export default class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const weight = (f: TestSpecification) => HEAVY[f.moduleId.slice(this.ctx.config.root.length + 1).split('\\').join('/')] ?? 0;
    // Array.prototype.sort is stable: files of equal weight (all the unlisted ones) keep vitest's order
    return [...base].sort((a, b) => weight(b) - weight(a));
  }
}
