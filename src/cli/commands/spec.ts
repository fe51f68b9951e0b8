// `arbiter spec schema | validate`: the JSON Schema of benchmark.yaml, and checking a spec and
// (unless --no-data) its hidden sets, with the same checks `arbiter score` makes before any submission.
import type { Argv } from 'yargs';
import { print, reportError } from '../io.ts';

export const specCommand = {
  command: 'spec <action>',
  describe: 'Benchmark spec tools (schema, validate)',
  builder: (y: Argv) => y
    .command({
      command: 'schema',
      describe: 'Print the JSON Schema of benchmark.yaml',
      builder: (yy: Argv) => yy
        .option('json', { type: 'boolean', default: false, describe: 'accepted for uniformity: the output is always one JSON object' })
        .example('$0 spec schema > benchmark.schema.json', 'for editors that validate YAML against a JSON Schema'),
      handler: async () => {
        const { benchmarkJsonSchema } = await import('../../benchmark/schema.ts');
        print(JSON.stringify(benchmarkJsonSchema(), null, 2));
      },
    })
    .command({
      command: 'validate <benchmark>',
      describe: 'Validate a benchmark spec and its hidden set(s), and print the spec hash',
      builder: (yy: Argv) => yy
        .positional('benchmark', { type: 'string', demandOption: true, describe: 'benchmark id (under ./benchmarks or bundled) or path to a folder or .yaml' })
        .option('data', { type: 'boolean', default: true, describe: 'also open every hidden set as `arbiter score` does (sha256, commitment, columns, labels, splits); --no-data checks the spec only' })
        .option('dataset-key-file', { type: 'string', describe: 'key file of an encrypted hidden set (default: the ARBITER_DATASET_KEY environment variable)' })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (id, version, specHash, file, data)' })
        .example('$0 spec validate benchmarks/my-bench', 'exit 0 and the spec hash, or exit 3 with file:line:col, field, expected and found')
        .example('$0 spec validate benchmarks/my-bench --no-data', 'the spec alone (no dataset read)'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { loadBenchmark } = await import('../../benchmark/loader.ts');
          const b = loadBenchmark(argv.benchmark as string);
          const data: Array<{ set: 'live' | 'final' } & import('../../data/check-data.ts').DataCheck> = [];
          if (argv.data !== false) {
            const { checkBenchmarkData } = await import('../../data/check-data.ts');
            const { finalSetBenchmark } = await import('../../run/final-set.ts');
            const opts = { keyFile: argv.datasetKeyFile as string | undefined };
            data.push({ set: 'live', ...await checkBenchmarkData(b, opts) });
            if (b.spec.hiddenSets?.final) data.push({ set: 'final', ...await checkBenchmarkData(finalSetBenchmark(b), opts) });
          }
          if (argv.json) print(JSON.stringify({ id: b.spec.id, version: b.spec.version, specHash: b.specHash, file: b.file, ...(argv.data !== false ? { data } : {}) }));
          else {
            print(`${b.file}: valid (${b.spec.id} v${b.spec.version}, spec hash ${b.specHash})`);
            for (const d of data) {
              print(`  ${d.set} set ${d.file}: ${d.rows} rows (${d.publicRows} public, ${d.privateRows} private), sha256 ok${d.commitment ? ', commitment ok' : ''}${d.encrypted ? ', decrypted in memory' : ''}`);
            }
            if (argv.data === false) print('  data not checked (--no-data)');
          }
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .demandCommand(1, 'name a spec action: schema or validate')
    .example('$0 spec validate tabular-demo', 'check the bundled demo spec'),
  handler: () => undefined,
};
