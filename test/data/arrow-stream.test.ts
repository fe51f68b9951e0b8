// Streaming Arrow reader: chunks of exactly N rows whatever the record-batch layout of the file,
// column checks with expected/found, nulls refused, and unreadable files as E_DATASET_INVALID.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Field, FixedSizeList, Float32, Float64, Int16, Int32, Int64, LargeUtf8, makeData, RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter,
  Schema, Struct, Table, tableToIPC, Uint32, Utf8, vectorFromArray, type Data,
} from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { checkColumns, columnShape, openArrowStream, readChunks, type ColumnRequest, type RowChunk } from '../../src/data/arrow-stream.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-arrow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => path.join(tmp, name);

const LIST3 = new FixedSizeList(3, new Field('item', new Float32(), false));
const SCHEMA = new Schema([
  new Field('id', new Int64(), false),
  new Field('x', LIST3, false),
  new Field('label', new Int32(), false),
  new Field('name', new Utf8(), false),
  new Field('y', new Float64(), false),
]);

interface Rows { id: BigInt64Array; x: Float32Array; label: Int32Array; name: string[]; y: Float64Array }

function makeRows(n: number, seed: number): Rows {
  const r = mulberry32(seed);
  return {
    id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 3 + 1)),
    x: Float32Array.from({ length: n * 3 }, () => (r() - 0.5) * 10),
    label: Int32Array.from({ length: n }, () => Math.floor(r() * 4)),
    name: Array.from({ length: n }, (_, i) => `row-${i}-${'é'.repeat(i % 3)}`),
    y: Float64Array.from({ length: n }, () => r() * 1e6 - 5e5),
  };
}

function batchOf(rows: Rows, from: number, to: number): RecordBatch {
  const n = to - from;
  const children: Data[] = [
    makeData({ type: new Int64(), length: n, nullCount: 0, data: rows.id.slice(from, to) }),
    makeData({ type: LIST3, length: n, nullCount: 0, child: makeData({ type: new Float32(), length: 3 * n, nullCount: 0, data: rows.x.slice(from * 3, to * 3) }) }),
    makeData({ type: new Int32(), length: n, nullCount: 0, data: rows.label.slice(from, to) }),
    vectorFromArray(rows.name.slice(from, to), new Utf8()).data[0]!,
    makeData({ type: new Float64(), length: n, nullCount: 0, data: rows.y.slice(from, to) }),
  ];
  return new RecordBatch(SCHEMA, makeData({ type: new Struct(SCHEMA.fields), length: n, nullCount: 0, children }));
}

/** Write `rows` as record batches of the given sizes (which must sum to the row count). */
function writeBatches(file: string, rows: Rows, sizes: number[]): void {
  const w = new RecordBatchStreamWriter();
  let from = 0;
  for (const s of sizes) { w.write(batchOf(rows, from, from + s)); from += s; }
  expect(from).toBe(rows.id.length);
  w.finish();
  writeFileSync(file, w.toUint8Array(true));
}

const REQ: ColumnRequest[] = [
  { name: 'id', kind: 'int64', width: 1, role: 'row id' },
  { name: 'x', kind: 'float32', width: 3, role: 'input "x"' },
  { name: 'label', kind: 'int32', width: 1, role: 'label' },
  { name: 'name', kind: 'utf8', width: 1, role: 'input "name"' },
  { name: 'y', kind: 'float64', width: 1, role: 'target' },
];

async function collect(file: string, requests: ColumnRequest[], n: number): Promise<RowChunk[]> {
  const out: RowChunk[] = [];
  for await (const c of readChunks(file, requests, n)) out.push(c);
  return out;
}

/** A plain, comparable text of chunks (positions, column names, array types and values). */
function plain(chunks: RowChunk[]): string {
  const view = chunks.map((c) => ({ index: c.index, start: c.start, rows: c.rows, cols: [...c.columns].map(([k, v]) => [k, v.constructor.name, Array.from(v as ArrayLike<unknown>)]) }));
  return JSON.stringify(view, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

async function datasetError(p: Promise<unknown>): Promise<ArbiterError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ArbiterError);
    expect((err as ArbiterError).code).toBe('E_DATASET_INVALID');
    return err as ArbiterError;
  }
  return expect.unreachable('the file was accepted') as never;
}

