// `arbiter check`: a participant's dry run. The admission rules of `arbiter score` and a scoring
// pass on the benchmark's public sample; exit 0 when the submission would be admitted and
// scored, 3 when not.
import type { Argv } from 'yargs';
import { print, reportError } from '../io.ts';

export const checkCommand = {
  command: 'check <submission>',
  describe: 'Check a submission before you send it: the admission rules of `arbiter score` and a scoring pass on the public sample (never the hidden set)',
  builder: (y: Argv) => y
    .positional('submission', { type: 'string', demandOption: true, describe: 'an .onnx model, or a .csv/.arrow prediction file with one row per public-sample id' })
    .option('benchmark', { alias: 'b', type: 'string', demandOption: true, describe: 'benchmark id (under ./benchmarks or bundled) or path' })
    .option('workers', { alias: 'w', type: 'number', default: 1, describe: 'inference worker threads for the sample pass' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (benchmark, submission, sample, rules, sampleScores, ok) on stdout' })
    .example('$0 check my-model.onnx -b tabular-demo', 'every rule with pass/fail and the metrics on the public sample')
    .example('$0 check my-model.onnx -b tabular-demo --json', 'the same as one JSON object; exit 0 admitted, 3 not'),
  handler: async (argv: Record<string, unknown>) => {
    const json = argv.json as boolean;
    try {
      const { loadBenchmark } = await import('../../benchmark/loader.ts');
      const { checkSubmission } = await import('../../run/check.ts');
      const { formatCheckReport } = await import('../check-output.ts');
      const { colorsFor } = await import('../../report/leaderboard.ts');
      const b = loadBenchmark(argv.benchmark as string);
      const report = await checkSubmission(b, argv.submission as string, { workers: argv.workers as number });
      if (json) print(JSON.stringify(report));
      else print(formatCheckReport(report, { primaryMetric: b.primary, metricKeys: b.metricKeys, colors: colorsFor(process.stdout) }));
      process.exitCode = report.ok ? 0 : 3;
    } catch (err) {
      reportError(err, json);
    }
  },
};
