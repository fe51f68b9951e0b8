// The receipt commands called in-process, as the CLI parses them (yargs, the same command
// modules), capturing stdout, stderr and the exit code. For tests where the process boundary is
// not the point.
import yargs from 'yargs';
import { vi } from 'vitest';
import { consensusCommand, keygenCommand, verifyCommand } from '../../src/cli/commands/receipts.ts';
import { scoreCommand } from '../../src/cli/commands/score.ts';
import { reportError } from '../../src/cli/io.ts';

export interface CliRun { code: number; stdout: string; stderr: string }

export async function cli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  process.exitCode = 0;
  try {
    await yargs(args)
      .command(scoreCommand as never).command(verifyCommand as never).command(keygenCommand as never).command(consensusCommand as never)
      .strict().exitProcess(false)
      .fail((msg, e) => { throw e ?? new Error(msg); })
      .parseAsync();
  } catch (e) {
    reportError(e, args.includes('--json'));
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout: out.join(''), stderr: err.join('') };
}
