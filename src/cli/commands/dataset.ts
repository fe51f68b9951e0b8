// `arbiter dataset pack`: CSV or JSONL -> Arrow IPC stream with a checked schema and a sha256.
// `commit` / `reveal`: the Merkle root a host publishes (Arrow or JSONL set), and the check of a
// revealed file against it. `keygen` / `encrypt`: hidden sets at rest (the key comes from a file or
// ARBITER_DATASET_KEY, never from the command line). `sample`: the public sample drawn from a
// public pool. `inputs` / `sample-submission`: what a prediction-file competition hands out.
import path from 'node:path';
import type { Argv } from 'yargs';
import { print, reportError, usageError } from '../io.ts';

const keyFileOption = { type: 'string', describe: 'file holding the dataset key (64 hex characters); default: the ARBITER_DATASET_KEY environment variable' } as const;

/** The key for `file` when it is encrypted (from --key-file or the environment), else undefined. */
async function keyIfEncrypted(file: string, keyFile: string | undefined): Promise<Buffer | undefined> {
  const { existsSync } = await import('node:fs');
  const { isEncryptedFile, loadDatasetKey } = await import('../../data/encryption.ts');
  if (!existsSync(file)) return undefined; // the reader reports the missing file with its code
  return isEncryptedFile(file) ? loadDatasetKey({ keyFile }) : undefined;
}

/** The benchmark (live or final set) and its hidden set, prepared as `arbiter score` would. */
async function preparedFor(argv: Record<string, unknown>, command: string) {
  const { loadBenchmark } = await import('../../benchmark/loader.ts');
  const { assertPredictionBenchmark } = await import('../../data/host-files.ts');
  const { prepareDataset } = await import('../../data/prepare.ts');
  let b = loadBenchmark(argv.benchmark as string);
  assertPredictionBenchmark(b, command);
  if (argv.set === 'final') b = (await import('../../run/final-set.ts')).finalSetBenchmark(b);
  if (argv.set === 'sample') {
    // The public sample as the dataset: a plain file with no Merkle root of its own.
    const sample = b.spec.dataset.publicSample;
    if (sample === undefined) throw usageError(`--set sample: benchmark ${b.spec.id} has no dataset.publicSample`);
    const file = path.resolve(b.dir, sample);
    const { sha256File } = await import('../../data/file-hash.ts');
    const sha256 = await sha256File(file).catch(() => { throw usageError(`--set sample: expected the public sample at ${file}, found no readable file`); });
    const { encrypted: _e, commitment: _c, ...dataset } = b.spec.dataset;
    b = { ...b, spec: { ...b.spec, dataset: { ...dataset, path: file, sha256 } }, datasetPath: file };
  }
  const data = await prepareDataset(b, { keyFile: argv.datasetKeyFile as string | undefined });
  return { b, data };
}

