// prepareDataset: the commitment check, schema checks against the spec, ascending unique ids,
// valid labels (without ever printing a label value), and the split mask.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Field, FixedSizeList, Float32, Float64, Int32, Int64, LargeUtf8, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Utf8,
  vectorFromArray, type Data, type DataType,
} from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { inputRequests, labelRequest, prepareDataset } from '../../src/data/prepare.ts';
import { sha256File } from '../../src/data/file-hash.ts';
import { PUBLIC, splitOf } from '../../src/data/split.ts';
import { sha256Hex } from '../../src/benchmark/canonical.ts';
import { loadBenchmark, parseBenchmark, type LoadedBenchmark } from '../../src/benchmark/loader.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-prepare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

type Col = { name: string; type: DataType; values: ArrayLike<number | bigint> | string[]; width?: number };

/** Write columns as an Arrow IPC stream (one batch per `batchRows` rows); returns its sha256. */
function writeArrow(file: string, cols: Col[], batchRows = 1 << 20): string {
  const rows = cols[0]!.values.length / (cols[0]!.width ?? 1);
  const fields = cols.map((c) => new Field(c.name, c.width ? new FixedSizeList(c.width, new Field('item', c.type, false)) : c.type, false));
  const schema = new Schema(fields);
  const w = new RecordBatchStreamWriter();
  for (let from = 0; from < rows || (rows === 0 && from === 0); from += batchRows) {
    const to = Math.min(rows, from + batchRows);
    const children: Data[] = cols.map((c, i) => {
      if (c.type instanceof Utf8 || c.type instanceof LargeUtf8) return vectorFromArray((c.values as string[]).slice(from, to), c.type).data[0]!;
      const wd = c.width ?? 1;
      const data = (c.values as unknown as { slice(a: number, b: number): unknown }).slice(from * wd, to * wd);
      const flat = makeData({ type: c.type as never, length: (to - from) * wd, nullCount: 0, data: data as never });
      return c.width ? makeData({ type: fields[i]!.type as FixedSizeList, length: to - from, nullCount: 0, child: flat }) : flat;
    });
    w.write(new RecordBatch(schema, makeData({ type: new Struct(fields), length: to - from, nullCount: 0, children })));
  }
  w.finish();
  const bytes = w.toUint8Array(true);
  writeFileSync(file, bytes);
  return sha256Hex(bytes);
}

function spec(opts: { data: string; sha: string; task?: string; metrics?: string; idColumn?: string; fraction?: number; output?: string }): LoadedBenchmark {
  const text = [
    'id: prep',
    'version: 1',
    'task:',
    opts.task ?? '  type: classification\n  numClasses: 3\n  labelColumn: label',
    'dataset:',
    `  path: ${opts.data}`,
    `  sha256: ${opts.sha}`,
    ...(opts.idColumn ? [`  idColumn: ${opts.idColumn}`] : []),
    'model:',
    '  inputs:',
    '    - { name: x, column: features, dtype: float32, shape: [batch, 2] }',
    '  outputs:',
    `    - { name: y, dtype: float32, shape: ${opts.output ?? '[batch, 3]'} }`,
    'batching: { size: 4 }',
    `metrics: ${opts.metrics ?? '[{ name: accuracy }]'}`,
    `split: { key: prepare-test-key, publicFraction: ${opts.fraction ?? 0.5} }`,
  ].join('\n');
  return parseBenchmark(text, path.join(tmp, 'benchmark.yaml'));
}

const REGRESSION = { task: '  type: regression\n  targetColumn: target', metrics: '[{ name: mse }]', output: '[batch]' };

