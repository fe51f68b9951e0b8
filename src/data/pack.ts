// `arbiter dataset pack`: CSV or JSONL in, an Arrow IPC stream file out, checked against a
// declared schema. Refuses ragged rows, type mismatches, NaN labels and duplicate ids, each
// with its line number. Rows are sorted by id (the order the batch plan uses).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  Field, FixedSizeList, Float32, Float64, Int32, Int64, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Utf8,
  vectorFromArray, type Data, type DataType,
} from 'apache-arrow';
import { ArbiterError } from '../errors.ts';
import { sha256Hex } from '../benchmark/canonical.ts';

export const PackColumn = z.strictObject({
  name: z.string().min(1),
  type: z.enum(['int32', 'int64', 'float32', 'float64', 'utf8']),
  size: z.number().int().min(1).optional().describe('values per row: a fixed-size list column'),
  from: z.array(z.string()).optional().describe('CSV only: the source columns of a list column (default <name>_0 .. <name>_{size-1})'),
  label: z.boolean().default(false).describe('a label or target column: NaN and empty values are refused'),
  allowNaN: z.boolean().default(false),
});
export const PackSchema = z.strictObject({
  id: z.string().default('id').describe('the row id column: unique; rows are sorted by it'),
  columns: z.array(PackColumn).min(1),
});
export type PackSchemaData = z.output<typeof PackSchema>;

export interface PackResult { rows: number; sha256: string; bytes: number; out: string }

const BATCH_ROWS = 65536;

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new ArbiterError('E_PACK_INPUT', message, details);
}

export function loadPackSchema(file: string): PackSchemaData {
  let raw: unknown;
  try { raw = parseYaml(readFileSync(file, 'utf8')); } catch (err) { fail(`schema ${file}: not valid YAML/JSON: ${(err as Error).message}`); }
  const r = PackSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    fail(`schema ${file}: ${i.path.join('.') || '(top level)'}: ${i.message}`, { file });
  }
  if (!r.data.columns.some((c) => c.name === r.data.id)) fail(`schema ${file}: the id column "${r.data.id}" is not among the columns`);
  r.data.columns.forEach((c, i) => {
    // `from` only names the source columns of a list column; on a scalar it would be ignored.
    if (c.from !== undefined && c.size === undefined) {
      fail(`schema ${file}: columns.${i}.from: expected "from" only on a list column (with "size"), found it on the scalar column "${c.name}" (a scalar column reads the CSV column of its own name)`, { file });
    }
  });
  return r.data;
}

type Cell = string | number | bigint | null | undefined;

/** Parse one declared scalar value; `where` names line and column for the error. */
function parseValue(type: PackSchemaData['columns'][number]['type'], v: unknown, where: string, label: boolean, allowNaN: boolean): number | bigint | string {
  if (type === 'utf8') {
    if (typeof v !== 'string' && typeof v !== 'number') fail(`${where}: expected text, found ${JSON.stringify(v)}`);
    return String(v);
  }
  if (v === '' || v === null || v === undefined) fail(`${where}: expected ${type}, found an empty value${label ? ' (labels cannot be missing)' : ''}`);
  if (type === 'int32' || type === 'int64') {
    // A JSON number beyond 2^53 was already rounded by JSON.parse: refuse it instead of packing
    // a different id (large ids must be written as strings).
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) fail(`${where}: expected ${type}, found the JSON number ${v}, which is beyond 2^53 and was rounded; write it as a string ("...")`);
    const text = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : 'x') : String(v).trim();
    if (!/^-?\d+$/.test(text)) fail(`${where}: expected ${type} (an integer), found ${JSON.stringify(v)}`);
    const big = BigInt(text);
    if (type === 'int32' && (big < -2147483648n || big > 2147483647n)) fail(`${where}: expected int32, found ${text} (out of range)`);
    return type === 'int64' ? big : Number(big);
  }
  const num = typeof v === 'number' ? v : parseDecimal(String(v));
  if (num === undefined) fail(`${where}: expected ${type} (a number), found ${JSON.stringify(v)}`);
  if (!Number.isFinite(num) && (label || !allowNaN)) fail(`${where}: expected a finite number, found ${num}${label ? ' (labels cannot be NaN or infinite)' : ' (set allowNaN on the column to accept it)'}`);
  return num;
}

/** A decimal number as written in CSV/JSON text, or NaN / inf spelled out; undefined otherwise. */
function parseDecimal(text: string): number | undefined {
  const t = text.trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (/^nan$/i.test(t)) return NaN;
  const inf = /^([-+]?)(inf|infinity)$/i.exec(t);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return undefined;
}

