// `arbiter fl demo` as a user runs it right after `npm install`: the compiled build in dist/ (built
// here once if stale), in a real child process, WITHOUT ARBITER_FROM_SOURCE and with
// fixtures/refuse-typescript.mjs preloaded (any attempt to load tsx or a .ts file throws), in a temp
// copy of the package. The demo writes its sets, models, keys, partials and store into the user's
// working folder and prints the rounds table: rounds 1, 2 and 4 accepted, round 3 rejected,
// carol flagged in round 2 (as README.md shows); `arbiter score -b fl-demo` runs the same rounds.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, readFileSync, realpathSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshBuild } from '../../bin/fresh-build.js';
import { REPO, tempDir } from '../helpers.ts';

const run = promisify(execFile);
const GUARD = pathToFileURL(path.join(REPO, 'test/bin/fixtures/refuse-typescript.mjs')).href;

function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--import=${GUARD}` };
  delete env.ARBITER_FROM_SOURCE;
  return env;
}

describe('the installed CLI runs the federated demo', () => {
  const made: string[] = [];
  beforeAll(() => {
    if (!freshBuild(REPO)) execFileSync(process.execPath, [path.join(REPO, 'bin/build.js')], { cwd: REPO, env: userEnv(), stdio: 'ignore' });
    expect(freshBuild(REPO)).toBe(true);
  }, 300_000);
  afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

  it('arbiter fl demo: four rounds from dist/, round 3 rejected, carol flagged, the rounds table printed', async () => {
    const pkg = tempDir('arbiter-installed-fl-');
    made.push(pkg);
    for (const f of ['package.json', 'bin', 'dist', 'src', 'scoring', 'datasets']) cpSync(path.join(REPO, f), path.join(pkg, f), { recursive: true });
    cpSync(path.join(REPO, 'benchmarks', 'fl-demo'), path.join(pkg, 'benchmarks', 'fl-demo'), { recursive: true });
    symlinkSync(realpathSync(path.join(REPO, 'node_modules')), path.join(pkg, 'node_modules'));
    const now = Date.now() / 1000 + 1;
    utimesSync(path.join(pkg, 'dist', 'BUILD_STAMP'), now, now);
    expect(freshBuild(pkg)).toBe(true);
    const cwd = tempDir('arbiter-user-');
    made.push(cwd);
    const { stdout, stderr } = await run(process.execPath, [path.join(pkg, 'bin/arbiter.js'), 'fl', 'demo', '--workers', '1'], { cwd, env: userEnv(), encoding: 'utf8', timeout: 600_000 });
    expect(stderr).not.toContain('refuse-typescript');
    expect(stderr).toContain('round 3: global log_loss');
    const rows = stdout.split('\n').filter((l) => /^\s+\d+\s+[0-9a-f]{12}\s/.test(l)).map((l) => l.trim().split(/\s{2,}/));
    expect(rows.map((r) => [r[0], r[3]])).toEqual([['1', 'yes'], ['2', 'yes'], ['3', 'no'], ['4', 'yes']]);
    expect(rows[1]!.join(' ')).toContain('carol(vote-contradicts-scores)');
    expect(rows[3]![4]).toBe('2'); // round 4's parent is round 2, the last accepted
    expect(freshBuild(pkg)).toBe(true);
    // the rounds README.md shows: the same model hashes (the demo is seeded)
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    for (const r of rows) expect(readme).toContain(`${r[0]}  ${r[1]}`);
    // `score -b fl-demo` (it sits among the bundled benchmarks) runs the same rounds, by id and by path
    for (const arg of ['fl-demo', `${path.join(pkg, 'benchmarks', 'fl-demo')}/`]) {
      const scored = await run(process.execPath, [path.join(pkg, 'bin/arbiter.js'), 'score', '-b', arg, '--workers', '1'], { cwd, env: userEnv(), encoding: 'utf8', timeout: 600_000 });
      expect(scored.stderr).toContain('is the bundled federation');
      const again = scored.stdout.split('\n').filter((l) => /^\s+\d+\s+[0-9a-f]{12}\s/.test(l)).map((l) => l.trim().split(/\s{2,}/));
      expect(again).toEqual(rows);
    }
    // any other federation's data stay with its parties: score refuses it and names what to run
    cpSync(path.join(REPO, 'benchmarks', 'fl-demo'), path.join(cwd, 'other-fed'), { recursive: true });
    const failed = await run(process.execPath, [path.join(pkg, 'bin/arbiter.js'), 'score', '-b', './other-fed'], { cwd, env: userEnv(), encoding: 'utf8' })
      .then(() => null, (err: { code: number; stderr: string }) => err);
    expect(failed?.code).toBe(3);
    expect(failed?.stderr).toContain('E_SPEC_NOT_FOUND');
    expect(failed?.stderr).toContain('is a federation');
    expect(failed?.stderr).toContain('arbiter fl evaluate');
  }, 600_000);
});
