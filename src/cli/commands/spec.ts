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
      handler: async () => {
        const { benchmarkJsonSchema } = await import('../../spec/schema.ts');
        print(JSON.stringify(benchmarkJsonSchema(), null, 2));
      },
    })
    .command({
      command: 'validate <benchmark>',
      describe: 'Validate a benchmark spec and print its hash',
      builder: (yy: Argv) => yy.positional('benchmark', { type: 'string', demandOption: true }).option('json', { type: 'boolean', default: false }),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { loadBenchmark } = await import('../../spec/loader.ts');
          const b = loadBenchmark(argv.benchmark as string);
          if (argv.json) print(JSON.stringify({ id: b.spec.id, version: b.spec.version, specHash: b.specHash, file: b.file }));
          else print(`${b.file}: valid (${b.spec.id} v${b.spec.version}, spec hash ${b.specHash})`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .demandCommand(1, 'name a spec action: schema or validate'),
  handler: () => undefined,
};
