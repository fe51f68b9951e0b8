// `arbiter init <id>`: scaffold a new benchmark folder that passes `arbiter spec validate` at once.
import path from 'node:path';
import type { Argv } from 'yargs';
import { print, reportError } from '../io.ts';

export const initCommand = {
  command: 'init <id>',
  describe: 'Create a new benchmark folder: commented benchmark.yaml, a tiny dataset packed with its sha256, a public sample and a baseline ONNX model',
  builder: (y: Argv) => y
    .positional('id', { type: 'string', demandOption: true, describe: 'benchmark id: lowercase letters, digits and dashes' })
    .option('dir', { type: 'string', default: 'benchmarks', describe: 'parent folder; the benchmark goes to <dir>/<id> (never overwritten)' })
    .option('task', { type: 'string', choices: ['classification', 'regression', 'multiple-choice', 'sequence-classification', 'chat-loss'], describe: 'with --from: the task kind of the benchmark made from your file' })
    .option('from', { type: 'string', describe: 'your hidden set: a CSV (id, feature columns, label/target) for classification/regression, a JSONL file for language-model tasks; its sha256 goes into the spec' })
    .option('label', { type: 'string', describe: 'with --from a CSV: the label (classification) or target (regression) column (default: label / target)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (id, dir, files, specHash, datasetSha256, publicSampleSha256)' })
    .example('$0 init my-bench', 'then: arbiter spec validate my-bench && arbiter score -b my-bench')
    .example('$0 init my-bench --task classification --from hidden.csv', 'a benchmark of your own data, with a baseline submission'),
  handler: async (argv: Record<string, unknown>) => {
    const json = argv.json as boolean;
    try {
      const { scaffoldBenchmark } = await import('../../benchmark/scaffold.ts');
      const { scaffoldFromFile } = await import('../../benchmark/scaffold-from.ts');
      const { usageError } = await import('../io.ts');
      if ((argv.task === undefined) !== (argv.from === undefined)) throw usageError(`--task and --from go together: expected both (e.g. --task classification --from hidden.csv), found only ${argv.task === undefined ? '--from' : '--task'}`);
      const from = argv.from !== undefined;
      const r = from
        ? scaffoldFromFile(argv.id as string, argv.dir as string, argv.task as never, argv.from as string, { label: argv.label as string | undefined })
        : scaffoldBenchmark(argv.id as string, argv.dir as string);
      const baseline = r.files.find((f) => f.startsWith('submissions/baseline'));
      if (json) { print(JSON.stringify(r)); return; }
      const rel = path.relative(process.cwd(), r.dir) || '.';
      print([
        `created ${rel}/ (spec hash ${r.specHash})`,
        ...r.files.map((f) => `  ${f}`),
        '',
        'next:',
        `  arbiter spec validate ${rel}`,
        ...(from ? [] : [`  arbiter check ${path.join(rel, 'submissions/baseline.onnx')} -b ${rel}`]),
        `  arbiter score -b ${rel}${baseline ? '' : ' -s <your model folder>'}`,
        'keep split.key secret: it decides which rows are public (.gitignore keeps it out of git)',
      ].join('\n'));
    } catch (err) {
      reportError(err, json);
    }
  },
};
