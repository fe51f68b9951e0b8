// `arbiter leaderboard`: print a finished run's leaderboard from the store.
import type { Argv } from 'yargs';
import { ArbiterError } from '../../errors.ts';
import type { ScoreResult } from '../../run/index.ts';
import type { LeaderboardFormat } from '../../report/leaderboard.ts';
import { DEFAULT_DB } from '../../store/default-path.ts';
import { print, reportError } from '../io.ts';

export const leaderboardCommand = {
  command: 'leaderboard',
  describe: 'Print the leaderboard of the latest (or a given) run of a benchmark',
  builder: (y: Argv) => y
    .option('benchmark', { alias: 'b', type: 'string', demandOption: true, describe: 'benchmark id or path' })
    .option('run', { type: 'number', describe: 'run id (default: the latest finished run)' })
    .option('set', { choices: ['live', 'final'] as const, default: 'live' as const, describe: 'which hidden set\'s latest run: live, or final (hiddenSets.final; scores withheld until `arbiter release`)' })
    .option('format', { alias: 'f', choices: ['table', 'json', 'csv', 'md'] as const, default: 'table' as const, describe: 'output format' })
    .option('json', { type: 'boolean', default: false, describe: 'the same as --format json: the run\'s ScoreResult as one JSON object' })
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
    .example('$0 leaderboard -b tabular-demo --format md', 'the latest demo run as a Markdown table'),
  handler: async (argv: Record<string, unknown>) => {
    const format = argv.json ? 'json' : argv.format as LeaderboardFormat;
    try {
      const { loadBenchmark } = await import('../../benchmark/loader.ts');
      const { Store } = await import('../../store/store.ts');
      const { formatLeaderboard, colorsFor } = await import('../../report/leaderboard.ts');
      const { FINAL_SET_SUFFIX, visibleResult, visibleLiveResult } = await import('../../run/final-set.ts');
      const b = loadBenchmark(argv.benchmark as string);
      const finalId = `${b.spec.id}${FINAL_SET_SUFFIX}`;
      const store = Store.open(argv.db as string, { read: true });
      try {
        const id = argv.set === 'final' ? finalId : b.spec.id;
        const run = argv.run !== undefined ? store.run(argv.run as number) : store.latestFinishedRun(id);
        if (!run || (run.benchmarkId !== b.spec.id && run.benchmarkId !== finalId)) {
          throw new ArbiterError('E_STORE', argv.run !== undefined ? `no run ${argv.run} of benchmark ${b.spec.id} in ${argv.db}` : `no finished run of benchmark ${id} in ${argv.db}; run \`arbiter score -b ${b.spec.id}${argv.set === 'final' ? ' --set final' : ''}\` first`);
        }
        if (run.status !== 'finished' || !run.resultJson) {
          throw new ArbiterError('E_STORE', `run ${run.id} is ${run.status}, not finished${run.status === 'running' ? `: finish it with \`arbiter score -b ${b.spec.id} --resume ${run.id} --db ${argv.db}\`` : ''}`, { run: run.id, status: run.status });
        }
        // A final-set run shows its scores only once the release is recorded in the store.
        const visible = visibleResult(store, run.benchmarkId, JSON.parse(run.resultJson) as ScoreResult);
        const { withheld } = visible;
        if (withheld) process.stderr.write(`run ${run.id} scored the final hidden set: scores withheld until \`arbiter release ${b.spec.id}\`\n`);
        if (withheld && format === 'json') { print(JSON.stringify({ ...visible.result, withheld: true })); return; }
        // leaderboard.live: public shows the public split until the release; the private ranking stays withheld.
        const { result, view } = withheld ? { result: visible.result, view: 'private' as const } : visibleLiveResult(store, b, visible.result);
        if (view === 'public') {
          process.stderr.write(`run ${run.id}: public leaderboard (public split); the private ranking is withheld until \`arbiter release ${b.spec.id}\`\n`);
          if (format === 'json') { print(JSON.stringify({ ...result, view: 'public' })); return; }
        }
        print(formatLeaderboard(result, format, { primaryMetric: b.primary, metricKeys: b.metricKeys, colors: format === 'table' ? colorsFor(process.stdout) : undefined }));
      } finally {
        store.close();
      }
    } catch (err) {
      reportError(err, format === 'json');
    }
  },
};
