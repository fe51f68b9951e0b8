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
import { reportError, usageError } from './io.ts';

const KNOWN_COMMANDS = ['score', 'check', 'submit', 'leaderboard', 'init', 'dataset', 'spec', 'report', 'release', 'keygen', 'verify', 'consensus', 'demo', 'merge', 'work', 'runs'];

export async function runCli(argv: string[]): Promise<void> {
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
      throw usageError(`${msg} (see \`arbiter ${cmd && KNOWN_COMMANDS.includes(cmd) ? `${cmd} ` : ''}--help\`)`);
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    reportError(err, argv.includes('--json'));
  }
}

