// The arbiter command line: a thin yargs layer over src/index.ts. Exit codes: 0 ok, 1 internal
// error, 2 usage error, 3 invalid input, 4 verification failure (docs/errors.md).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ENGINE_VERSION } from '../version.ts';
import { scoreCommand } from './commands/score.ts';
import { leaderboardCommand } from './commands/leaderboard.ts';
import { submitCommand } from './commands/submit.ts';
import { checkCommand } from './commands/check.ts';
import { initCommand } from './commands/init.ts';
import { datasetCommand } from './commands/dataset.ts';
import { specCommand } from './commands/spec.ts';
import { demoCommand } from './commands/demo.ts';
import { reportCommand } from './commands/report.ts';
import { consensusCommand, keygenCommand, verifyCommand } from './commands/receipts.ts';
import { reportError, usageError } from './io.ts';

export async function main(argv: string[]): Promise<void> {
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
    .command(keygenCommand as never)
    .command(verifyCommand as never)
    .command(consensusCommand as never)
    .command(demoCommand as never)
    .demandCommand(1, 'name a command (see arbiter --help)')
    .strict()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw usageError(msg);
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    reportError(err);
  }
}

await main(hideBin(process.argv));
