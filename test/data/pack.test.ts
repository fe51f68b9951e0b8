// `dataset pack`: CSV/JSONL in, Arrow IPC stream out. Round trips through the arrow-stream
// reader, sorting by id, byte-identical output, and every refusal with its line and column.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { readChunks, type ColumnArray, type ColumnRequest } from '../../src/data/arrow-stream.ts';
import { loadPackSchema, packDataset, PackSchema, type PackSchemaData } from '../../src/data/pack.ts';
import { sha256Hex } from '../../src/benchmark/canonical.ts';
import { loadBenchmark } from '../../src/benchmark/loader.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-pack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;

function write(name: string, text: string): string {
  const f = path.join(tmp, `${fileNo++}-${name}`);
  writeFileSync(f, text);
  return f;
}

function packError(input: string, schema: PackSchemaData): ArbiterError {
  try {
    packDataset(input, schema, `${input}.arrow`);
  } catch (err) {
    expect(err).toBeInstanceOf(ArbiterError);
    return err as ArbiterError;
  }
  return expect.unreachable('pack accepted the input') as never;
}

async function readAll(file: string, requests: ColumnRequest[]): Promise<Map<string, ColumnArray>> {
  const chunks = [];
  for await (const c of readChunks(file, requests, 1 << 20)) chunks.push(c);
  expect(chunks).toHaveLength(1);
  return chunks[0]!.columns;
}

// id, a 3-wide float32 list from f0..f2, an int32 count and an int32 label
const TABULAR = PackSchema.parse({
  columns: [
    { name: 'id', type: 'int64' },
    { name: 'x', type: 'float32', size: 3, from: ['f0', 'f1', 'f2'] },
    { name: 'count', type: 'int32' },
    { name: 'label', type: 'int32', label: true },
  ],
});
const HEADER = 'id,f0,f1,f2,count,label';

interface Row { id: number; f: number[]; count: number; label: number }

function makeRows(n: number, seed: number): Row[] {
  const rand = mulberry32(seed);
  const ids = new Set<number>();
  while (ids.size < n) ids.add(1 + Math.floor(rand() * 1_000_000));
  return [...ids].map((id) => ({
    id,
    f: [0, 1, 2].map(() => Number(((rand() - 0.5) * 200).toFixed(1 + Math.floor(rand() * 6)))),
    count: Math.floor((rand() - 0.5) * 4_000_000_000),
    label: Math.floor(rand() * 5),
  }));
}

function csvOf(rows: Row[]): string {
  return [HEADER, ...rows.map((r) => [r.id, ...r.f, r.count, r.label].join(','))].join('\n') + '\n';
}

const REQUESTS: ColumnRequest[] = [
  { name: 'id', kind: 'int64', width: 1, role: 'row id' },
  { name: 'x', kind: 'float32', width: 3, role: 'input' },
  { name: 'count', kind: 'int32', width: 1, role: 'input' },
  { name: 'label', kind: 'int32', width: 1, role: 'label' },
];

