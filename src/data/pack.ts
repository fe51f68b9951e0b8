// `arbiter dataset pack`: CSV or JSONL in, an Arrow IPC stream file out, checked against a
// declared schema. Refuses ragged rows, type mismatches, NaN labels and duplicate ids, each
// with its line number. Rows are sorted by id (the order the batch plan uses).
import { closeSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseCsvStream } from 'csv-parse';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  Field, FixedSizeList, Float32, Float64, Int32, Int64, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Utf8,
  vectorFromArray, type Data, type DataType,
} from 'apache-arrow';
import { ArbiterError } from '../errors.ts';
import { orderByKeys, putInt64Keys, sameKey, type IdKeys } from './id-order.ts';

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

// Streaming: the input is read twice, in chunks, never whole. The first pass checks every value
// and keeps only each row's id, line and byte range; the rows are then sorted by id, and the
// second pass (a plain re-read when the input is already in id order, else one positioned read
// per row) builds the Arrow batches one at a time and writes each as it fills. Memory is the ids
// plus one batch, whatever the file size; the bytes are those of building every batch at once.
const READ_BYTES = 1 << 22;

/** Tuning that changes memory and speed, never the output. */
export interface PackOptions { /** bytes read per chunk (default 4 MiB) */ readBytes?: number }

type Value = number | bigint | string;
/** One row's values per schema column (a list column contributes `size` values). */
type RowValues = Value[][];

/**
 * A growable typed column in fixed pages: the per-row bookkeeping of pass 1 costs its element
 * size a row, never a JS object, and growing never copies (no doubling slack, no transient copy).
 */
class Pages<T extends Float64Array | BigInt64Array | Int32Array> {
  n = 0;
  private pages: T[] = [];
  constructor(private readonly make: (n: number) => T) {}
  push(v: T[number]): void {
    if ((this.n & PAGE_MASK) === 0) this.pages.push(this.make(PAGE));
    (this.pages[this.pages.length - 1] as unknown as Array<T[number]>)[this.n & PAGE_MASK] = v;
    this.n++;
  }
  get(i: number): T[number] {
    return this.pages[i >>> PAGE_BITS]![i & PAGE_MASK]!;
  }
  /** Each page with the index of its first element and its element count, in order. */
  forEachPage(f: (page: T, at: number, n: number) => void): void {
    this.pages.forEach((p, k) => f(p, k * PAGE, Math.min(PAGE, this.n - k * PAGE)));
  }
}
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;

interface RowSource {
  /** pass 1: checks every row, calls `row` with its values (to keep the id), line and byte range */
  scan(row: (values: RowValues, line: number, start: number, end: number) => void): void;
  /** pass 2, in file order */
  each(row: (values: RowValues) => void): void;
  /** one row by its byte range (for inputs not in id order) */
  at(fd: number, start: number, end: number, line: number): RowValues;
}

interface CsvApi { parse(buf: Buffer | undefined, end: boolean, push: (r: unknown) => void, close: () => void): Error | undefined }

/**
 * csv-parse's own engine (the one behind its sync and stream APIs), driven synchronously over
 * the file in chunks: `record` gets each record, the line it ends on, and its end byte offset.
 */
function eachCsvRecord(file: string, options: Record<string, unknown>, readBytes: number, record: (rec: string[], line: number, end: number) => void): void {
  const api = (parseCsvStream({ ...options, info: true }) as unknown as { api: CsvApi }).api;
  const push = (r: unknown) => { const x = r as { record: string[]; info: { lines: number; bytes: number } }; record(x.record, x.info.lines, x.info.bytes); };
  const fd = openSync(file, 'r');
  try {
    for (let pos = 0; ;) {
      const buf = Buffer.allocUnsafe(readBytes); // fresh: the parser keeps views of a chunk's tail
      const n = readSync(fd, buf, 0, readBytes, pos);
      if (n === 0) break;
      pos += n;
      const err = api.parse(buf.subarray(0, n), false, push, () => {});
      if (err) throw err;
    }
    const err = api.parse(undefined, true, push, () => {});
    if (err) throw err;
  } finally {
    closeSync(fd);
  }
}

function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.allocUnsafe(end - start);
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