/** A classification dataset with the given ids and labels, two float32 features per row. */
function dataset(ids: bigint[] | string[], labels: number[], extra: Partial<{ labelType: DataType; labelValues: ArrayLike<number | bigint> }> = {}): LoadedBenchmark {
  const file = `data-${n++}.arrow`;
  const idCol: Col = typeof ids[0] === 'string'
    ? { name: 'id', type: new Utf8(), values: ids as string[] }
    : { name: 'id', type: new Int64(), values: BigInt64Array.from(ids as bigint[]) };
  const sha = writeArrow(path.join(tmp, file), [
    idCol,
    { name: 'features', type: new Float32(), width: 2, values: Float32Array.from({ length: ids.length * 2 }, (_, i) => i / 8) },
    { name: 'label', type: extra.labelType ?? new Int32(), values: extra.labelValues ?? Int32Array.from(labels) },
  ]);
  return spec({ data: file, sha });
}

async function prepError(b: LoadedBenchmark, code = 'E_DATASET_INVALID'): Promise<ArbiterError> {
  try {
    await prepareDataset(b);
  } catch (err) {
    expect(err).toBeInstanceOf(ArbiterError);
    expect((err as ArbiterError).code).toBe(code);
    return err as ArbiterError;
  }
  return expect.unreachable('prepareDataset accepted the dataset') as never;
}

describe('prepareDataset: happy paths', () => {
  it('the bundled demo: 3000 rows, commitment ok, split mask from the keyed hash', async () => {
    const b = loadBenchmark('tabular-demo');
    const p = await prepareDataset(b);
    expect(p.rows).toBe(3000);
    expect(p.sha256).toBe(b.spec.dataset.sha256);
    expect(p.idKind).toBe('int64');
    expect(p.splitMask).toHaveLength(3000);
    expect(p.publicRows).toBe(p.splitMask.reduce((a, v) => a + v, 0));
    expect(Math.abs(p.publicRows / 3000 - 0.3)).toBeLessThan(0.03);
    expect(p.inputColumns).toEqual([{ name: 'features', kind: 'float32', width: 32, role: 'input "features"' }]);
    expect(p.labelColumn).toEqual({ name: 'label', kind: 'int32', width: 1, role: 'label' });
    expect(p.idColumn).toEqual({ name: 'id', kind: 'int64', width: 1, role: 'row id' });
  });

  it('split mask bits are splitOf(key, canonical id) in file order, across several record batches', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => BigInt(i * 5 - 400));
    const file = 'multi-batch.arrow';
    const sha = writeArrow(path.join(tmp, file), [
      { name: 'id', type: new Int64(), values: BigInt64Array.from(ids) },
      { name: 'features', type: new Float32(), width: 2, values: new Float32Array(600) },
      { name: 'label', type: new Int64(), values: BigInt64Array.from(ids, (v) => BigInt(Number(v < 0n ? -v : v) % 3)) },
    ], 37);
    const b = spec({ data: file, sha, fraction: 0.4 });
    const p = await prepareDataset(b);
    expect(p.rows).toBe(300);
    expect(Array.from(p.splitMask)).toEqual(ids.map((id) => splitOf(b.splitKey, id.toString(), 0.4)));
    expect(p.publicRows).toBe(p.splitMask.filter((v) => v === PUBLIC).length);
    expect(p.labelColumn.kind).toBe('int64');
  });

  it('utf8 ids ascend by UTF-8 bytes', async () => {
    const b = dataset(['A', 'B', 'a', 'b', 'é'], [0, 1, 2, 0, 1]);
    const p = await prepareDataset(b);
    expect(p.idKind).toBe('utf8');
    expect(Array.from(p.splitMask)).toEqual(['A', 'B', 'a', 'b', 'é'].map((id) => splitOf(b.splitKey, id, 0.5)));
  });

  it('LargeUtf8 ids (pyarrow large_string) are utf8 ids', async () => {
    const file = 'large-utf8.arrow';
    const ids = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    const sha = writeArrow(path.join(tmp, file), [
      { name: 'id', type: new LargeUtf8(), values: ids },
      { name: 'features', type: new Float32(), width: 2, values: new Float32Array(12) },
      { name: 'label', type: new Int32(), values: Int32Array.from([0, 1, 2, 0, 1, 2]) },
    ]);
    const b = spec({ data: file, sha });
    const p = await prepareDataset(b);
    expect(p.idKind).toBe('utf8');
    expect(p.idColumn.kind).toBe('utf8');
    expect(Array.from(p.splitMask)).toEqual(ids.map((id) => splitOf(b.splitKey, id, 0.5)));
  });

  it('a regression target may be float64 or an integer type', async () => {
    const file = 'reg.arrow';
    const sha = writeArrow(path.join(tmp, file), [
      { name: 'id', type: new Int64(), values: BigInt64Array.from([1n, 2n, 3n]) },
      { name: 'features', type: new Float32(), width: 2, values: new Float32Array(6) },
      { name: 'target', type: new Float64(), values: Float64Array.from([0.5, -2, 1e300]) },
    ]);
    const p = await prepareDataset(spec({ data: file, sha, ...REGRESSION }));
    expect(p.rows).toBe(3);
    expect(p.labelColumn).toEqual({ name: 'target', kind: 'float64', width: 1, role: 'target' });
  });

  it('inputRequests and labelRequest follow the spec', () => {
    const b = dataset([1n], [0]);
    expect(inputRequests(b)).toEqual([{ name: 'features', kind: 'float32', width: 2, role: 'input "x"' }]);
    expect(labelRequest(b)).toEqual({ name: 'label', kind: 'int64', width: 1, role: 'label' });
  });
});