describe('CSV round trip', () => {
  it('values read back equal the CSV values (as float32), rows sorted by id from a shuffled CSV', async () => {
    const rows = makeRows(200, 7);
    const input = write('shuffled.csv', csvOf(rows)); // makeRows order is random in id
    expect(rows.map((r) => r.id)).not.toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b));
    const out = `${input}.arrow`;
    const res = packDataset(input, TABULAR, out);
    expect(res.rows).toBe(200);
    const bytes = readFileSync(out);
    expect(res.bytes).toBe(bytes.length);
    expect(res.sha256).toBe(sha256Hex(bytes));

    const cols = await readAll(out, REQUESTS);
    const sorted = [...rows].sort((a, b) => a.id - b.id);
    expect(Array.from(cols.get('id') as BigInt64Array)).toEqual(sorted.map((r) => BigInt(r.id)));
    const x = cols.get('x') as Float32Array;
    expect(x).toBeInstanceOf(Float32Array);
    expect(Array.from(x)).toEqual(sorted.flatMap((r) => r.f.map((v) => Math.fround(v))));
    expect(Array.from(cols.get('count') as Int32Array)).toEqual(sorted.map((r) => r.count));
    expect(Array.from(cols.get('label') as Int32Array)).toEqual(sorted.map((r) => r.label));
  });

  it('writes the declared Arrow types, non-nullable', () => {
    const input = write('types.csv', csvOf(makeRows(5, 1)));
    packDataset(input, TABULAR, `${input}.arrow`);
    const t = tableFromIPC(readFileSync(`${input}.arrow`));
    expect(t.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['id', 'Int64', false],
      ['x', 'FixedSizeList[3]<Float32>', false],
      ['count', 'Int32', false],
      ['label', 'Int32', false],
    ]);
  });

  it('list columns default to <name>_0 .. <name>_{size-1}; int64 ids beyond 2^53 stay exact', async () => {
    const schema = PackSchema.parse({ columns: [{ name: 'id', type: 'int64' }, { name: 'v', type: 'float64', size: 2 }] });
    const big = '9007199254740993'; // 2^53 + 1: not a float64
    const input = write('default-from.csv', `v_1,id,v_0\n0.25,${big},1e-3\n-2,-4,3.5\n`);
    packDataset(input, schema, `${input}.arrow`);
    const cols = await readAll(`${input}.arrow`, [
      { name: 'id', kind: 'int64', width: 1, role: 'id' }, { name: 'v', kind: 'float64', width: 2, role: 'input' },
    ]);
    expect(Array.from(cols.get('id') as BigInt64Array)).toEqual([-4n, BigInt(big)]);
    expect(Array.from(cols.get('v') as Float64Array)).toEqual([3.5, -2, 0.001, 0.25]);
  });

  it('utf8 ids sort by their UTF-8 bytes', async () => {
    const schema = PackSchema.parse({ columns: [{ name: 'id', type: 'utf8' }, { name: 'y', type: 'float64', label: true }] });
    const input = write('utf8.csv', 'id,y\nb,1\né,2\nB,3\na10,4\na9,5\n');
    packDataset(input, schema, `${input}.arrow`);
    const cols = await readAll(`${input}.arrow`, [{ name: 'id', kind: 'utf8', width: 1, role: 'id' }, { name: 'y', kind: 'float64', width: 1, role: 't' }]);
    expect(cols.get('id')).toEqual(['B', 'a10', 'a9', 'b', 'é']);
    expect(Array.from(cols.get('y') as Float64Array)).toEqual([3, 4, 5, 1, 2]);
  });

  it('allowNaN keeps NaN and infinities in a feature column', async () => {
    const schema = PackSchema.parse({ columns: [{ name: 'id', type: 'int64' }, { name: 'x', type: 'float64', allowNaN: true }] });
    const input = write('nan-ok.csv', 'id,x\n1,nan\n2,-inf\n3,Infinity\n4,1.5\n');
    packDataset(input, schema, `${input}.arrow`);
    const cols = await readAll(`${input}.arrow`, [{ name: 'id', kind: 'int64', width: 1, role: 'id' }, { name: 'x', kind: 'float64', width: 1, role: 'x' }]);
    expect(Array.from(cols.get('x') as Float64Array)).toEqual([NaN, -Infinity, Infinity, 1.5]);
  });

  it('rows spanning several record batches read back whole', async () => {
    const schema = PackSchema.parse({ columns: [{ name: 'id', type: 'int32' }, { name: 'label', type: 'int32', label: true }] });
    const n = 70_000; // pack writes record batches of 65536 rows
    const lines = ['id,label'];
    for (let i = n; i >= 1; i--) lines.push(`${i},${i % 7}`);
    const input = write('big.csv', lines.join('\n'));
    const res = packDataset(input, schema, `${input}.arrow`);
    expect(res.rows).toBe(n);
    const t = tableFromIPC(readFileSync(`${input}.arrow`));
    expect(t.batches.map((b) => b.numRows)).toEqual([65536, n - 65536]);
    let seen = 0;
    for await (const c of readChunks(`${input}.arrow`, [{ name: 'id', kind: 'int64', width: 1, role: 'id' }, { name: 'label', kind: 'int32', width: 1, role: 'l' }], 30_000)) {
      const ids = c.columns.get('id') as BigInt64Array;
      const labels = c.columns.get('label') as Int32Array;
      for (let i = 0; i < c.rows; i++) {
        const want = c.start + i + 1;
        if (ids[i] !== BigInt(want) || labels[i] !== want % 7) expect.unreachable(`row ${want}: id ${ids[i]} label ${labels[i]}`);
      }
      seen += c.rows;
    }
    expect(seen).toBe(n);
  });
});