function csvSource(file: string, schema: PackSchemaData, readBytes: number): RowSource {
  const name = path.basename(file);
  const options = { relax_column_count: false, skip_empty_lines: true };
  let header: string[] | null = null;
  let idx: number[][] = [];
  let delimiter = '\n';
  const values = (rec: string[], line: number): RowValues => schema.columns.map((c, i) =>
    idx[i]!.map((ci) => parseValue(c.type, rec[ci], `${name} line ${line}, column ${header![ci]}`, c.label, c.allowNaN)));
  const onHeader = (rec: string[]) => {
    header = rec;
    const sources = schema.columns.map((c) => (c.size ? c.from ?? Array.from({ length: c.size }, (_, k) => `${c.name}_${k}`) : [c.name]));
    schema.columns.forEach((c, i) => {
      if (c.from && c.size !== undefined && c.from.length !== c.size) fail(`schema: column ${c.name} has size ${c.size} but ${c.from.length} source columns`);
      for (const s of sources[i]!) if (!rec.includes(s)) fail(`${name} line 1: expected a column "${s}" (for ${c.name}), the header has ${rec.join(', ')}`);
    });
    idx = sources.map((ss) => ss.map((s) => rec.indexOf(s)));
  };
  const guarded = (body: () => void) => {
    try { body(); } catch (err) {
      if (err instanceof ArbiterError) throw err;
      const e = err as Error & { lines?: number; code?: string };
      const ragged = e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH';
      fail(`${name}${e.lines ? ` line ${e.lines}` : ''}: ${ragged ? 'ragged row: ' : ''}${e.message}`, { file, line: e.lines });
    }
  };
  return {
    scan(row) {
      let prevEnd = 0;
      guarded(() => eachCsvRecord(file, options, readBytes, (rec, line, end) => {
        if (header === null) {
          onHeader(rec);
          // the record delimiter csv-parse settled on, for re-reading single records
          const fd = openSync(file, 'r');
          try { const tail = readRange(fd, Math.max(0, end - 2), end).toString('latin1'); delimiter = tail.endsWith('\r\n') ? '\r\n' : tail.endsWith('\r') ? '\r' : '\n'; } finally { closeSync(fd); }
        } else row(values(rec, line), line, prevEnd, end);
        prevEnd = end;
      }));
      if (header === null) fail(`${name}: expected a header row, found an empty file`);
    },
    each(row) {
      let first = true;
      guarded(() => eachCsvRecord(file, options, readBytes, (rec, line) => { if (first) first = false; else row(values(rec, line)); }));
    },
    at(fd, start, end, line) {
      const recs = parseCsv(readRange(fd, start, end), { ...options, record_delimiter: delimiter }) as string[][];
      return values(recs[0]!, line);
    },
  };
}

/** Each line of a file (split at \n, decoded as UTF-8) with its number and byte range. */
function eachLine(file: string, readBytes: number, line: (text: string, lineNo: number, start: number, end: number) => void): void {
  const fd = openSync(file, 'r');
  try {
    let carry: Buffer = Buffer.alloc(0);
    let carryStart = 0;
    let lineNo = 0;
    for (let pos = 0; ;) {
      const chunk = Buffer.allocUnsafe(readBytes);
      const n = readSync(fd, chunk, 0, readBytes, pos);
      if (n === 0) break;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      const base = carryStart;
      let from = 0;
      for (let at = buf.indexOf(10); at !== -1; at = buf.indexOf(10, from)) {
        line(buf.toString('utf8', from, at), ++lineNo, base + from, base + at + 1);
        from = at + 1;
      }
      carry = Buffer.from(buf.subarray(from));
      carryStart = base + from;
      pos += n;
    }
    // the text after the last newline is a line too (empty when the file ends with one)
    line(carry.toString('utf8'), ++lineNo, carryStart, carryStart + carry.length);
  } finally {
    closeSync(fd);
  }
}

