// The in-process CLI runner the tests use (test/cli-in-process.ts) gives what the executable gives:
// the same stdout, stderr and exit code as `node bin/arbiter.js` in a child process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { arbiterInProcess } from '../cli-in-process.ts';
import { REPO, tempDir } from '../helpers.ts';

const run = promisify(execFile);

async function child(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [path.join(REPO, 'bin/arbiter.js'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('arbiterInProcess', () => {
  it.each([
    [['spec', 'validate', 'tabular-demo']],
    [['spec', 'validate', 'no-such-benchmark']],
    [['score', '--workers', '1']],
    [['score', '--help']],
  ])('%j: same stdout, stderr and exit code as the executable', async (args) => {
    const cwd = tempDir();
    const a = await arbiterInProcess(args, { cwd });
    const b = await child(args, cwd);
    expect(a).toEqual(b);
    expect(process.cwd()).not.toBe(cwd);
    expect(process.exitCode ?? 0).toBe(0);
  });
});