describe('CSV refusals name the line and the column', () => {
  it('ragged row', () => {
    const e = packError(write('ragged.csv', `${HEADER}\n1,0,0,0,1,1\n2,0,0,0,1\n`), TABULAR);
    expect(e.code).toBe('E_PACK_INPUT');
    expect(e.message).toMatch(/^\d+-ragged\.csv line 3: ragged row: /);
    expect(e.message).toContain('expect 6, got 5');
    expect(e.details).toMatchObject({ line: 3 });
  });

  it('"abc" in an int column and in a float column', () => {
    const i = packError(write('bad-int.csv', `${HEADER}\n1,0,0,0,1,1\n2,0,0,0,abc,1\n`), TABULAR);
    expect(i.code).toBe('E_PACK_INPUT');
    expect(i.message).toMatch(/^\d+-bad-int\.csv line 3, column count: expected int32 \(an integer\), found "abc"$/);
    const f = packError(write('bad-float.csv', `${HEADER}\n1,0,0,0,1,1\n2,0,abc,0,1,1\n`), TABULAR);
    expect(f.message).toMatch(/line 3, column f1: expected float32 \(a number\), found "abc"$/);
    const frac = packError(write('frac.csv', `${HEADER}\n1,0,0,0,1.5,1\n`), TABULAR);
    expect(frac.message).toMatch(/line 2, column count: expected int32 \(an integer\), found "1\.5"$/);
    const range = packError(write('range.csv', `${HEADER}\n1,0,0,0,2147483648,1\n`), TABULAR);
    expect(range.message).toMatch(/line 2, column count: expected int32, found 2147483648 \(out of range\)$/);
    const hex = packError(write('hex.csv', `${HEADER}\n1,0x10,0,0,1,1\n`), TABULAR);
    expect(hex.message).toMatch(/column f0: expected float32 \(a number\), found "0x10"$/);
  });

  it('line numbers count blank lines and quoted newlines', () => {
    const blank = packError(write('blank.csv', `${HEADER}\n1,0,0,0,1,1\n\n\n2,0,0,0,x,1\n`), TABULAR);
    expect(blank.message).toMatch(/line 5, column count/);
    const quoted = packError(write('quoted.csv', `${HEADER}\n1,0,0,0,1,"1\n"\n2,0,0,0,x,1\n`), TABULAR);
    expect(quoted.message).toMatch(/line 4, column count/);
  });

  it('NaN, empty and infinite labels are refused (float and int labels)', () => {
    const schema = PackSchema.parse({ columns: [{ name: 'id', type: 'int64' }, { name: 'y', type: 'float64', label: true, allowNaN: true }] });
    const nan = packError(write('nan-label.csv', 'id,y\n1,0.5\n2,NaN\n'), schema);
    expect(nan.code).toBe('E_PACK_INPUT');
    expect(nan.message).toMatch(/line 3, column y: expected a finite number, found NaN \(labels cannot be NaN or infinite\)$/);
    const inf = packError(write('inf-label.csv', 'id,y\n1,-inf\n'), schema);
    expect(inf.message).toMatch(/line 2, column y: expected a finite number, found -Infinity \(labels cannot be NaN or infinite\)$/);
    const empty = packError(write('empty-label.csv', 'id,y\n1,0.5\n2,\n'), schema);
    expect(empty.message).toMatch(/line 3, column y: expected float64, found an empty value \(labels cannot be missing\)$/);
    const intNan = packError(write('int-nan.csv', `${HEADER}\n1,0,0,0,1,nan\n`), TABULAR);
    expect(intNan.message).toMatch(/line 2, column label: expected int32 \(an integer\), found "nan"$/);
    const feat = packError(write('nan-feature.csv', `${HEADER}\n1,nan,0,0,1,1\n`), TABULAR);
    expect(feat.message).toMatch(/line 2, column f0: expected a finite number, found NaN \(set allowNaN on the column to accept it\)$/);
  });

  it('duplicate ids name both lines', () => {
    const e = packError(write('dup.csv', `${HEADER}\n5,0,0,0,1,1\n3,0,0,0,1,1\n7,0,0,0,1,1\n5,1,1,1,1,1\n`), TABULAR);
    expect(e.code).toBe('E_PACK_INPUT');
    expect(e.message).toMatch(/^\d+-dup\.csv line 5: duplicate id 5 \(also on line 2\)$/);
    expect(e.details).toEqual({ line: 5, firstLine: 2 });
    const utf = PackSchema.parse({ columns: [{ name: 'id', type: 'utf8' }, { name: 'y', type: 'float64' }] });
    expect(packError(write('dup-utf8.csv', 'id,y\nb,1\na,1\nb,2\n'), utf).message).toMatch(/line 4: duplicate id b \(also on line 2\)$/);
  });

  it('missing source column, empty file, header only, unknown extension', () => {
    const miss = packError(write('missing.csv', 'id,f0,f2,count,label\n1,0,0,1,1\n'), TABULAR);
    expect(miss.message).toMatch(/line 1: expected a column "f1" \(for x\), the header has id, f0, f2, count, label$/);
    expect(packError(write('empty.csv', ''), TABULAR).message).toMatch(/empty\.csv: expected a header row, found an empty file$/);
    expect(packError(write('header.csv', `${HEADER}\n`), TABULAR).message).toMatch(/header\.csv: expected at least one data row, found none$/);
    const ext = packError(write('data.txt', 'x'), TABULAR);
    expect(ext.code).toBe('E_PACK_INPUT');
    expect(ext.message).toContain('expected a .csv or .jsonl file, found ".txt"');
  });

  it('a float id column is refused', () => {
    const schema = PackSchema.parse({ columns: [{ name: 'id', type: 'float64' }, { name: 'y', type: 'float64' }] });
    expect(packError(write('float-id.csv', 'id,y\n1,1\n'), schema).message).toBe('schema: the id column "id" must be int32, int64 or utf8, found float64');
  });
});

