// Runs the arbiter CLI in this process (src/cli/program.ts), capturing stdout, stderr and the exit
// code: for tests where the process boundary is not what is tested (far cheaper than a spawn).
import { runCli } from '../../src/cli/program.ts';

export interface CliResult { stdout: string; stderr: string; status: number }

/** Run `arbiter ...args` with `cwd` as the working directory (restored afterwards). */
export async function arbiter(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const oldCwd = process.cwd();
  const oldEnv: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries({ NO_COLOR: '1', ...opts.env })) {
    oldEnv[k] = process.env[k];
    if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += String(chunk); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  try {
    if (opts.cwd) process.chdir(opts.cwd);
    await runCli(args);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.chdir(oldCwd);
    for (const [k, v] of Object.entries(oldEnv)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  const status = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout, stderr, status };
}