interface Columns { values: Array<Array<number | bigint | string>>; lines: number[] }

/** Lines in a text buffer (a final line without a newline counts). */
function physicalLines(buf: Buffer): number {
  let n = 0;
  for (let at = buf.indexOf(10); at !== -1; at = buf.indexOf(10, at + 1)) n++;
  return buf.length > 0 && buf[buf.length - 1] !== 10 ? n + 1 : n;
}

/**
 * The physical line of each CSV record (its last line) for records parsed from `buf` with
 * `options`: blank lines and quoted newlines make the record index differ from the line number
 * that error messages must name. Only such files pay for csv-parse's per-record info.
 */
export function csvRecordLines(buf: Buffer, records: unknown[], options: Record<string, unknown>): number[] {
  if (physicalLines(buf) === records.length) return records.map((_, r) => r + 1);
  const parsed = parseCsv(buf, { ...options, info: true }) as unknown as Array<{ info: { lines: number } }>;
  return parsed.map((p) => p.info.lines);
}

function readCsv(file: string, schema: PackSchemaData): Columns {
  let records: string[][];
  let lineOf: number[];
  try {
    const buf = readFileSync(file);
    const options = { relax_column_count: false, skip_empty_lines: true };
    records = parseCsv(buf, options) as string[][];
    lineOf = csvRecordLines(buf, records, options);
  } catch (err) {
    const e = err as Error & { lines?: number; code?: string };
    const ragged = e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH';
    fail(`${path.basename(file)}${e.lines ? ` line ${e.lines}` : ''}: ${ragged ? 'ragged row: ' : ''}${e.message}`, { file, line: e.lines });
  }
  if (records.length === 0) fail(`${path.basename(file)}: expected a header row, found an empty file`);
  const header = records[0]!;
  const sources = schema.columns.map((c) => (c.size ? c.from ?? Array.from({ length: c.size }, (_, k) => `${c.name}_${k}`) : [c.name]));
  schema.columns.forEach((c, i) => {
    if (c.from && c.size !== undefined && c.from.length !== c.size) fail(`schema: column ${c.name} has size ${c.size} but ${c.from.length} source columns`);
    for (const s of sources[i]!) if (!header.includes(s)) fail(`${path.basename(file)} line 1: expected a column "${s}" (for ${c.name}), the header has ${header.join(', ')}`);
  });
  const idx = sources.map((ss) => ss.map((s) => header.indexOf(s)));
  const values = schema.columns.map(() => [] as Array<number | bigint | string>);
  const lines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    schema.columns.forEach((c, i) => {
      idx[i]!.forEach((ci, k) => {
        values[i]!.push(parseValue(c.type, rec[ci], `${path.basename(file)} line ${lineOf[r]}, column ${header[ci]}`, c.label, c.allowNaN));
        void k;
      });
    });
    lines.push(lineOf[r]!);
  }
  return { values, lines };
}

function readJsonl(file: string, schema: PackSchemaData): Columns {
  const text = readFileSync(file, 'utf8');
  const values = schema.columns.map(() => [] as Array<number | bigint | string>);
  const lines: number[] = [];
  const known = new Set(schema.columns.map((c) => c.name));
  text.split('\n').forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    let obj: unknown;
    try { obj = JSON.parse(line); } catch (err) { fail(`${path.basename(file)} line ${lineNo}: not valid JSON: ${(err as Error).message}`, { line: lineNo }); }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) fail(`${path.basename(file)} line ${lineNo}: expected a JSON object, found ${JSON.stringify(obj)?.slice(0, 40)}`);
    const rec = obj as Record<string, unknown>;
    for (const k of Object.keys(rec)) if (!known.has(k)) fail(`${path.basename(file)} line ${lineNo}: unexpected field "${k}"; the schema has ${[...known].join(', ')}`, { line: lineNo });
    schema.columns.forEach((c, ci) => {
      const where = `${path.basename(file)} line ${lineNo}, field ${c.name}`;
      const v = rec[c.name] as Cell | Cell[];
      if (c.size) {
        if (!Array.isArray(v) || v.length !== c.size) fail(`${where}: expected a list of ${c.size} ${c.type} values, found ${Array.isArray(v) ? `a list of ${v.length}` : JSON.stringify(v)}`, { line: lineNo });
        v.forEach((x, k) => values[ci]!.push(parseValue(c.type, x, `${where}[${k}]`, c.label, c.allowNaN)));
      } else {
        if (v === undefined) fail(`${where}: missing`, { line: lineNo });
        values[ci]!.push(parseValue(c.type, v, where, c.label, c.allowNaN));
      }
    });
    lines.push(lineNo);
  });
  return { values, lines };
}

