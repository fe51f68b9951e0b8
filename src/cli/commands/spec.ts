// `arbiter spec schema | validate`: the JSON Schema of benchmark.yaml, and checking a spec.
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
      describe: 'Validate a benchmark spec and print its hash',
      builder: (yy: Argv) => yy
        .positional('benchmark', { type: 'string', demandOption: true, describe: 'benchmark id (under ./benchmarks or bundled) or path to a folder or .yaml' })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (id, version, specHash, file)' })
        .example('$0 spec validate benchmarks/my-bench', 'exit 0 and the spec hash, or exit 3 with file:line:col, field, expected and found'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { loadBenchmark } = await import('../../benchmark/loader.ts');
          const b = loadBenchmark(argv.benchmark as string);
          if (argv.json) print(JSON.stringify({ id: b.spec.id, version: b.spec.version, specHash: b.specHash, file: b.file }));
          else print(`${b.file}: valid (${b.spec.id} v${b.spec.version}, spec hash ${b.specHash})`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .demandCommand(1, 'name a spec action: schema or validate')
    .example('$0 spec validate tabular-demo', 'check the bundled demo spec'),
  handler: () => undefined,
};
