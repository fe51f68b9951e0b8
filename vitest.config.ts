import { defineConfig } from 'vitest/config';
import HeavyFirstSequencer from './test/sequencer.ts';

/**
 * Test files that run in a shared process: each file's fork is reused by the next (isolate:
 * false), instead of a fresh process importing the engine (ONNX Runtime, zod, apache-arrow...)
 * again for each file, which cost these ~80 files more CPU than their tests (measured: 127 s of
 * CPU isolated, 73 s shared). They run in-process code (a few score through worker threads, in
 * this process) and leave no process-wide state behind (a file that sets process.env, cwd or
 * exitCode puts it back). The engine-heavy files (isolated children, CLI children, kill -9,
 * limits, long LM runs) keep a process each: a full-suite isolate:false run left open dataset
 * handles across files and one fork stalled.
 */
const SHARED_PROCESS = [
  'test/scoring/**/*.test.ts', 'test/benchmark/**/*.test.ts', 'test/ranking/**/*.test.ts', 'test/report/**/*.test.ts',
  'test/models/**/*.test.ts', 'test/data/**/*.test.ts', 'test/fold/**/*.test.ts', 'test/receipts/**/*.test.ts',
  // not test/store/lease.test.ts: it starts real processes sharing one SQLite file
  'test/store/fl.test.ts', 'test/store/migrations.test.ts', 'test/store/store.test.ts', 'test/store/store-v5.test.ts',
  'test/docs.test.ts', 'test/layers.test.ts',
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