export const datasetCommand = {
  command: 'dataset <action>',
  describe: 'Dataset tools (pack, commit, reveal, keygen, encrypt, sample, inputs, sample-submission)',
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
    .command({
      command: 'commit <file>',
      describe: 'Print the Merkle root over the rows of a dataset (publish it before the competition)',
      builder: (yy: Argv) => yy
        .positional('file', { type: 'string', demandOption: true, describe: 'Arrow IPC stream or JSONL file (one row per line), or a file from `dataset encrypt`' })
        .option('key-file', keyFileOption)
        .option('id-column', { type: 'string', default: 'id', describe: 'row id column (Arrow: rows sorted by it; JSONL: the optional id field, else the line number)' })
        .option('json', { type: 'boolean', default: false })
        .example('$0 dataset commit hidden.arrow', 'print the root to put in dataset.commitment'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { commitFile } = await import('../../data/commitment.ts');
          const file = argv.file as string;
          const key = await keyIfEncrypted(file, argv.keyFile as string | undefined);
          const c = await commitFile(file, { ...(key ? { key } : {}), idColumn: argv.idColumn as string });
          if (argv.json) print(JSON.stringify(c));
          else print(`${c.root}\n${c.rowCount} rows · ${c.format} · commitment v${c.version} · schema ${c.schemaHash.slice(0, 16)}`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .command({
      command: 'reveal <file>',
      describe: 'Check a revealed dataset against the Merkle root published before the competition',
      builder: (yy: Argv) => yy
        .positional('file', { type: 'string', demandOption: true, describe: 'the revealed Arrow IPC stream or JSONL file (or encrypted file)' })
        .option('root', { type: 'string', demandOption: true, describe: 'the published root (64 hex characters)' })
        .option('key-file', keyFileOption)
        .option('id-column', { type: 'string', default: 'id' })
        .option('json', { type: 'boolean', default: false })
        .example('$0 dataset reveal hidden.arrow --root 3f2a...', 'exit 0 when the file is the committed set, 3 (E_DATASET_COMMITMENT) otherwise'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { assertCommitment, commitFile } = await import('../../data/commitment.ts');
          const root = String(argv.root).trim().toLowerCase();
          if (!/^[0-9a-f]{64}$/.test(root)) throw usageError(`--root must be 64 hex characters, found ${root.length} characters`);
          const file = argv.file as string;
          const key = await keyIfEncrypted(file, argv.keyFile as string | undefined);
          const c = await commitFile(file, { ...(key ? { key } : {}), idColumn: argv.idColumn as string });
          assertCommitment(c, root);
          if (argv.json) print(JSON.stringify({ match: true, ...c }));
          else print(`match: ${file} is the committed set (${c.rowCount} rows, root ${c.root})`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .command({
      command: 'keygen',
      describe: 'Write a new random dataset key (64 hex characters) to a file readable only by you',
      builder: (yy: Argv) => yy
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'key file to create (never overwritten)' })
        .example('$0 dataset keygen -o hidden.key', 'then: arbiter dataset encrypt hidden.arrow -o hidden.arrow.enc --key-file hidden.key'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { writeFileSync } = await import('node:fs');
          const { generateDatasetKey } = await import('../../data/encryption.ts');
          const out = argv.out as string;
          try {
            writeFileSync(out, `${generateDatasetKey()}\n`, { flag: 'wx', mode: 0o600 });
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            throw usageError(`cannot create key file ${out}: ${code === 'EEXIST' ? 'it already exists (a key is never overwritten)' : code ?? (e as Error).message}`);
          }
          print(`wrote a new dataset key to ${out} (mode 600)`);
        } catch (err) {
          reportError(err);
        }
      },
    })
    .command({
      command: 'encrypt <input>',
      describe: 'Encrypt a hidden set (Arrow IPC stream or JSONL) with AES-256-GCM (the key from --key-file or ARBITER_DATASET_KEY)',
      builder: (yy: Argv) => yy
        .positional('input', { type: 'string', demandOption: true, describe: 'Arrow IPC stream or JSONL file' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'encrypted output file' })
        .option('key-file', keyFileOption)
        .option('json', { type: 'boolean', default: false })
        .example('$0 dataset encrypt hidden.arrow -o hidden.arrow.enc --key-file hidden.key', 'then set dataset.path to the .enc file and dataset.encrypted: true'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { encryptFile, loadDatasetKey } = await import('../../data/encryption.ts');
          const { sha256File } = await import('../../data/file-hash.ts');
          const input = argv.input as string;
          const out = argv.out as string;
          if (path.resolve(input) === path.resolve(out)) throw usageError('--out must differ from the input file');
          const key = loadDatasetKey({ keyFile: argv.keyFile as string | undefined });
          const sha256 = await sha256File(input);
          const res = await encryptFile(input, out, key);
          if (argv.json) print(JSON.stringify({ out, bytes: res.bytes, sha256 }));
          else print(`encrypted ${input} into ${out} (${res.bytes} bytes)\nsha256 ${sha256} (of the plaintext: dataset.sha256, with dataset.encrypted: true)`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .command({
      command: 'sample <pool>',
      describe: 'Draw the public sample: N rows of a public pool chosen by a seeded hash of their ids',
      builder: (yy: Argv) => yy
        .positional('pool', { type: 'string', demandOption: true, describe: 'Arrow IPC stream of public rows (disjoint from the hidden set)' })
        .option('rows', { type: 'number', demandOption: true, describe: 'rows in the sample' })
        .option('seed', { type: 'string', demandOption: true, describe: 'selection key (publish it: anyone can re-derive the sample)' })
        .option('hidden', { type: 'string', describe: 'the hidden set: the sample must share its schema and none of its ids' })
        .option('key-file', { ...keyFileOption, describe: 'key of an encrypted --hidden file (default: ARBITER_DATASET_KEY)' })
        .option('id-column', { type: 'string', default: 'id' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output Arrow IPC stream' })
        .option('json', { type: 'boolean', default: false })
        .example('$0 dataset sample pool.arrow --rows 500 --seed 2026 --hidden hidden.arrow -o sample.arrow', 'the sample participants download'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { writeFileSync } = await import('node:fs');
          const { createHash } = await import('node:crypto');
          const { openArrowStream } = await import('../../data/arrow-stream.ts');
          const { decryptToBuffer } = await import('../../data/encryption.ts');
          const { samplePublic } = await import('../../data/sample.ts');
          const batchesOf = (source: string | { name: string; bytes: Uint8Array }, what: string) => async function* () {
            yield* (await openArrowStream(source, what)).batches;
          };
          const hiddenFile = argv.hidden as string | undefined;
          let hidden: (() => AsyncIterable<import('apache-arrow').RecordBatch>) | undefined;
          if (hiddenFile !== undefined) {
            const key = await keyIfEncrypted(hiddenFile, argv.keyFile as string | undefined);
            hidden = batchesOf(key ? { name: hiddenFile, bytes: decryptToBuffer(hiddenFile, key) } : hiddenFile, 'hidden set');
          }
          const bytes = await samplePublic(batchesOf(argv.pool as string, 'pool'), {
            rows: argv.rows as number, seed: argv.seed as string, idColumn: argv.idColumn as string, ...(hidden ? { hidden } : {}),
          });
          const out = argv.out as string;
          writeFileSync(out, bytes);
          const sha256 = createHash('sha256').update(bytes).digest('hex');
          if (argv.json) print(JSON.stringify({ out, rows: argv.rows, bytes: bytes.length, sha256 }));
          else print(`wrote ${argv.rows} sampled rows to ${out} (${bytes.length} bytes)\nsha256 ${sha256}`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .command({
      command: 'inputs',
      describe: 'Write the ids and model input columns of a hidden set (never labels) for a prediction-file competition',
      builder: (yy: Argv) => yy
        .option('benchmark', { alias: 'b', type: 'string', demandOption: true, describe: 'benchmark id or path (a classification or regression benchmark)' })
        .option('set', { type: 'string', choices: ['live', 'final', 'sample'], default: 'live', describe: 'hidden set: live (dataset) or final (hiddenSets.final); sample: the public sample (dataset.publicSample), which `arbiter check` scores' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output file: .csv (list columns as <name>_0..) or .arrow (the Arrow types kept)' })
        .option('dataset-key-file', { type: 'string', describe: 'key file of an encrypted hidden set (default: ARBITER_DATASET_KEY)' })
        .option('json', { type: 'boolean', default: false })
        .example('$0 dataset inputs -b my-bench -o inputs.csv', 'what participants predict on'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { b, data } = await preparedFor(argv, 'dataset inputs');
          const { writeInputs } = await import('../../data/host-files.ts');
          const out = argv.out as string;
          if (path.resolve(out) === path.resolve(b.datasetPath)) throw usageError('--out must differ from the hidden set file');
          const res = await writeInputs(b, data, out);
          if (argv.json) print(JSON.stringify({ out, set: argv.set, rows: res.rows, columns: res.columns }));
          else print(`wrote ${res.rows} rows of ${argv.set} set inputs to ${out} (columns ${res.columns.join(', ')})`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .command({
      command: 'sample-submission',
      describe: 'Write a valid constant prediction file (CSV) for every row of a hidden set',
      builder: (yy: Argv) => yy
        .option('benchmark', { alias: 'b', type: 'string', demandOption: true, describe: 'benchmark id or path (a classification or regression benchmark)' })
        .option('set', { type: 'string', choices: ['live', 'final', 'sample'], default: 'live', describe: 'hidden set: live (dataset) or final (hiddenSets.final); sample: the public sample (dataset.publicSample), which `arbiter check` scores' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output .csv file' })
        .option('dataset-key-file', { type: 'string', describe: 'key file of an encrypted hidden set (default: ARBITER_DATASET_KEY)' })
        .option('json', { type: 'boolean', default: false })
        .example('$0 dataset sample-submission -b my-bench -o sample-submission.csv', 'the format participants fill in'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const out = argv.out as string;
          if (!out.endsWith('.csv')) throw usageError(`--out must end in .csv, found ${out}`);
          const { b, data } = await preparedFor(argv, 'dataset sample-submission');
          const { writeFileSync } = await import('node:fs');
          const { hiddenIds, sampleSubmissionCsv } = await import('../../data/host-files.ts');
          const { csv, layout } = sampleSubmissionCsv(b, await hiddenIds(data));
          writeFileSync(out, csv);
          if (argv.json) print(JSON.stringify({ out, set: argv.set, rows: data.rows, layout }));
          else print(`wrote a sample submission for ${data.rows} rows to ${out}: ${layout}`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .demandCommand(1, 'name a dataset action: pack, commit, reveal, keygen, encrypt, sample, inputs, sample-submission')
    .example('$0 dataset pack data.csv --schema schema.yaml -o data.arrow', 'then put the printed sha256 in benchmark.yaml'),
  handler: () => undefined,
};
