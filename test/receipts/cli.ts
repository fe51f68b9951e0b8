// The CLI in this process (the shared runner test/cli-in-process.ts), for the receipt tests.
import { arbiterInProcess, type CliResult } from '../cli-in-process.ts';

export type CliRun = CliResult;

export function cli(args: string[]): Promise<CliRun> {
  return arbiterInProcess(args);
}
