// `arbiter release <benchmark>`: record in the store that the benchmark's final hidden set (set B)
// is released. From then on `leaderboard --set final`, `report` and `score --set final` show its
// scores; before, they show only who was scored and who failed. With `leaderboard.live: public` it
// also releases the private ranking of the live leaderboard (before, it shows the public split).
import type { Argv } from 'yargs';
import { DEFAULT_DB } from '../../store/default-path.ts';
import { print, reportError } from '../io.ts';

export const releaseCommand = {
  command: 'release <benchmark>',
  describe: 'Release what the benchmark withholds: the final hidden set\'s scores, and with leaderboard.live: public the private ranking (a recorded state of the store)',
  builder: (y: Argv) => y
    .positional('benchmark', { type: 'string', demandOption: true, describe: 'benchmark id or path (its spec declares hiddenSets.final or leaderboard.live: public)' })
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (benchmark, released, finalRuns)' })
    .example('$0 release my-benchmark', 'after the competition: show set B\'s scores in leaderboard and report'),
  handler: async (argv: Record<string, unknown>) => {
    const json = argv.json as boolean;
    try {
      const { loadBenchmark } = await import('../../benchmark/loader.ts');
      const { Store } = await import('../../store/store.ts');
      const { releaseFinalSet, FINAL_SET_SUFFIX } = await import('../../run/final-set.ts');
      const b = loadBenchmark(argv.benchmark as string);
      const store = Store.open(argv.db as string);
      try {
        const r = releaseFinalSet(b, store);
        if (json) print(JSON.stringify({ benchmark: r.benchmark, released: true, finalRuns: r.finalRuns }));
        else if (!b.spec.hiddenSets?.final) {
          print(`released the private ranking of ${r.benchmark}: the live leaderboard now shows the private split (leaderboard.live: public)`);
          print(`  arbiter leaderboard -b ${r.benchmark} --db ${argv.db as string}`);
        } else {
          print(`released the final hidden set of ${r.benchmark}: ${r.finalRuns} finished run${r.finalRuns === 1 ? '' : 's'} of ${r.benchmark}${FINAL_SET_SUFFIX} now show their scores`);
          print(`  arbiter leaderboard -b ${r.benchmark} --set final --db ${argv.db as string}`);
        }
      } finally {
        store.close();
      }
    } catch (err) {
      reportError(err, json);
    }
  },
};
