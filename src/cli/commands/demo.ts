// `arbiter demo` (what `npm start` runs): the bundled demo competition end to end.
import type { Argv } from 'yargs';
import { defaultWorkerCount } from '../../inference/defaults.ts';
import { runScoreCommand } from './score.ts';

export const demoCommand = {
  command: 'demo',
  describe: 'Run the bundled demo competition end to end (the tabular-demo benchmark and its submissions)',
  builder: (y: Argv) => y
    .option('workers', { alias: 'w', type: 'number', default: defaultWorkerCount(), describe: 'inference worker threads' })
    .option('db', { type: 'string', default: '.arbiter/demo.db', describe: 'SQLite store file' })
    .option('json', { type: 'boolean', default: false, describe: 'print the run as one JSON object, as `arbiter score --json` does' })
    .example('$0 demo', 'score the 8 bundled submissions and print the leaderboard')
    .example('$0 demo -w 2 --json', 'the same, machine-readable'),
  handler: async (argv: Record<string, unknown>) => {
    await runScoreCommand({ benchmark: 'tabular-demo', workers: argv.workers as number, db: argv.db as string, json: argv.json as boolean });
  },
};
