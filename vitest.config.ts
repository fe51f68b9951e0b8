import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // CLI tests spawn bin/arbiter.js: make it run the sources under test, never a dist/ build.
    env: { ARBITER_FROM_SOURCE: '1' },
  },
});
