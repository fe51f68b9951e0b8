// `arbiter benchmarks`: the benchmarks `-b <id>` can name, local (./benchmarks, or --dir) and
// bundled, with id, version, task, dataset and path. A spec that does not validate is listed with
// its error code rather than stopping the listing.
import path from 'node:path';
import type { Argv } from 'yargs';
import { print, reportError } from '../io.ts';

export interface BenchmarkListing {
  id: string;
  version: number | null;
  task: string | null;
  dataset: string | null;
  /** benchmark.yaml, absolute */
  path: string;
  source: 'local' | 'bundled';
  /** true when a benchmark of the same id earlier in the lookup order is the one `-b <id>` loads */
  shadowed: boolean;
  error: { code: string; message: string } | null;
}

export const benchmarksCommand = {
  command: 'benchmarks',
  describe: 'List the benchmarks -b can name: local (./benchmarks) and bundled, with id, version, task, dataset and path',
  builder: (y: Argv) => y
    .option('dir', { type: 'string', describe: 'a folder of benchmarks to list first (as --benchmarks-dir elsewhere)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object {benchmarks: [{id, version, task, dataset, path, source, shadowed, error}]}' })
    .example('$0 benchmarks', 'what `arbiter score -b <id>` can find from here'),
  handler: async (argv: Record<string, unknown>) => {
    const json = argv.json as boolean;
    try {
      const { BUNDLED_BENCHMARKS_DIR, benchmarkDirs, benchmarkIdsIn, loadBenchmark } = await import('../../benchmark/loader.ts');
      const { toErrorData } = await import('../../errors.ts');
      const { formatTable } = await import('../../report/leaderboard.ts');
      const { displayPath } = await import('../io.ts');
      const list: BenchmarkListing[] = [];
      const seen = new Set<string>();
      for (const dir of benchmarkDirs(argv.dir as string | undefined)) {
        const source = path.resolve(dir) === path.resolve(BUNDLED_BENCHMARKS_DIR) ? 'bundled' : 'local';
        for (const id of benchmarkIdsIn([dir])) {
          const file = path.join(path.resolve(dir), id, 'benchmark.yaml');
          const entry: BenchmarkListing = { id, version: null, task: null, dataset: null, path: file, source, shadowed: seen.has(id), error: null };
          try {
            const b = loadBenchmark(file);
            entry.id = b.spec.id;
            entry.version = b.spec.version;
            entry.task = b.spec.task.type;
            entry.dataset = path.relative(b.dir, b.datasetPath);
          } catch (err) {
            const e = toErrorData(err);
            entry.error = { code: e.code, message: e.message };
          }
          seen.add(id);
          list.push(entry);
        }
      }
      if (json) { print(JSON.stringify({ benchmarks: list })); return; }
      if (list.length === 0) { print('no benchmarks found (run `arbiter init <id>` to make one)'); return; }
      print(formatTable(['id', 'version', 'task', 'dataset', 'source', 'path'], list.map((e) => [
        e.id, e.version === null ? '-' : String(e.version), e.task ?? e.error!.code, e.dataset ?? '-',
        `${e.source}${e.shadowed ? ' (shadowed)' : ''}`, displayPath(e.path),
      ]), { align: ['left', 'right'] }));
    } catch (err) {
      reportError(err, json);
    }
  },
};
