// `arbiter score`: score submissions against a benchmark and print the leaderboard.
import type { Argv } from 'yargs';
import { DEFAULT_DB, defaultWorkerCount } from '../defaults.ts';
import { print, reportError } from '../io.ts';

export interface ScoreArgs {
  benchmark: string; submissions?: string[]; workers: number; db: string; json: boolean; taskRows?: number; benchmarksDir?: string; resume?: number;
}

export async function runScoreCommand(args: ScoreArgs): Promise<void> {
  try {
    const { loadBenchmark } = await import('../../spec/loader.ts');
    const { score } = await import('../../engine/score-job.ts');
    const { formatLeaderboard, colorsFor } = await import('../output.ts');
    const { createProgress } = await import('../../report/progress.ts');
    const b = loadBenchmark(args.benchmark, args.benchmarksDir);
    const progress = args.json ? null : createProgress({ total: 0, label: `scoring ${b.spec.id}` });
    let ticked = 0;
    const result = await score({
      benchmark: b.file, submissions: args.submissions, workers: args.workers, db: args.db, taskRows: args.taskRows, resume: args.resume,
      onProgress: (p) => { progress?.setTotal(p.total); progress?.tick(p.done - ticked); ticked = p.done; },
    });
    progress?.done();
    if (args.json) print(JSON.stringify(result));
    else {
      print(`run ${result.run.id} · ${b.spec.id} v${b.spec.version} · ranked on the ${b.spec.ranking.split} split by ${b.primary} · workers ${args.workers}`);
      print(formatLeaderboard(result, 'table', { primaryMetric: b.primary, metricKeys: b.metricKeys, colors: colorsFor(process.stdout) }));
    }
  } catch (err) {
    reportError(err, args.json);
  }
}

export const scoreCommand = {
  command: 'score',
  describe: 'Score submissions against a benchmark and print the ranked leaderboard',
  builder: (y: Argv) => y
    .option('benchmark', { alias: 'b', type: 'string', demandOption: true, describe: 'benchmark id (under ./benchmarks or bundled) or path' })
    .option('submissions', { alias: 's', type: 'string', array: true, describe: 'submission files or folders (default: the benchmark\'s submissions/ folder plus everything registered with `arbiter submit`)' })
    .option('workers', { alias: 'w', type: 'number', default: defaultWorkerCount(), describe: 'inference worker threads' })
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (benchmark, run, rows) on stdout' })
    .option('task-rows', { type: 'number', describe: 'rows per worker task, rounded to whole batches (speed only, never results)' })
    .option('resume', { type: 'number', describe: 'continue an interrupted run from its journal (same benchmark files required)' })
    .example('$0 score -b tabular-demo --resume 3', 'finish run 3 after a crash; scores are identical to an uninterrupted run')
    .example('$0 score --benchmark tabular-demo', 'score the demo\'s bundled submissions')
    .example('$0 score -b tabular-demo -s my-model.onnx --workers 2 --json', 'score one file, machine-readable'),
  handler: (argv: Record<string, unknown>) => runScoreCommand({
    benchmark: argv.benchmark as string, submissions: argv.submissions as string[] | undefined, workers: argv.workers as number,
    db: argv.db as string, json: argv.json as boolean, taskRows: argv.taskRows as number | undefined, resume: argv.resume as number | undefined,
  }),
};
