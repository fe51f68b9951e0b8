// The CLI in this process with extra environment variables (the shared runner test/cli-in-process.ts).
import { arbiterInProcess, type CliResult } from '../cli-in-process.ts';

export async function arbiter(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return arbiterInProcess(args, { env });
}
