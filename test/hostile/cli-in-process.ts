// Calls arbiter's command modules in-process (the same yargs commands src/cli/main.ts registers;
// main.ts itself runs on import) and captures what they print and the exit code, for tests where
// the process boundary is not the point.
import yargs from 'yargs';
import { scoreCommand } from '../../src/cli/commands/score.ts';
import { submitCommand } from '../../src/cli/commands/submit.ts';
import { leaderboardCommand } from '../../src/cli/commands/leaderboard.ts';
import { runsCommand } from '../../src/cli/commands/runs.ts';
import { reportCommand } from '../../src/cli/commands/report.ts';
import { specCommand } from '../../src/cli/commands/spec.ts';

async function main(args: string[]): Promise<void> {
  await yargs(args).command(scoreCommand as never).command(submitCommand as never).command(leaderboardCommand as never)
    .command(runsCommand as never).command(reportCommand as never).command(specCommand as never)
    .strict().exitProcess(false).fail((msg, err) => { throw err ?? new Error(msg); }).parseAsync();
}

export interface CliResult { code: number; stdout: string; stderr: string }

export async function cliInProcess(args: string[], cwd?: string): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  const before = process.cwd();
  process.exitCode = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    if (cwd) process.chdir(cwd);
    await main(args);
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    if (cwd) process.chdir(before);
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout: out.join(''), stderr: err.join('') };
}
