// The arbiter command line: runs src/cli/program.ts on process.argv. Exit codes: 0 ok, 1 internal
// error, 2 usage error, 3 invalid input, 4 verification failure (docs/errors.md).
import { hideBin } from 'yargs/helpers';
import { runCli } from './program.ts';

export async function main(argv: string[]): Promise<void> {
  await runCli(argv);
}

await main(hideBin(process.argv));
