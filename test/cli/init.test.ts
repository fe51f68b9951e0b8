// `arbiter init` run in process (test/cli-in-process.ts: same output and exit code as a child):
// the folder validates, scores and checks at once; the hidden set's sha256 in the spec is real; an
// existing folder or a bad id is refused.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arbiterInProcess } from '../cli-in-process.ts';
import { REPO, tempDir } from '../helpers.ts';

function arbiter(args: string[], cwd: string) {
  return arbiterInProcess(args, { cwd });
}

describe('arbiter init', () => {
  const cwd = tempDir();

  it('scaffolds a benchmark that validates, checks and scores at once', async () => {
    const r = await arbiter(['init', 'my-bench', '--json'], cwd);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(Object.keys(o).sort()).toEqual(['datasetSha256', 'dir', 'files', 'id', 'publicSampleSha256', 'specHash']);
    expect(o.dir).toBe(path.join(cwd, 'benchmarks', 'my-bench'));
    for (const f of o.files) expect(existsSync(path.join(o.dir, f)), f).toBe(true);
    const yaml = readFileSync(path.join(o.dir, 'benchmark.yaml'), 'utf8');
    expect(yaml).toMatch(/^# /m); // commented
    const sha = createHash('sha256').update(readFileSync(path.join(o.dir, 'data/hidden.arrow'))).digest('hex');
    expect(yaml).toContain(`sha256: ${sha}`);

    const v = await arbiter(['spec', 'validate', 'my-bench', '--json'], cwd);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).specHash).toBe(o.specHash);

    const c = await arbiter(['check', 'benchmarks/my-bench/submissions/baseline.onnx', '-b', 'my-bench', '--json'], cwd);
    expect(c.code).toBe(0);
    const chk = JSON.parse(c.stdout);
    expect(chk.ok).toBe(true);
    // the baseline is a real classifier, far above chance (1/3) on the sample
    expect(chk.sampleScores.private.accuracy).toBeGreaterThan(0.6);

    const s = await arbiter(['score', '-b', 'my-bench', '--db', path.join(cwd, 's.db'), '-w', '1', '--json'], cwd);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout).rows[0].status).toBe('scored');
  });

  it('refuses to overwrite an existing folder (E_USAGE, exit 2) and names it', async () => {
    const r = await arbiter(['init', 'my-bench'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_USAGE');
    expect(r.stderr).toContain(path.join(cwd, 'benchmarks', 'my-bench'));
    expect(r.stderr).toContain('never overwrites');
  });

  it('refuses an id the spec would reject; --json errors are {"error": ...}', async () => {
    const r = await arbiter(['init', 'My_Bench', '--dir', 'elsewhere', '--json'], cwd);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_USAGE');
    expect(existsSync(path.join(cwd, 'elsewhere'))).toBe(false);
  });
});