describe('JSONL', () => {
  const schema = PackSchema.parse({
    columns: [
      { name: 'id', type: 'int64' }, { name: 'emb', type: 'float32', size: 4 }, { name: 'tag', type: 'utf8' },
      { name: 'y', type: 'float64', label: true },
    ],
  });
  const REQ: ColumnRequest[] = [
    { name: 'id', kind: 'int64', width: 1, role: 'id' }, { name: 'emb', kind: 'float32', width: 4, role: 'input' },
    { name: 'tag', kind: 'utf8', width: 1, role: 'input' }, { name: 'y', kind: 'float64', width: 1, role: 'target' },
  ];

  it('happy path with a list column, blank lines skipped, sorted by id', async () => {
    const text = [
      '{"id": 30, "emb": [0.1, 0.2, 0.3, 0.4], "tag": "c", "y": 1.25}',
      '',
      '{"y": -3, "tag": "a", "emb": [1, 2, 3, 4], "id": 10}',
      '{"id": 20, "emb": ["5", "6.5", "-7", "8e-1"], "tag": 42, "y": "0.5"}',
    ].join('\n') + '\n';
    const input = write('rows.jsonl', text);
    const res = packDataset(input, schema, `${input}.arrow`);
    expect(res.rows).toBe(3);
    const cols = await readAll(`${input}.arrow`, REQ);
    expect(Array.from(cols.get('id') as BigInt64Array)).toEqual([10n, 20n, 30n]);
    expect(Array.from(cols.get('emb') as Float32Array)).toEqual([1, 2, 3, 4, 5, 6.5, -7, 0.8, 0.1, 0.2, 0.3, 0.4].map(Math.fround));
    expect(cols.get('tag')).toEqual(['a', '42', 'c']);
    expect(Array.from(cols.get('y') as Float64Array)).toEqual([-3, 0.5, 1.25]);
  });

  it('int64 ids beyond 2^53 must be JSON strings (a JSON number was already rounded)', async () => {
    const s = PackSchema.parse({ columns: [{ name: 'id', type: 'int64' }, { name: 'y', type: 'float64' }] });
    const e = packError(write('bigid.jsonl', '{"id": 9007199254740993, "y": 1}\n'), s);
    expect(e.code).toBe('E_PACK_INPUT');
    expect(e.message).toMatch(/line 1, field id: expected int64, found the JSON number 9007199254740992, which is beyond 2\^53 and was rounded; write it as a string/);
    const ok = write('bigid-str.jsonl', '{"id": "9007199254740993", "y": 1}\n{"id": 9007199254740991, "y": 2}\n');
    packDataset(ok, s, `${ok}.arrow`);
    const cols = await readAll(`${ok}.arrow`, [{ name: 'id', kind: 'int64', width: 1, role: 'id' }]);
    expect(Array.from(cols.get('id') as BigInt64Array)).toEqual([9007199254740991n, 9007199254740993n]);
  });

  it('the same rows as CSV and as JSONL pack to identical bytes', () => {
    const s = PackSchema.parse({ columns: [{ name: 'id', type: 'int64' }, { name: 'v', type: 'float32', size: 2 }, { name: 'y', type: 'int32', label: true }] });
    const csv = write('same.csv', 'id,v_0,v_1,y\n2,0.5,1,0\n1,-1,2.25,3\n');
    const jsonl = write('same.jsonl', '{"id":1,"v":[-1,2.25],"y":3}\n{"id":2,"v":[0.5,1],"y":0}\n');
    const a = packDataset(csv, s, `${csv}.arrow`);
    const b = packDataset(jsonl, s, `${jsonl}.arrow`);
    expect(a.sha256).toBe(b.sha256);
    expect(readFileSync(`${csv}.arrow`).equals(readFileSync(`${jsonl}.arrow`))).toBe(true);
  });

  it('unexpected field, wrong list length, missing field, bad JSON, non-object line', () => {
    const ok = '{"id":1,"emb":[1,2,3,4],"tag":"t","y":0}';
    const extra = packError(write('extra.jsonl', `${ok}\n{"id":2,"emb":[1,2,3,4],"tag":"t","y":0,"note":"x"}\n`), schema);
    expect(extra.code).toBe('E_PACK_INPUT');
    expect(extra.message).toMatch(/^\d+-extra\.jsonl line 2: unexpected field "note"; the schema has id, emb, tag, y$/);
    expect(extra.details).toEqual({ line: 2 });
    const len = packError(write('len.jsonl', `${ok}\n\n{"id":2,"emb":[1,2,3],"tag":"t","y":0}\n`), schema);
    expect(len.message).toMatch(/line 3, field emb: expected a list of 4 float32 values, found a list of 3$/);
    const scalar = packError(write('scalar.jsonl', '{"id":2,"emb":1,"tag":"t","y":0}\n'), schema);
    expect(scalar.message).toMatch(/line 1, field emb: expected a list of 4 float32 values, found 1$/);
    const item = packError(write('item.jsonl', '{"id":2,"emb":[1,2,"x",4],"tag":"t","y":0}\n'), schema);
    expect(item.message).toMatch(/line 1, field emb\[2\]: expected float32 \(a number\), found "x"$/);
    const missing = packError(write('missing.jsonl', `${ok}\n{"id":2,"emb":[1,2,3,4],"tag":"t"}\n`), schema);
    expect(missing.message).toMatch(/line 2, field y: missing$/);
    const nul = packError(write('null.jsonl', '{"id":2,"emb":[1,2,3,4],"tag":"t","y":null}\n'), schema);
    expect(nul.message).toMatch(/line 1, field y: expected float64, found an empty value \(labels cannot be missing\)$/);
    const bad = packError(write('bad.jsonl', `${ok}\n{"id":2,\n`), schema);
    expect(bad.message).toMatch(/line 2: not valid JSON: /);
    const arr = packError(write('arr.jsonl', '[1,2]\n'), schema);
    expect(arr.message).toMatch(/line 1: expected a JSON object, found \[1,2\]$/);
    const dup = packError(write('dup.jsonl', `${ok}\n${ok}\n`), schema);
    expect(dup.message).toMatch(/line 2: duplicate id 1 \(also on line 1\)$/);
  });
});