function jsonlSource(file: string, schema: PackSchemaData, readBytes: number): RowSource {
  const name = path.basename(file);
  const known = new Set(schema.columns.map((c) => c.name));
  const values = (line: string, lineNo: number): RowValues | null => {
    if (line.trim() === '') return null;
    let obj: unknown;
    try { obj = JSON.parse(line); } catch (err) { fail(`${name} line ${lineNo}: not valid JSON: ${(err as Error).message}`, { line: lineNo }); }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) fail(`${name} line ${lineNo}: expected a JSON object, found ${JSON.stringify(obj)?.slice(0, 40)}`);
    const rec = obj as Record<string, unknown>;
    for (const k of Object.keys(rec)) if (!known.has(k)) fail(`${name} line ${lineNo}: unexpected field "${k}"; the schema has ${[...known].join(', ')}`, { line: lineNo });
    return schema.columns.map((c) => {
      const where = `${name} line ${lineNo}, field ${c.name}`;
      const v = rec[c.name] as Cell | Cell[];
      if (c.size) {
        if (!Array.isArray(v) || v.length !== c.size) fail(`${where}: expected a list of ${c.size} ${c.type} values, found ${Array.isArray(v) ? `a list of ${v.length}` : JSON.stringify(v)}`, { line: lineNo });
        return v.map((x, k) => parseValue(c.type, x, `${where}[${k}]`, c.label, c.allowNaN));
      }
      if (v === undefined) fail(`${where}: missing`, { line: lineNo });
      return [parseValue(c.type, v, where, c.label, c.allowNaN)];
    });
  };
  return {
    scan(row) { eachLine(file, readBytes, (text, lineNo, start, end) => { const v = values(text, lineNo); if (v) row(v, lineNo, start, end); }); },
    each(row) { eachLine(file, readBytes, (text, lineNo) => { const v = values(text, lineNo); if (v) row(v); }); },
    at(fd, start, end, line) { return values(readRange(fd, start, end).toString('utf8').replace(/\n$/, ''), line)!; },
  };
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