describe('readChunks: chunk boundaries depend only on row positions', () => {
  const rows = makeRows(103, 11);
  const layouts: Record<string, number[]> = {
    one: [103],
    odd: [1, 7, 13, 50, 32],
    singles: Array.from({ length: 103 }, () => 1),
    chunkAligned: [16, 16, 16, 16, 16, 16, 7],
    straddling: [15, 17, 15, 17, 39],
  };
  for (const [name, sizes] of Object.entries(layouts)) writeBatches(at(`layout-${name}.arrow`), rows, sizes);

  it('yields chunks of exactly N rows (last one shorter), with the right values', async () => {
    const chunks = await collect(at('layout-one.arrow'), REQ, 16);
    expect(chunks.map((c) => c.rows)).toEqual([16, 16, 16, 16, 16, 16, 7]);
    expect(chunks.map((c) => c.start)).toEqual([0, 16, 32, 48, 64, 80, 96]);
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const last = chunks[6]!;
    expect(Array.from(last.columns.get('id') as BigInt64Array)).toEqual(Array.from(rows.id.slice(96)));
    expect(Array.from(last.columns.get('x') as Float32Array)).toEqual(Array.from(rows.x.slice(96 * 3)));
    expect(last.columns.get('name')).toEqual(rows.name.slice(96));
    expect((last.columns.get('x') as Float32Array).length).toBe(21);
    const all = (k: 'label' | 'y') => chunks.flatMap((c) => Array.from(c.columns.get(k) as Int32Array | Float64Array));
    expect(all('label')).toEqual(Array.from(rows.label));
    expect(all('y')).toEqual(Array.from(rows.y));
    expect(chunks.flatMap((c) => c.columns.get('name') as string[])).toEqual(rows.name);
  });

  it('gives identical chunk contents for every record-batch layout and chunk size', async () => {
    for (const n of [1, 16, 50, 103, 500]) {
      const want = plain(await collect(at('layout-one.arrow'), REQ, n));
      for (const name of Object.keys(layouts)) {
        expect(plain(await collect(at(`layout-${name}.arrow`), REQ, n)), `layout ${name}, chunk ${n}`).toEqual(want);
      }
    }
  });

  it('reads only the requested columns, and an int32 column satisfies an int64 request', async () => {
    const chunks = await collect(at('layout-odd.arrow'), [{ name: 'label', kind: 'int64', width: 1, role: 'label' }], 40);
    expect(chunks.map((c) => [...c.columns.keys()])).toEqual([['label'], ['label'], ['label']]);
    expect(chunks[0]!.columns.get('label')).toBeInstanceOf(BigInt64Array);
    expect(chunks.flatMap((c) => Array.from(c.columns.get('label') as BigInt64Array))).toEqual(Array.from(rows.label, (v) => BigInt(v)));
  });

  it('chunks do not alias each other (a consumer may keep them)', async () => {
    const chunks = await collect(at('layout-singles.arrow'), REQ, 10);
    (chunks[0]!.columns.get('y') as Float64Array).fill(0);
    expect((chunks[1]!.columns.get('y') as Float64Array)[0]).toBe(rows.y[10]);
  });

  it('a file with a schema and no rows yields no chunks; the Arrow file format is read too', async () => {
    writeBatches(at('empty.arrow'), makeRows(0, 1), [0]);
    expect(await collect(at('empty.arrow'), REQ, 8)).toHaveLength(0);
    const fw = new RecordBatchFileWriter();
    fw.write(batchOf(rows, 0, 50));
    fw.write(batchOf(rows, 50, 103));
    fw.finish();
    writeFileSync(at('file-format.arrow'), fw.toUint8Array(true));
    expect(plain(await collect(at('file-format.arrow'), REQ, 16))).toEqual(plain(await collect(at('layout-one.arrow'), REQ, 16)));
  });
});

