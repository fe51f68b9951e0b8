// Runs arbiter commands in the test's own process (the yargs command modules, as src/cli/main.ts
// wires them), capturing stdout, stderr and the exit code: for tests where the process boundary is
// not what is tested.
import yargs from 'yargs';
import { vi } from 'vitest';
import { checkCommand } from '../../src/cli/commands/check.ts';
import { datasetCommand } from '../../src/cli/commands/dataset.ts';
import { scoreCommand } from '../../src/cli/commands/score.ts';
import { specCommand } from '../../src/cli/commands/spec.ts';

/** Run arbiter commands in this process: stdout, stderr and the exit code the process would have. */
export async function arbiter(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: unknown) => { stdout += String(c); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: unknown) => { stderr += String(c); return true; });
  const savedEnv = { ...process.env };
  const savedCode = process.exitCode;
  process.exitCode = 0;
  delete process.env.ARBITER_DATASET_KEY;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    await yargs(args).command(datasetCommand as never).command(specCommand as never).command(scoreCommand as never).command(checkCommand as never)
      .strict().exitProcess(false).fail((msg, e) => { throw e ?? new Error(msg); }).parseAsync();
  } catch (e) {
    stderr += `usage: ${(e as Error).message}\n`;
    process.exitCode = 2;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.env = savedEnv;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = savedCode;
  return { code, stdout, stderr };
}