/** Pack `input` (.csv or .jsonl) into an Arrow IPC stream at `out`, in bounded memory (see above). */
export function packDataset(input: string, schema: PackSchemaData, out: string, opts: PackOptions = {}): PackResult {
  const readBytes = Math.max(1, Math.floor(opts.readBytes ?? READ_BYTES));
  const ext = path.extname(input).toLowerCase();
  const source = ext === '.csv' ? csvSource(input, schema, readBytes) : ext === '.jsonl' || ext === '.ndjson' ? jsonlSource(input, schema, readBytes) : fail(`${input}: expected a .csv or .jsonl file, found "${ext || 'no extension'}"`);
  const idAt = schema.columns.findIndex((c) => c.name === schema.id);
  const idCol = schema.columns[idAt]!;
  const lines = new Pages((n) => new Int32Array(n));
  const starts = new Pages((n) => new Float64Array(n));
  const ends = new Pages((n) => new Float64Array(n));
  const textIds: string[] = [];
  const intIds = new Pages((n) => new BigInt64Array(n));
  const numIds = new Pages((n) => new Float64Array(n));
  source.scan((v, line, start, end) => {
    const id = v[idAt]![0]!;
    if (typeof id === 'string') textIds.push(id); else if (typeof id === 'bigint') intIds.push(id); else numIds.push(id);
    lines.push(line); starts.push(start); ends.push(end);
  });
  const rows = lines.n;
  if (rows === 0) fail(`${path.basename(input)}: expected at least one data row, found none`);
  if (idCol.size) fail(`schema: the id column "${schema.id}" must be a scalar`);
  if (idCol.type !== 'int64' && idCol.type !== 'int32' && idCol.type !== 'utf8') fail(`schema: the id column "${schema.id}" must be int32, int64 or utf8, found ${idCol.type}`);
  const id: (i: number) => Value = idCol.type === 'utf8' ? (i) => textIds[i]! : idCol.type === 'int64' ? (i) => intIds.get(i) : (i) => numIds.get(i);
  let order: Int32Array;
  let same: (a: number, b: number) => boolean;
  if (idCol.type === 'utf8') {
    order = Int32Array.from({ length: rows }, (_, i) => i);
    const cmp = (a: number, b: number) => Buffer.compare(Buffer.from(textIds[a]!), Buffer.from(textIds[b]!));
    order.sort(cmp);
    same = (a, b) => cmp(a, b) === 0;
  } else {
    // Integer ids: a radix sort of typed key halves (src/data/id-order.ts), never a BigInt comparator.
    const keys: IdKeys = { hi: new Uint32Array(rows), lo: new Uint32Array(rows) };
    if (idCol.type === 'int64') intIds.forEachPage((page, at, n) => putInt64Keys(keys, at, new Uint32Array(page.buffer, page.byteOffset, 2 * n), n));
    else for (let i = 0; i < rows; i++) keys.lo[i] = (numIds.get(i) ^ 0x80000000) >>> 0; // int32: hi stays 0
    order = orderByKeys(keys, rows);
    same = (a, b) => sameKey(keys, a, b);
  }
  for (let i = 1; i < rows; i++) {
    if (same(order[i - 1]!, order[i]!)) {
      const [a, b] = [lines.get(order[i - 1]!), lines.get(order[i]!)].sort((x, y) => x - y);
      fail(`${path.basename(input)} line ${b}: duplicate id ${String(id(order[i]!))} (also on line ${a})`, { line: b, firstLine: a });
    }
  }
  let inOrder = true;
  for (let i = 0; i < rows && inOrder; i++) inOrder = order[i] === i;

  const arrowSchema = new Schema(schema.columns.map((c) => new Field(c.name, arrowType(c), false)));
  const writer = new RecordBatchStreamWriter();
  const hash = createHash('sha256');
  const tmp = `${out}.tmp-${process.pid}`;
  const outFd = openSync(tmp, 'w');
  let bytes = 0;
  // The writer queues its output in memory; each batch's bytes are taken out and written at once.
  const drain = () => {
    const queued = (writer as unknown as { _sink: { _values: Uint8Array[] } })._sink._values;
    for (const chunk of queued.splice(0)) { writeSync(outFd, chunk); hash.update(chunk); bytes += chunk.length; }
  };
  try {
    // One batch at a time, numbers straight into typed arrays (boxed values would make the heap
    // grow with the file). The Data is built as columnData builds it, so the bytes are the same.
    const fresh = () => schema.columns.map((c) => {
      if (c.type === 'utf8') return [] as string[];
      const Ctor = { int32: Int32Array, int64: BigInt64Array, float32: Float32Array, float64: Float64Array }[c.type];
      return new Ctor(BATCH_ROWS * (c.size ?? 1));
    });
    let batch = fresh();
    let inBatch = 0;
    const identity = Int32Array.from({ length: BATCH_ROWS }, (_, i) => i);
    const flush = () => {
      const children = schema.columns.map((c, i) => {
        const col = batch[i]!;
        if (Array.isArray(col)) return columnData(c, col, identity, 0, inBatch);
        const w = c.size ?? 1;
        const scalarType = { int32: new Int32(), int64: new Int64(), float32: new Float32(), float64: new Float64() }[c.type as 'int32'];
        const child = makeData({ type: scalarType as never, length: inBatch * w, nullCount: 0, data: col.subarray(0, inBatch * w) as never });
        return w === 1 ? child : makeData({ type: arrowType(c) as FixedSizeList, length: inBatch, nullCount: 0, child });
      });
      const data = makeData({ type: new Struct(arrowSchema.fields), length: inBatch, nullCount: 0, children });
      writer.write(new RecordBatch(arrowSchema, data));
      drain();
      batch = fresh();
      inBatch = 0;
    };
    const add = (v: RowValues) => {
      for (let i = 0; i < v.length; i++) {
        const col = batch[i]!;
        const vals = v[i]!;
        if (Array.isArray(col)) { for (const x of vals) col.push(x as string); continue; }
        const at = inBatch * vals.length;
        for (let k = 0; k < vals.length; k++) (col as unknown as Value[])[at + k] = vals[k]!;
      }
      if (++inBatch === BATCH_ROWS) flush();
    };
    textIds.length = 0; // only the positions are needed from here
    if (inOrder) source.each(add);
    else {
      const fd = openSync(input, 'r');
      try { for (let i = 0; i < rows; i++) { const r = order[i]!; add(source.at(fd, starts.get(r), ends.get(r), lines.get(r))); } } finally { closeSync(fd); }
    }
    if (inBatch > 0) flush();
    writer.finish();
    drain();
  } catch (err) {
    closeSync(outFd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(outFd);
  renameSync(tmp, out);
  return { rows, sha256: hash.digest('hex'), bytes, out };
}
