// The arbiter command line as a function (`runCli`): a thin yargs layer over src/index.ts, callable
// in-process by tests; src/cli/main.ts runs it on process.argv. Exit codes: 0 ok, 1 internal
// error, 2 usage error, 3 invalid input, 4 verification failure (docs/errors.md).
import yargs from 'yargs';
import { ENGINE_VERSION } from '../version.ts';
import { scoreCommand } from './commands/score.ts';
import { leaderboardCommand } from './commands/leaderboard.ts';
import { submitCommand } from './commands/submit.ts';
import { checkCommand } from './commands/check.ts';
import { initCommand } from './commands/init.ts';
import { datasetCommand } from './commands/dataset.ts';
import { specCommand } from './commands/spec.ts';
import { demoCommand } from './commands/demo.ts';
import { mergeCommand } from './commands/shard.ts';
import { reportCommand } from './commands/report.ts';
import { releaseCommand } from './commands/release.ts';
import { consensusCommand, keygenCommand, verifyCommand } from './commands/receipts.ts';
import { workCommand } from './commands/work.ts';
import { runsCommand } from './commands/runs.ts';
import { benchmarksCommand } from './commands/benchmarks.ts';
import { modelsCommand } from './commands/models.ts';
import { flCommand } from './commands/fl.ts';
import { reportError, usageError } from './io.ts';

const KNOWN_COMMANDS = ['score', 'check', 'submit', 'leaderboard', 'init', 'dataset', 'spec', 'report', 'release', 'keygen', 'verify', 'consensus', 'demo', 'merge', 'work', 'runs', 'benchmarks', 'models', 'fl'];

/** Every numeric option of the CLI counts something or names a run: a positive integer. */
const POSITIVE_INTEGER_OPTIONS: Record<string, string[]> = { workers: ['w'], 'task-rows': [], 'max-attempts': [], rows: [], run: [], resume: [] };

/** The text the user typed for an option (`--name v`, `--name=v`, `-a v`), or undefined. */
export function rawOptionText(argv: readonly string[], name: string, aliases: readonly string[] = []): string | undefined {
  const flags = [`--${name}`, ...aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`))];
  for (let i = argv.length - 1; i >= 0; i--) {
    const a = argv[i]!;
    for (const f of flags) {
      if (a === f) return argv[i + 1];
      if (a.startsWith(`${f}=`)) return a.slice(f.length + 1);
    }
  }
  return undefined;
}

/** E_USAGE for a numeric option that is not a positive integer, naming what was typed ("two", not NaN). */
export function checkPositiveIntegers(parsed: Record<string, unknown>, argv: readonly string[]): void {
  for (const [name, aliases] of Object.entries(POSITIVE_INTEGER_OPTIONS)) {
    const v = parsed[name];
    if (v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 1)) continue;
    const typed = rawOptionText(argv, name, aliases) ?? (typeof v === 'number' && Number.isNaN(v) ? undefined : String(v));
    const cmd = argv.find((a) => !a.startsWith('-'));
    throw usageError(`--${name}: expected a positive integer (1, 2, ...), found ${typed === undefined ? 'no number' : JSON.stringify(typed)} (see \`arbiter ${cmd ? `${cmd} ` : ''}--help\`)`);
  }
}

/** yargs' "Not enough non-option arguments: got 0, need at least 1" as: which argument is missing, and the usage line. */
export function missingArgumentMessage(msg: string, argv: readonly string[], commands: ReadonlyArray<{ command: string }>): string | undefined {
  const m = /^Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(msg);
  if (!m) return undefined;
  const cmd = argv.find((a) => !a.startsWith('-'));
  const def = commands.find((c) => c.command.split(' ')[0] === cmd);
  if (!def) return undefined;
  const words = argv.filter((a) => !a.startsWith('-'));
  if (def.command.includes('<action>') && words.length > 1) {
    // A sub-command (dataset pack, spec validate) is missing its own argument.
    const sub = words.slice(0, 2).join(' ');
    return `missing an argument of \`arbiter ${sub}\`: found ${Number(m[1]) === 0 ? 'none' : `only ${m[1]}`} (the usage line: \`arbiter ${sub} --help\`)`;
  }
  const names = [...def.command.matchAll(/<([^>]+)>/g)].map((x) => x[1]!);
  const missing = names.slice(Number(m[1]));
  if (missing.length === 0) return undefined;
  const what = missing.length === 1 ? `the <${missing[0]}> argument` : `the arguments ${missing.map((n) => `<${n}>`).join(' ')}`;
  return `missing ${what}: expected \`arbiter ${def.command}${def.command.includes('[') ? '' : ' [options]'}\`, found ${Number(m[1]) === 0 ? 'no argument' : `only ${m[1]}`} after \`${cmd}\` (see \`arbiter ${cmd} --help\`)`;
}

export async function runCli(argv: string[]): Promise<void> {
  const commands = [scoreCommand, checkCommand, submitCommand, leaderboardCommand, initCommand, datasetCommand, specCommand, reportCommand, releaseCommand, keygenCommand, verifyCommand, consensusCommand, demoCommand, mergeCommand, workCommand, runsCommand, benchmarksCommand, modelsCommand, flCommand];
  const cli = yargs(argv)
    .scriptName('arbiter')
    .version(ENGINE_VERSION)
    .command(scoreCommand as never)
    .command(checkCommand as never)
    .command(submitCommand as never)
    .command(leaderboardCommand as never)
    .command(initCommand as never)
    .command(datasetCommand as never)
    .command(specCommand as never)
    .command(reportCommand as never)
    .command(releaseCommand as never)
    .command(keygenCommand as never)
    .command(verifyCommand as never)
    .command(consensusCommand as never)
    .command(demoCommand as never)
    .command(mergeCommand as never)
    .command(workCommand as never)
    .command(runsCommand as never)
    .command(benchmarksCommand as never)
    .command(modelsCommand as never)
    .command(flCommand as never)
    .middleware((parsed) => checkPositiveIntegers(parsed as Record<string, unknown>, argv))
    .demandCommand(1, 'name a command (see arbiter --help)')
    .example('$0 init my-bench', 'scaffold a benchmark that validates at once')
    .example('$0 check my-model.onnx -b tabular-demo', 'a participant\'s dry run on the public sample')
    .example('$0 score -b tabular-demo --json', 'score and print one JSON object')
    .epilog('Every command takes --help and --json (one JSON object on stdout; errors as {"error": {code, message, details}}). Colours only on a TTY, never with NO_COLOR; progress bars only on a TTY, on stderr.\nExit codes: 0 ok, 1 internal error, 2 usage error, 3 invalid input (spec, dataset, submission, store), 4 verification failure or a run held by another process (E_LEASE), 130 cancelled by SIGINT/SIGTERM (docs/errors.md).')
    .strict()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      const cmd = argv.find((a) => !a.startsWith('-'));
      const missing = missingArgumentMessage(msg, argv, commands);
      if (missing) throw usageError(missing);
      throw usageError(`${msg} (see \`arbiter ${cmd && KNOWN_COMMANDS.includes(cmd) ? `${cmd} ` : ''}--help\`)`);
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    reportError(err, argv.includes('--json'));
  }
}


/** The command line in this process, as the executable runs it (tests: test/cli-in-process.ts). */
export const main = runCli;