describe('prepareDataset: refusals', () => {
  it('commitment mismatch names both hashes', async () => {
    const good = dataset([1n, 2n], [0, 1]);
    const wrong = 'f'.repeat(64);
    const b = spec({ data: path.basename(good.datasetPath), sha: wrong });
    const e = await prepError(b, 'E_DATASET_COMMITMENT');
    const actual = good.spec.dataset.sha256; // sha256Hex of the bytes written
    expect(await sha256File(good.datasetPath)).toBe(actual);
    expect(e.message).toBe(`dataset ${good.datasetPath}: the spec commits to sha256 ${wrong}, the file has ${actual}`);
    expect(e.details).toEqual({ file: good.datasetPath, expected: wrong, found: actual });
  });

  it('a missing dataset file', async () => {
    const e = await prepError(spec({ data: 'no-such.arrow', sha: 'a'.repeat(64) }));
    expect(e.message).toBe(`dataset ${path.join(tmp, 'no-such.arrow')}: expected a readable file, but it does not exist`);
  });

  it('unsorted ids name the row and both ids', async () => {
    const e = await prepError(dataset([1n, 5n, 3n, 7n], [0, 0, 0, 0]));
    expect(e.message).toMatch(/: row ids must be unique and ascending; row 3 has id 3 after 5$/);
    expect(e.details).toMatchObject({ row: 3 });
    const s = await prepError(dataset(['a', 'c', 'b'], [0, 0, 0]));
    expect(s.message).toMatch(/row 3 has id b after c$/);
  });

  it('duplicate ids are called duplicates', async () => {
    const e = await prepError(dataset([1n, 2n, 2n, 3n], [0, 0, 0, 0]));
    expect(e.message).toMatch(/row ids must be unique and ascending; row 3 has id 2 after 2 \(a duplicate\)$/);
  });

  it('class id out of range names the row but never the label value', async () => {
    for (const bad of [987654, -31337, 3]) {
      const e = await prepError(dataset([10n, 20n, 30n], [0, bad, 1]));
      expect(e.message).toMatch(/: row 2: expected a class id in 0\.\.2, found a value outside it$/);
      expect(e.details).toEqual({ file: expect.any(String), row: 2 });
      if (bad !== 3) expect(e.message + JSON.stringify(e.details) + String(e.stack)).not.toContain(String(bad));
    }
    // int64 label beyond the int32 range
    const big = await prepError(dataset([1n, 2n], [], { labelType: new Int64(), labelValues: BigInt64Array.from([0n, 8_000_000_000n]) }));
    expect(big.message).toMatch(/row 2: expected a class id in 0\.\.2/);
    expect(big.message).not.toContain('8000000000');
  });

  it('label column missing or of the wrong type', async () => {
    const file = 'nolabel.arrow';
    const sha = writeArrow(path.join(tmp, file), [
      { name: 'id', type: new Int64(), values: BigInt64Array.from([1n]) },
      { name: 'features', type: new Float32(), width: 2, values: new Float32Array(2) },
    ]);
    const e = await prepError(spec({ data: file, sha }));
    expect(e.message).toBe(`dataset ${path.join(tmp, file)}: expected a label column "label", found only "id", "features"`);
    const float = await prepError(dataset([1n, 2n], [], { labelType: new Float64(), labelValues: Float64Array.from([0, 1]) }));
    expect(float.message).toMatch(/label column "label" must be an integer class id, found Float64$/);
    const rfile = 'reg-utf8.arrow';
    const rsha = writeArrow(path.join(tmp, rfile), [
      { name: 'id', type: new Int64(), values: BigInt64Array.from([1n]) },
      { name: 'features', type: new Float32(), width: 2, values: new Float32Array(2) },
      { name: 'target', type: new Utf8(), values: ['1.5'] },
    ]);
    expect((await prepError(spec({ data: rfile, sha: rsha, ...REGRESSION }))).message).toMatch(/target column "target" must be numeric, found Utf8$/);
  });

  it('a NaN regression target names the row', async () => {
    const file = 'reg-nan.arrow';
    const sha = writeArrow(path.join(tmp, file), [
      { name: 'id', type: new Int64(), values: BigInt64Array.from([1n, 2n]) },
      { name: 'features', type: new Float32(), width: 2, values: new Float32Array(4) },
      { name: 'target', type: new Float64(), values: Float64Array.from([1, NaN]) },
    ]);
    expect((await prepError(spec({ data: file, sha, ...REGRESSION }))).message).toMatch(/: row 2: expected a finite target, found NaN$/);
  });

  it('input column of the wrong width, a missing id column, an empty dataset', async () => {
    const file = 'wide.arrow';
    const sha = writeArrow(path.join(tmp, file), [
      { name: 'id', type: new Int64(), values: BigInt64Array.from([1n]) },
      { name: 'features', type: new Float32(), width: 3, values: new Float32Array(3) },
      { name: 'label', type: new Int32(), values: Int32Array.from([0]) },
    ]);
    expect((await prepError(spec({ data: file, sha }))).message).toMatch(/column "features" \(input "x"\) must be FixedSizeList\[2\]<float32>, found FixedSizeList\[3\]<Float32>$/);
    const d = dataset([1n], [0]);
    const rid = spec({ data: path.basename(d.datasetPath), sha: d.spec.dataset.sha256, idColumn: 'rid' });
    expect((await prepError(rid)).message).toMatch(/expected a column "rid" \(row id\), found only "id", "features", "label"$/);
    const empty = dataset([], []);
    expect((await prepError(empty)).message).toMatch(/: expected at least one row, found none$/);
  });

  it('a split with no rows is refused up front (every submission would fail on it otherwise)', async () => {
    const one = dataset([1n], [0]);
    const which = splitOf(one.splitKey, '1', 0.5) === PUBLIC ? 'private' : 'public';
    const e = await prepError(one);
    expect(e.message).toBe(`dataset ${one.datasetPath}: expected rows in both splits, found none in the ${which} split (1 row, publicFraction 0.5)`);
    expect(e.details).toMatchObject({ split: which });
    // a tiny public fraction on a small set leaves the public split empty
    const ids = Array.from({ length: 20 }, (_, i) => BigInt(i + 1));
    const d = dataset(ids, ids.map(() => 0));
    const tiny = spec({ data: path.basename(d.datasetPath), sha: d.spec.dataset.sha256, fraction: 0.000001 });
    expect((await prepError(tiny)).message).toContain('found none in the public split (20 rows, publicFraction 0.000001)');
  });

  it('a file that is not Arrow but matches its commitment', async () => {
    const file = 'text.arrow';
    writeFileSync(path.join(tmp, file), 'id,label\n1,0\n');
    const e = await prepError(spec({ data: file, sha: sha256Hex('id,label\n1,0\n') }));
    expect(e.message).toContain('expected an Arrow IPC stream file');
  });
});
