// `arbiter leaderboard`: print a finished run's leaderboard from the store.
import type { Argv } from 'yargs';
import { ArbiterError } from '../../errors.ts';
import type { ScoreResult } from '../../engine/score-job.ts';
import type { LeaderboardFormat } from '../output.ts';
import { DEFAULT_DB } from '../defaults.ts';
import { print, reportError } from '../io.ts';

export const leaderboardCommand = {
  command: 'leaderboard',
  describe: 'Print the leaderboard of the latest (or a given) run of a benchmark',
  builder: (y: Argv) => y
    .option('benchmark', { alias: 'b', type: 'string', demandOption: true, describe: 'benchmark id or path' })
    .option('run', { type: 'number', describe: 'run id (default: the latest finished run)' })
    .option('format', { alias: 'f', choices: ['table', 'json', 'csv', 'md'] as const, default: 'table' as const, describe: 'output format' })
    .option('json', { type: 'boolean', default: false, describe: 'the same as --format json: the run\'s ScoreResult as one JSON object' })
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
    .example('$0 leaderboard -b tabular-demo --format md', 'the latest demo run as a Markdown table'),
  handler: async (argv: Record<string, unknown>) => {
    const format = argv.json ? 'json' : argv.format as LeaderboardFormat;
    try {
      const { loadBenchmark } = await import('../../spec/loader.ts');
      const { Store } = await import('../../store/store.ts');
      const { formatLeaderboard, colorsFor } = await import('../output.ts');
      const b = loadBenchmark(argv.benchmark as string);
      const store = Store.open(argv.db as string);
      try {
        const run = argv.run !== undefined ? store.run(argv.run as number) : store.latestFinishedRun(b.spec.id);
        if (!run || run.benchmarkId !== b.spec.id) {
          throw new ArbiterError('E_STORE', argv.run !== undefined ? `no run ${argv.run} of benchmark ${b.spec.id} in ${argv.db}` : `no finished run of benchmark ${b.spec.id} in ${argv.db}; run \`arbiter score -b ${b.spec.id}\` first`);
        }
        if (run.status !== 'finished' || !run.resultJson) {
          throw new ArbiterError('E_STORE', `run ${run.id} is ${run.status}, not finished${run.status === 'running' ? `: finish it with \`arbiter score -b ${b.spec.id} --resume ${run.id} --db ${argv.db}\`` : ''}`, { run: run.id, status: run.status });
        }
        const result = JSON.parse(run.resultJson) as ScoreResult;
        print(formatLeaderboard(result, format, { primaryMetric: b.primary, metricKeys: b.metricKeys, colors: format === 'table' ? colorsFor(process.stdout) : undefined }));
      } finally {
        store.close();
      }
    } catch (err) {
      reportError(err, format === 'json');
    }
  },
};