describe('schema files', () => {
  function schemaError(text: string, ext = 'yaml'): ArbiterError {
    const f = write(`schema.${ext}`, text);
    try {
      loadPackSchema(f);
    } catch (err) {
      expect(err).toBeInstanceOf(ArbiterError);
      expect((err as ArbiterError).code).toBe('E_PACK_INPUT');
      expect((err as ArbiterError).message).toContain(f);
      return err as ArbiterError;
    }
    return expect.unreachable('schema accepted') as never;
  }

  it('loads YAML and JSON schemas with defaults', () => {
    const y = loadPackSchema(write('s.yaml', 'columns:\n  - { name: id, type: int64 }\n  - { name: y, type: float64, label: true }\n'));
    expect(y).toEqual({ id: 'id', columns: [
      { name: 'id', type: 'int64', label: false, allowNaN: false },
      { name: 'y', type: 'float64', label: true, allowNaN: false },
    ] });
    const j = loadPackSchema(write('s.json', JSON.stringify({ id: 'rid', columns: [{ name: 'rid', type: 'utf8' }] })));
    expect(j.id).toBe('rid');
  });

  it('invalid YAML, unknown type, unknown key, missing id column', () => {
    expect(schemaError('columns: [\n').message).toContain('not valid YAML/JSON');
    expect(schemaError('columns:\n  - { name: id, type: float16 }\n').message).toMatch(/: columns\.0\.type: /);
    expect(schemaError('columns:\n  - { name: id, type: int64, nullable: true }\n').message).toMatch(/: columns\.0: .*nullable/);
    expect(schemaError('columns: []\n').message).toMatch(/: columns: /);
    expect(schemaError('').message).toMatch(/: \(top level\): /);
    expect(schemaError('id: rid\ncolumns:\n  - { name: id, type: int64 }\n').message).toMatch(/the id column "rid" is not among the columns$/);
  });

  it('a list column whose `from` disagrees with its size', () => {
    const s = PackSchema.parse({ columns: [{ name: 'id', type: 'int64' }, { name: 'x', type: 'float32', size: 3, from: ['a', 'b'] }] });
    const e = packError(write('from.csv', 'id,a,b\n1,1,2\n'), s);
    expect(e.message).toBe('schema: column x has size 3 but 2 source columns');
  });
});