describe('column checks', () => {
  const rows = makeRows(5, 3);
  writeBatches(at('small.arrow'), rows, [5]);

  it('missing column names what was expected and what the file has', async () => {
    const e = await datasetError(collect(at('small.arrow'), [{ name: 'features', kind: 'float32', width: 3, role: 'input "x"' }], 4));
    expect(e.message).toBe(`dataset ${at('small.arrow')}: expected a column "features" (input "x"), found only "id", "x", "label", "name", "y"`);
    expect(e.details).toMatchObject({ column: 'features' });
  });

  it('type mismatch: scalar kind, list width and list vs scalar', async () => {
    const kind = await datasetError(collect(at('small.arrow'), [{ name: 'y', kind: 'float32', width: 1, role: 'target' }], 4));
    expect(kind.message).toBe(`dataset ${at('small.arrow')}: column "y" (target) must be float32, found Float64`);
    expect(kind.details).toMatchObject({ expected: 'float32', found: 'Float64' });
    const width = await datasetError(collect(at('small.arrow'), [{ name: 'x', kind: 'float32', width: 4, role: 'input "x"' }], 4));
    expect(width.message).toContain('column "x" (input "x") must be FixedSizeList[4]<float32>, found FixedSizeList[3]<Float32>');
    const scalar = await datasetError(collect(at('small.arrow'), [{ name: 'x', kind: 'float32', width: 1, role: 'input' }], 4));
    expect(scalar.message).toContain('must be float32, found FixedSizeList[3]<Float32>');
    const list = await datasetError(collect(at('small.arrow'), [{ name: 'y', kind: 'float64', width: 2, role: 'input' }], 4));
    expect(list.message).toContain('must be FixedSizeList[2]<float64>, found Float64');
    const str = await datasetError(collect(at('small.arrow'), [{ name: 'name', kind: 'int64', width: 1, role: 'row id' }], 4));
    expect(str.message).toContain('column "name" (row id) must be int64, found Utf8');
    // int64 data cannot stand in for an int32 request (it could overflow)
    const narrow = await datasetError(collect(at('small.arrow'), [{ name: 'id', kind: 'int32', width: 1, role: 'label' }], 4));
    expect(narrow.message).toContain('must be int32, found Int64');
  });

  it('LargeUtf8 (pyarrow large_string, polars\' default) reads as utf8', async () => {
    const names = ['a', 'bé', '', 'long '.repeat(20)];
    const t = new Table({ s: vectorFromArray(names, new LargeUtf8()) });
    writeFileSync(at('large-utf8.arrow'), tableToIPC(t, 'stream'));
    const chunks = await collect(at('large-utf8.arrow'), [{ name: 's', kind: 'utf8', width: 1, role: 'row id' }], 3);
    expect(chunks.map((c) => c.columns.get('s'))).toEqual([names.slice(0, 3), names.slice(3)]);
  });

  it('unsigned and narrow ints are not int32/int64', async () => {
    const t = new Table({ a: vectorFromArray([1, 2], new Uint32()), b: vectorFromArray([1, 2], new Int16()) });
    writeFileSync(at('ints.arrow'), tableToIPC(t, 'stream'));
    const { schema } = await openArrowStream(at('ints.arrow'), 'dataset');
    expect(columnShape(schema.fields[0]!.type)).toEqual({ kind: 'int-other', width: 1 });
    expect(() => checkColumns(schema, [{ name: 'a', kind: 'int64', width: 1, role: 'label' }], 'ints.arrow')).toThrow(/column "a" \(label\) must be int64, found Uint32/);
    expect(() => checkColumns(schema, [{ name: 'b', kind: 'int32', width: 1, role: 'label' }], 'ints.arrow')).toThrow(/must be int32, found Int16/);
  });
});

describe('nulls are refused', () => {
  it('null scalars, null list rows, null list items and null strings', async () => {
    const nullable = new Table({
      id: vectorFromArray([1n, null, 3n], new Int64()),
      x: vectorFromArray([[1, 2], [3, 4], null], new FixedSizeList(2, new Field('item', new Float32(), true))),
      items: vectorFromArray([[1, null], [3, 4], [5, 6]], new FixedSizeList(2, new Field('item', new Float32(), true))),
      s: vectorFromArray(['a', 'b', null], new Utf8()),
      ok: vectorFromArray([1.5, 2.5, 3.5], new Float64()),
    });
    writeFileSync(at('nulls.arrow'), tableToIPC(nullable, 'stream'));
    const read = (req: ColumnRequest) => collect(at('nulls.arrow'), [req], 2);
    const id = await datasetError(read({ name: 'id', kind: 'int64', width: 1, role: 'row id' }));
    expect(id.message).toBe(`dataset ${at('nulls.arrow')}: column "id" has 1 null value(s); expected none`);
    expect((await datasetError(read({ name: 'x', kind: 'float32', width: 2, role: 'input' }))).message).toContain('column "x" has 1 null value(s); expected none');
    expect((await datasetError(read({ name: 'items', kind: 'float32', width: 2, role: 'input' }))).message).toContain('column "items" has null list items; expected none');
    expect((await datasetError(read({ name: 's', kind: 'utf8', width: 1, role: 'id' }))).message).toContain('column "s" has 1 null value(s)');
    const ok = await collect(at('nulls.arrow'), [{ name: 'ok', kind: 'float64', width: 1, role: 't' }], 2);
    expect(ok.flatMap((c) => Array.from(c.columns.get('ok') as Float64Array))).toEqual([1.5, 2.5, 3.5]);
  });
});

