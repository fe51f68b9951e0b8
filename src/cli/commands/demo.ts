// `arbiter demo` (what `npm start` runs): the bundled demo competition end to end.
import type { Argv } from 'yargs';
import { defaultWorkerCount } from '../defaults.ts';
import { runScoreCommand } from './score.ts';

export const demoCommand = {
  command: 'demo',
  describe: 'Run the bundled demo competition end to end (the tabular-demo benchmark and its submissions)',
  builder: (y: Argv) => y
    .option('workers', { alias: 'w', type: 'number', default: defaultWorkerCount() })
    .option('db', { type: 'string', default: '.arbiter/demo.db' }),
  handler: async (argv: Record<string, unknown>) => {
    await runScoreCommand({ benchmark: 'tabular-demo', workers: argv.workers as number, db: argv.db as string, json: false });
  },
};
