// `arbiter report <run> --html out.html`: one self-contained HTML page for a finished run.
import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { ArbiterError } from '../../errors.ts';
import { DEFAULT_DB } from '../../store/default-path.ts';
import { print, reportError } from '../io.ts';

export const reportCommand = {
  command: 'report <run>',
  describe: 'Write a self-contained HTML report of a finished run',
  builder: (y: Argv) => y
    .positional('run', { type: 'number', demandOption: true, describe: 'run id (see `arbiter score` output)' })
    .option('html', { type: 'string', demandOption: true, describe: 'output .html file' })
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (file, bytes, run, benchmark)' })
    .example('$0 report 1 --html report.html --db .arbiter/demo.db', 'the demo run as a web page'),
  handler: async (argv: Record<string, unknown>) => {
    try {
      const { Store } = await import('../../store/store.ts');
      const { renderHtmlReport } = await import('../../report/html.ts');
      const { parseBenchmarkJson } = await import('../../benchmark/loader.ts');
      const { ENGINE_VERSION } = await import('../../version.ts');
      const store = Store.open(argv.db as string, { read: true });
      try {
        const run = store.run(argv.run as number);
        if (!run || run.status !== 'finished' || !run.resultJson) {
          throw new ArbiterError('E_STORE', `no finished run ${argv.run} in ${argv.db}${run ? ` (it is ${run.status}${run.status === 'running' ? `; finish it with \`arbiter score -b ${run.benchmarkId} --resume ${run.id} --db ${argv.db}\`` : ''})` : ' (the run ids are printed by `arbiter score`; check --db)'}`, { run: argv.run, db: argv.db });
        }
        const { liveIdOf, scoresVisible } = await import('../../run/final-set.ts');
        if (!scoresVisible(store, run.benchmarkId)) {
          throw new ArbiterError('E_USAGE', `run ${run.id} scored the final hidden set (${run.benchmarkId}): its scores are withheld until \`arbiter release ${liveIdOf(run.benchmarkId)}\` records their release`);
        }
        const stored = JSON.parse(run.resultJson);
        const specJson = store.benchmarkSpec(run.benchmarkId, run.specHash);
        if (!specJson) throw new ArbiterError('E_STORE', `run ${run.id}: the store lacks the spec it was scored under (${run.specHash})`);
        const b = parseBenchmarkJson(specJson);
        // leaderboard.live: public: the report shows the public split until the release.
        const { visibleLiveResult } = await import('../../run/final-set.ts');
        const { resolvedTieBreak } = await import('../../benchmark/loader.ts');
        const loaded = { spec: b.spec, primary: b.primary, metricKeys: b.metricKeys, tieBreak: resolvedTieBreak(b.spec, b.metricKeys, b.primary) } as unknown as import('../../benchmark/loader.ts').LoadedBenchmark;
        const result = visibleLiveResult(store, loaded, stored).result;
        const submittedAt: Record<string, string> = {};
        for (const s of store.submissions(run.benchmarkId)) submittedAt[s.sha256] ??= s.submittedAt;
        const html = renderHtmlReport({
          ...result, generatedBy: `arbiter ${ENGINE_VERSION}`, higherIsBetter: b.higherIsBetter, primaryMetric: b.primary, submittedAt,
          startedAt: run.startedAt, finishedAt: run.finishedAt,
        });
        writeFileSync(argv.html as string, html);
        if (argv.json) print(JSON.stringify({ file: argv.html, bytes: Buffer.byteLength(html), run: run.id, benchmark: run.benchmarkId }));
        else print(`wrote ${argv.html} (${Buffer.byteLength(html)} bytes) for run ${run.id} of ${run.benchmarkId}`);
      } finally {
        store.close();
      }
    } catch (err) {
      reportError(err, argv.json as boolean);
    }
  },
};