describe('unreadable files are E_DATASET_INVALID, never a crash', () => {
  const good = (() => {
    const w = new RecordBatchStreamWriter();
    w.write(batchOf(makeRows(40, 5), 0, 40));
    w.finish();
    return w.toUint8Array(true);
  })();

  it('a missing file and a directory', async () => {
    const missing = await datasetError(collect(at('nope.arrow'), REQ, 4));
    expect(missing.message).toBe(`dataset ${at('nope.arrow')}: expected an Arrow IPC stream file, but the file does not exist`);
    mkdirSync(at('a-dir.arrow'));
    const dir = await datasetError(collect(at('a-dir.arrow'), REQ, 4));
    expect(dir.message).toContain('expected an Arrow IPC stream file, but');
    const pred = await datasetError(openArrowStream(at('nope.arrow'), 'prediction file'));
    expect(pred.message).toMatch(/^prediction file .*nope\.arrow: /);
  });

  it('garbage bytes: text, pseudo-random bytes, an empty file', async () => {
    writeFileSync(at('text.arrow'), 'id,x\n1,2\n'.repeat(50));
    expect((await datasetError(collect(at('text.arrow'), REQ, 4))).message).toContain('expected an Arrow IPC stream file, but');
    const r = mulberry32(1);
    writeFileSync(at('random.arrow'), Uint8Array.from({ length: 4096 }, () => Math.floor(r() * 256)));
    await datasetError(collect(at('random.arrow'), REQ, 4));
    writeFileSync(at('zero.arrow'), '');
    expect((await datasetError(collect(at('zero.arrow'), REQ, 4))).message).toContain('the file holds no Arrow schema');
    writeFileSync(at('onnx.arrow'), readFileSync(path.resolve('benchmarks/tabular-demo/submissions/alice.onnx')));
    await datasetError(collect(at('onnx.arrow'), REQ, 4));
  });

  it('every truncation either fails with E_DATASET_INVALID or reads a prefix of whole rows', async () => {
    const want = plain(await (async () => { writeFileSync(at('good.arrow'), good); return collect(at('good.arrow'), REQ, 8); })());
    const outcomes = new Set<string>();
    // every cut point through the schema message, the batch header and the batch body
    const cuts = [...Array.from({ length: Math.ceil(good.length / 11) }, (_, i) => i * 11), good.length - 8, good.length - 1];
    for (const cut of cuts) {
      writeFileSync(at('cut.arrow'), good.subarray(0, cut));
      try {
        const chunks = await collect(at('cut.arrow'), REQ, 8);
        // without the end-of-stream marker, or cut right after the schema: whole data or none
        if (chunks.length > 0) expect(plain(chunks), `cut ${cut}`).toBe(want);
        outcomes.add(chunks.length === 0 ? 'no rows' : 'all rows');
      } catch (err) {
        expect(err, `cut ${cut}`).toBeInstanceOf(ArbiterError);
        expect((err as ArbiterError).code).toBe('E_DATASET_INVALID');
        outcomes.add((err as ArbiterError).message.includes('not a readable Arrow IPC stream') ? 'mid-stream error' : 'open error');
      }
    }
    expect([...outcomes]).toEqual(expect.arrayContaining(['all rows', 'mid-stream error', 'open error']));
  });
});

describe('the file is closed however its reader ends', () => {
  // an fs read stream is not closed by the collector: every `score` leaked one descriptor of the
  // hidden set (prepareDataset read its schema and dropped the stream) until the process ran out
  const HIDDEN = path.resolve('datasets/tabular-demo/hidden.arrow');
  const open = async (): Promise<number> => {
    const { readdirSync, readlinkSync } = await import('node:fs');
    await new Promise((r) => setTimeout(r, 20)); // destroy() closes on the next turns of the loop
    return readdirSync('/proc/self/fd').filter((f) => { try { return readlinkSync(`/proc/self/fd/${f}`) === HIDDEN; } catch { return false; } }).length;
  };
  const features: ColumnRequest = { name: 'features', kind: 'float32', width: 32, role: 'input' };
  it.runIf(process.platform === 'linux')('schema only, an early break, a column error, and reading to the end', async () => {
    const before = await open();
    for (let i = 0; i < 3; i++) {
      const { schema, close } = await openArrowStream(HIDDEN, 'dataset');
      expect(schema.fields.length).toBeGreaterThan(0);
      close();
      for await (const c of readChunks(HIDDEN, [features], 256)) { expect(c.rows).toBe(256); break; }
      await expect((async () => { for await (const _ of readChunks(HIDDEN, [{ ...features, name: 'nope' }], 256)) { /* none */ } })()).rejects.toMatchObject({ code: 'E_DATASET_INVALID' });
      let rows = 0;
      for await (const c of readChunks(HIDDEN, [features], 1024)) rows += c.rows;
      expect(rows).toBe(3000);
    }
    expect(await open()).toBe(before);
  });
});
