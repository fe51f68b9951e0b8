// The CLI in this process, with a working directory and environment per call (the shared runner
// test/cli-in-process.ts), in the result shape these tests read: { stdout, stderr, status }.
import { arbiterInProcess } from '../cli-in-process.ts';

export interface CliResult { stdout: string; stderr: string; status: number }

export async function arbiter(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const r = await arbiterInProcess(args, opts);
  return { stdout: r.stdout, stderr: r.stderr, status: r.code };
}
