// The CLI in this process (the shared runner test/cli-in-process.ts), called as these tests call
// it: arguments and an optional working directory.
import { arbiterInProcess, type CliResult } from '../cli-in-process.ts';

export type { CliResult };

export function cliInProcess(args: string[], cwd?: string): Promise<CliResult> {
  return arbiterInProcess(args, { cwd });
}
