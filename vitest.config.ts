import { defineConfig } from 'vitest/config';
import HeavyFirstSequencer from './test/sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two test files at a time: vitest's default on 2 cores is one (cores - 1), and most files
    // wait on child processes (isolated inference, the CLI) for much of their time.
    maxWorkers: 2,
    // The slowest files start first (test/sequencer.ts), so neither slot idles at the end.
    sequence: { sequencer: HeavyFirstSequencer },
    // CLI tests spawn bin/arbiter.js: make it run the sources under test, never a dist/ build.
    // Worker threads and isolated children start from the compiled build when it is fresh
    // (src/inference/entry.ts; test/global-setup.ts makes it fresh first): the same code without
    // a tsx start in each (test/inference/from-source.test.ts runs them from the sources).
    env: { ARBITER_FROM_SOURCE: '1', ARBITER_WORKERS_FROM_BUILD: '1' },
    globalSetup: ['test/global-setup.ts'],
  },
});
