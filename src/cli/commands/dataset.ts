// `arbiter dataset pack`: CSV or JSONL -> Arrow IPC stream with a checked schema and a sha256.
import path from 'node:path';
import type { Argv } from 'yargs';
import { print, reportError } from '../io.ts';

export const datasetCommand = {
  command: 'dataset <action>',
  describe: 'Dataset tools (pack)',
  builder: (y: Argv) => y
    .command({
      command: 'pack <input>',
      describe: 'Pack a CSV or JSONL file into an Arrow IPC stream, checked against a schema',
      builder: (yy: Argv) => yy
        .positional('input', { type: 'string', demandOption: true, describe: '.csv or .jsonl file' })
        .option('schema', { type: 'string', demandOption: true, describe: 'YAML/JSON schema: id column and typed columns (docs/datasets.md)' })
        .option('out', { alias: 'o', type: 'string', describe: 'output .arrow file (default: input name with .arrow)' })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (rows, sha256, bytes, out)' })
        .example('$0 dataset pack datasets/tabular-demo/hidden.csv --schema datasets/tabular-demo/schema.yaml -o /tmp/hidden.arrow', 'pack the demo set'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { loadPackSchema, packDataset } = await import('../../data/pack.ts');
          const input = argv.input as string;
          const out = (argv.out as string | undefined) ?? input.replace(/\.[^./]+$/, '') + '.arrow';
          const res = packDataset(input, loadPackSchema(argv.schema as string), out);
          if (argv.json) print(JSON.stringify(res));
          else print(`packed ${res.rows} rows into ${path.relative(process.cwd(), res.out) || res.out} (${res.bytes} bytes)\nsha256 ${res.sha256}`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .demandCommand(1, 'name a dataset action: pack')
    .example('$0 dataset pack data.csv --schema schema.yaml -o data.arrow', 'then put the printed sha256 in benchmark.yaml'),
  handler: () => undefined,
};
