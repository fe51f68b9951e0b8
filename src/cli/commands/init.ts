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
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (id, dir, files, specHash, datasetSha256, publicSampleSha256)' })
    .example('$0 init my-bench', 'then: arbiter spec validate my-bench && arbiter score -b my-bench'),
  handler: async (argv: Record<string, unknown>) => {
    const json = argv.json as boolean;
    try {
      const { scaffoldBenchmark } = await import('../../benchmark/scaffold.ts');
      const r = scaffoldBenchmark(argv.id as string, argv.dir as string);
      if (json) { print(JSON.stringify(r)); return; }
      const rel = path.relative(process.cwd(), r.dir) || '.';
      print([
        `created ${rel}/ (spec hash ${r.specHash})`,
        ...r.files.map((f) => `  ${f}`),
        '',
        'next:',
        `  arbiter spec validate ${rel}`,
        `  arbiter check ${path.join(rel, 'submissions/baseline.onnx')} -b ${rel}`,
        `  arbiter score -b ${rel}`,
        'keep split.key secret: it decides which rows are public',
      ].join('\n'));
    } catch (err) {
      reportError(err, json);
    }
  },
};