describe('determinism', () => {
  it('packing the same input twice gives identical bytes; row order of the input does not matter', () => {
    const rows = makeRows(300, 99);
    const a = write('a.csv', csvOf(rows));
    const b = write('b.csv', csvOf([...rows].reverse()));
    const r1 = packDataset(a, TABULAR, path.join(tmp, 'a1.arrow'));
    const r2 = packDataset(a, TABULAR, path.join(tmp, 'a2.arrow'));
    const r3 = packDataset(b, TABULAR, path.join(tmp, 'b.arrow'));
    expect(r2.sha256).toBe(r1.sha256);
    expect(r3.sha256).toBe(r1.sha256);
    const bytes = readFileSync(path.join(tmp, 'a1.arrow'));
    expect(readFileSync(path.join(tmp, 'a2.arrow')).equals(bytes)).toBe(true);
    expect(readFileSync(path.join(tmp, 'b.arrow')).equals(bytes)).toBe(true);
    // a one-value change changes the hash
    const changed = rows.map((r, i) => (i === 17 ? { ...r, label: (r.label + 1) % 5 } : r));
    expect(packDataset(write('c.csv', csvOf(changed)), TABULAR, path.join(tmp, 'c.arrow')).sha256).not.toBe(r1.sha256);
  });

  it('the bundled demo CSV packs to exactly the sha256 its benchmark commits to', () => {
    const demo = path.resolve('datasets/tabular-demo');
    const res = packDataset(path.join(demo, 'hidden.csv'), loadPackSchema(path.join(demo, 'schema.yaml')), path.join(tmp, 'demo.arrow'));
    expect(res.rows).toBe(3000);
    expect(res.sha256).toBe(loadBenchmark('tabular-demo').spec.dataset.sha256);
  });
});

