import { defineConfig } from 'vitest/config';
import HeavyFirstSequencer from './test/sequencer.ts';

/**
 * Test files that run in a shared process: each file's fork is reused by the next (isolate:
 * false), instead of a fresh process importing the engine (ONNX Runtime, zod, apache-arrow...)
 * again for each file, which cost these ~80 files more CPU than their tests (measured: 127 s of
 * CPU isolated, 73 s shared). They run in-process code (a few score through worker threads, in
 * this process) and leave no process-wide state behind (a file that sets process.env, cwd or
 * exitCode puts it back). The engine-heavy files (CLI children, kill -9, limits, process pools
 * and long LM runs) keep a process each: a full-suite isolate:false run left open dataset
 * handles across files and one fork stalled (before a6e37a1 closed the hidden set's descriptor
 * however a stream ends).
 */
const SHARED_PROCESS = [
  'test/scoring/**/*.test.ts', 'test/benchmark/**/*.test.ts', 'test/ranking/**/*.test.ts', 'test/report/**/*.test.ts',
  'test/models/**/*.test.ts', 'test/data/**/*.test.ts', 'test/fold/**/*.test.ts', 'test/receipts/**/*.test.ts',
  // not test/store/lease.test.ts: it starts real processes sharing one SQLite file
  'test/store/fl.test.ts', 'test/store/migrations.test.ts', 'test/store/store.test.ts', 'test/store/store-v5.test.ts',
  'test/docs.test.ts', 'test/layers.test.ts',
  // In-process files of the other folders that start no process of their own (the CLI in process,
  // fl rounds and LM tasks in worker threads, spec and store edge cases): each cost 1-3 s of CPU
  // to import the engine in a fork of its own (measured on these 31: 96 s of CPU isolated, 51 s shared)
  'test/cli/check-output.test.ts', 'test/cli/dataset.test.ts', 'test/cli/dataset-inputs.test.ts', 'test/cli/dataset-jsonl.test.ts',
  'test/cli/init-from.test.ts', 'test/cli/models.test.ts', 'test/cli/public-leaderboard.test.ts', 'test/cli/submit.test.ts', 'test/cli/usage-messages.test.ts',
  'test/tasks/lm/choice-classify.test.ts', 'test/tasks/lm/demo.test.ts', 'test/tasks/lm/exact-sum.test.ts', 'test/tasks/lm/golden.test.ts',
  'test/tasks/lm/render.test.ts', 'test/tasks/lm/token-budget.test.ts', 'test/tasks/lm/tokens.test.ts', 'test/tasks/tabular/prediction-files.test.ts',
  'test/run/lifecycle-phases.test.ts', 'test/run/shard.test.ts', 'test/run/shard-manifest.test.ts', 'test/run/shard-trust.test.ts',
  'test/federated/exactness.test.ts', 'test/federated/rounds.test.ts', 'test/federated/secure-aggregation.test.ts',
  'test/hostile/datasets.test.ts', 'test/hostile/output-edges.test.ts', 'test/hostile/specs.test.ts', 'test/hostile/store-failures.test.ts',
  'test/demo/demo-files.test.ts', 'test/demo/demo-submissions.test.ts', 'test/bin/fresh-build.test.ts',
  // In-process scoring whose only processes are the engine's isolated children, which each score
  // closes before it returns (13 files: 67 s of CPU isolated, 51 s shared)
  'test/run/final-set.test.ts', 'test/run/score-job.test.ts', 'test/run/score-job-hidden.test.ts', 'test/run/prediction-copies.test.ts',
  'test/cli/cli.test.ts', 'test/cli/check.test.ts', 'test/cli/init.test.ts', 'test/cli/check-encrypted.test.ts', 'test/cli/final-set-leaks.test.ts',
  'test/tasks/tabular/admission.test.ts', 'test/tasks/tabular/input-windows.test.ts', 'test/hostile/models.test.ts', 'test/inference/worker-inputs.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two test files at a time: vitest's default on 2 cores is one (cores - 1), and most files
    // wait on child processes (isolated inference, the CLI) for much of their time.
    maxWorkers: 2,
    // The slowest files start first (test/sequencer.ts), so neither slot idles at the end.
    sequence: { sequencer: HeavyFirstSequencer },
    // The test files run the sources. The processes they start run the compiled build when it is
    // fresh, i.e. compiled from these same sources (test/global-setup.ts builds it first; a failed
    // build stays stale and everything runs from the sources): worker threads and isolated children
    // (ARBITER_WORKERS_FROM_BUILD, src/inference/entry.ts) and `node bin/arbiter.js` children
    // (no ARBITER_FROM_SOURCE: bin/arbiter.js picks dist/ when fresh). That is the same code
    // without a tsx start in each (1-2 s of CPU per CLI child, ~40 children a run).
    // test/inference/from-source.test.ts runs workers and children from the sources;
    // test/hostile/spec-edges.test.ts and the installed-CLI guard run a CLI child through tsx.
    env: { ARBITER_WORKERS_FROM_BUILD: '1' },
    globalSetup: ['test/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'shared-process', include: SHARED_PROCESS, isolate: false } },
      { extends: true, test: { name: 'own-process', include: ['test/**/*.test.ts'], exclude: SHARED_PROCESS, isolate: true } },
    ],
  },
});
