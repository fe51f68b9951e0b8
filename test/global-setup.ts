// Runs once before any test file (vitest.config.ts globalSetup): makes the compiled build in
// dist/ fresh when it is not (`npm ci` builds it through `prepare`; an edited source makes it
// stale). The suite's worker threads and isolated child processes start from that build
// (ARBITER_WORKERS_FROM_BUILD, src/inference/entry.ts) and the installed-CLI tests run it; a build
// that fails leaves dist/ stale, and everything then runs from the sources through tsx.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { freshBuild } from '../bin/fresh-build.js';
import { REPO } from './helpers.ts';

export default function setup(): void {
  if (freshBuild(REPO)) return;
  const env = { ...process.env };
  delete env.ARBITER_FROM_SOURCE;
  try {
    execFileSync(process.execPath, [path.join(REPO, 'bin/build.js')], { cwd: REPO, env, stdio: 'ignore' });
  } catch {
    // a type error: the tests that need the build say so themselves (test/bin)
  }
}