describe('pack schema: from', () => {
  it('is refused on a scalar column (it would be silently ignored), accepted on a list column', () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'arbiter-pack-from-'));
    try {
      const bad = path.join(d, 'bad.yaml');
      writeFileSync(bad, 'columns:\n  - { name: id, type: int64 }\n  - { name: x, type: float32, from: [a] }\n');
      expect(() => loadPackSchema(bad)).toThrow(/columns\.1\.from: expected "from" only on a list column \(with "size"\), found it on the scalar column "x"/);
      const good = path.join(d, 'good.yaml');
      writeFileSync(good, 'columns:\n  - { name: id, type: int64 }\n  - { name: x, type: float32, size: 1, from: [a] }\n');
      expect(loadPackSchema(good).columns[1]!.from).toEqual(['a']);
    } finally { rmSync(d, { recursive: true, force: true }); }
  });
});

describe('streaming (bounded memory)', () => {
  const schema = PackSchema.parse({
    id: 'id',
    columns: [
      { name: 'id', type: 'int64' },
      { name: 'text', type: 'utf8' },
      { name: 'x', type: 'float32', size: 2 },
      { name: 'y', type: 'int32', label: true },
    ],
  });
  const rand = mulberry32(18);
  const rows = Array.from({ length: 300 }, (_, i) => ({
    id: i * 7 - 500,
    // quoted commas, quotes and newlines, and multi-byte text, so records and chunks do not line up
    text: i % 5 === 0 ? `a "q", ${i}\nnext line é` : `t${i}€`,
    x: [Math.fround(rand() * 10 - 5), Math.fround(rand())],
    y: i % 3,
  }));
  const csvRow = (r: (typeof rows)[number]) => `${r.id},"${r.text.replaceAll('"', '""')}",${r.x[0]},${r.x[1]},${r.y}`;
  const csvOf = (rs: typeof rows, eol: string) => `id,text,x_0,x_1,y${eol}` + rs.map((r, k) => (k % 17 === 3 ? eol : '') + csvRow(r)).join(eol) + eol;
  const jsonlOf = (rs: typeof rows) => rs.map((r, k) => (k % 13 === 2 ? '\n' : '') + JSON.stringify(r)).join('\n') + '\n';
  const shuffled = [...rows].sort(() => 0).map((r, i, a) => a[(i * 113) % a.length]!); // a fixed permutation (113 is prime to 300)

  it('any chunk size, sorted or shuffled input, LF or CRLF, CSV or JSONL: the same bytes', () => {
    const reference = readFileSync((() => { const f = write('ref.csv', csvOf(rows, '\n')); packDataset(f, schema, `${f}.arrow`); return `${f}.arrow`; })());
    expect(new Set(shuffled.map((r) => r.id)).size).toBe(rows.length);
    for (const readBytes of [1, 7, 64, 1000, 1 << 22]) {
      const inputs = [write('s.csv', csvOf(rows, '\n')), write('u.csv', csvOf(shuffled, '\n')), write('u-crlf.csv', csvOf(shuffled, '\r\n')),
        write('s.jsonl', jsonlOf(rows)), write('u.jsonl', jsonlOf(shuffled))];
      for (const f of inputs) {
        const res = packDataset(f, schema, `${f}.arrow`, { readBytes });
        const bytes = readFileSync(`${f}.arrow`);
        expect(res.sha256, `${path.basename(f)} read in chunks of ${readBytes}`).toBe(sha256Hex(reference));
        expect(res.bytes).toBe(bytes.length);
        expect(Buffer.compare(bytes, reference)).toBe(0);
      }
    }
  });

  it('errors name the same line whatever the chunk size; a refused pack leaves no output file', () => {
    const bad = csvOf(shuffled, '\n').replace(/\n(-?\d+),"t(\d+)€",([^,\n]+),/, '\n$1,"t$2€",oops,');
    const f = write('bad.csv', bad);
    const messages = [1, 5, 1 << 22].map((readBytes) => {
      try { packDataset(f, schema, `${f}.arrow`, { readBytes }); } catch (err) { return (err as Error).message; }
      return 'accepted';
    });
    expect(messages[0]).toMatch(/line \d+, column x_0: expected float32 \(a number\), found "oops"/);
    expect(new Set(messages).size).toBe(1);
    expect(existsSync(`${f}.arrow`)).toBe(false);
  });
});