function arrowType(c: PackSchemaData['columns'][number]): DataType {
  const scalar = { int32: new Int32(), int64: new Int64(), float32: new Float32(), float64: new Float64(), utf8: new Utf8() }[c.type];
  return c.size ? new FixedSizeList(c.size, new Field('item', scalar, false)) : scalar;
}

function columnData(c: PackSchemaData['columns'][number], vals: Array<number | bigint | string>, order: Int32Array, from: number, to: number): Data {
  const w = c.size ?? 1;
  const n = to - from;
  if (c.type === 'utf8') {
    if (w !== 1) fail(`schema: column ${c.name}: utf8 list columns are not supported`);
    const picked: string[] = [];
    for (let i = from; i < to; i++) picked.push(vals[order[i]!] as string);
    return vectorFromArray(picked, new Utf8()).data[0]!;
  }
  const Ctor = { int32: Int32Array, int64: BigInt64Array, float32: Float32Array, float64: Float64Array }[c.type];
  const arr = new Ctor(n * w);
  for (let i = from; i < to; i++) {
    const r = order[i]!;
    for (let k = 0; k < w; k++) (arr as unknown as Array<number | bigint>)[(i - from) * w + k] = vals[r * w + k]! as never;
  }
  const scalarType = { int32: new Int32(), int64: new Int64(), float32: new Float32(), float64: new Float64() }[c.type];
  const child = makeData({ type: scalarType as never, length: n * w, nullCount: 0, data: arr as never });
  return w === 1 ? child : makeData({ type: arrowType(c) as FixedSizeList, length: n, nullCount: 0, child });
}

/** Pack `input` (.csv or .jsonl) into an Arrow IPC stream at `out`. */
export function packDataset(input: string, schema: PackSchemaData, out: string): PackResult {
  const ext = path.extname(input).toLowerCase();
  const cols = ext === '.csv' ? readCsv(input, schema) : ext === '.jsonl' || ext === '.ndjson' ? readJsonl(input, schema) : fail(`${input}: expected a .csv or .jsonl file, found "${ext || 'no extension'}"`);
  const rows = cols.lines.length;
  if (rows === 0) fail(`${path.basename(input)}: expected at least one data row, found none`);
  const idAt = schema.columns.findIndex((c) => c.name === schema.id);
  const idCol = schema.columns[idAt]!;
  if (idCol.size) fail(`schema: the id column "${schema.id}" must be a scalar`);
  if (idCol.type !== 'int64' && idCol.type !== 'int32' && idCol.type !== 'utf8') fail(`schema: the id column "${schema.id}" must be int32, int64 or utf8, found ${idCol.type}`);
  const ids = cols.values[idAt]!;
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  const cmp = idCol.type === 'utf8'
    ? (a: number, b: number) => Buffer.compare(Buffer.from(ids[a] as string), Buffer.from(ids[b] as string))
    : (a: number, b: number) => { const x = BigInt(ids[a] as bigint | number); const y = BigInt(ids[b] as bigint | number); return x < y ? -1 : x > y ? 1 : 0; };
  order.sort(cmp);
  for (let i = 1; i < rows; i++) {
    if (cmp(order[i - 1]!, order[i]!) === 0) {
      const [a, b] = [cols.lines[order[i - 1]!]!, cols.lines[order[i]!]!].sort((x, y) => x - y);
      fail(`${path.basename(input)} line ${b}: duplicate id ${String(ids[order[i]!])} (also on line ${a})`, { line: b, firstLine: a });
    }
  }
  const arrowSchema = new Schema(schema.columns.map((c) => new Field(c.name, arrowType(c), false)));
  const writer = new RecordBatchStreamWriter();
  for (let from = 0; from < rows; from += BATCH_ROWS) {
    const to = Math.min(rows, from + BATCH_ROWS);
    const children = schema.columns.map((c, i) => columnData(c, cols.values[i]!, order, from, to));
    const data = makeData({ type: new Struct(arrowSchema.fields), length: to - from, nullCount: 0, children });
    writer.write(new RecordBatch(arrowSchema, data));
  }
  writer.finish();
  const bytes = writer.toUint8Array(true);
  writeFileSync(out, bytes);
  return { rows, sha256: sha256Hex(bytes), bytes: bytes.length, out };
}
