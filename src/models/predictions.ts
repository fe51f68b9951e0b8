// Prediction-file submissions (Kaggle style): a CSV or Arrow stream file of row id plus a
// prediction (class id or value) or class probabilities p0..p{C-1}. Loaded whole (it is the
// participant's file, one row per hidden row), checked strictly, then looked up by row id.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ArbiterError } from '../errors.ts';
import type { LoadedBenchmark } from '../spec/loader.ts';
import { openArrowStream, readChunks, columnShape, type ColumnRequest } from '../data/arrow-stream.ts';
import { canonicalId } from '../data/split.ts';
import { csvRecordLines } from '../data/pack.ts';
import { checkArrowStream } from './arrow-ipc-check.ts';

export type PredictionKind = 'classes' | 'probabilities' | 'values';

export interface PredictionTable {
  kind: PredictionKind;
  width: number;
  index: Map<string, number>;
  values: Float64Array;
  used: Uint8Array;
}

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export const PREDICTION_EXTENSIONS = ['.csv', '.arrow', '.arrows'];

function bad(file: string, message: string, details: Record<string, unknown> = {}): never {
  throw new ArbiterError('E_PREDICTIONS', `${path.basename(file)}: ${message}`, { file: path.basename(file), ...details });
}

function layout(b: LoadedBenchmark, columns: string[], file: string, needsProbabilities: boolean): { kind: PredictionKind; cols: string[] } {
  if (!columns.includes('id')) bad(file, `expected an "id" column, found ${columns.map((c) => `"${c}"`).join(', ')}`);
  const t = b.spec.task;
  if (t.type === 'classification') {
    const probCols = Array.from({ length: t.numClasses }, (_, k) => `p${k}`);
    if (probCols.every((c) => columns.includes(c))) return { kind: 'probabilities', cols: probCols };
    if (columns.includes('prediction')) {
      if (needsProbabilities) bad(file, `this benchmark's metrics need class probabilities: expected columns ${probCols.join(', ')}, found only "prediction"`);
      return { kind: 'classes', cols: ['prediction'] };
    }
    bad(file, `expected columns id and either ${probCols.join(', ')} (probabilities) or prediction (class id), found ${columns.join(', ')}`);
  }
  if (!columns.includes('prediction')) bad(file, `expected columns id and prediction, found ${columns.join(', ')}`);
  return { kind: 'values', cols: ['prediction'] };
}

function checkValue(b: LoadedBenchmark, kind: PredictionKind, v: number, file: string, where: string): void {
  if (!Number.isFinite(v)) bad(file, `${where}: expected a finite number, found ${v}`);
  if (kind === 'classes') {
    const c = (b.spec.task as { numClasses: number }).numClasses;
    if (!Number.isInteger(v) || v < 0 || v >= c) bad(file, `${where}: expected a class id in 0..${c - 1}, found ${v}`);
  }
}

export async function loadPredictions(file: string, b: LoadedBenchmark, needsProbabilities: boolean): Promise<PredictionTable> {
  const index = new Map<string, number>();
  // how to name where an earlier row was: CSV files name lines, Arrow files data rows
  let firstSeen = (row: number): string => `in data row ${row + 1}`;
  const addId = (id: string, where: string): number => {
    const prev = index.get(id);
    if (prev !== undefined) bad(file, `${where}: duplicate id ${JSON.stringify(id)} (first seen ${firstSeen(prev)})`, { firstDuplicate: id });
    index.set(id, index.size);
    return index.size - 1;
  };
  if (file.endsWith('.csv')) {
    let records: string[][];
    let lineOf: number[];
    try {
      const buf = readFileSync(file);
      const options = { relax_column_count: false, skip_empty_lines: true, trim: true };
      records = parse(buf, options) as string[][];
      lineOf = csvRecordLines(buf, records, options);
    } catch (err) {
      return bad(file, `not a valid CSV file: ${(err as Error).message}`);
    }
    if (records.length < 1) bad(file, 'expected a header row, found an empty file');
    const header = records[0]!;
    const { kind, cols } = layout(b, header, file, needsProbabilities);
    const idAt = header.indexOf('id');
    const at = cols.map((c) => header.indexOf(c));
    const values = new Float64Array((records.length - 1) * cols.length);
    firstSeen = (row) => `on line ${lineOf[row + 1]}`;
    for (let r = 1; r < records.length; r++) {
      const rec = records[r]!;
      const where = `line ${lineOf[r]}`;
      const id = rec[idAt]!;
      if (id === '') bad(file, `${where}: empty id`);
      const row = addId(id, where);
      at.forEach((ci, j) => {
        const text = rec[ci]!;
        // plain decimal notation only: Number() would also take "0x1", "0b1" and "Infinity"
        const v = DECIMAL.test(text) ? Number(text) : NaN;
        if (Number.isNaN(v)) bad(file, `${where}, column ${cols[j]}: expected a number, found ${JSON.stringify(text)}`);
        checkValue(b, kind, v, file, `${where}, column ${cols[j]}`);
        values[row * cols.length + j] = v;
      });
    }
    return { kind, width: cols.length, index, values, used: new Uint8Array(index.size) };
  }
  if (file.endsWith('.arrow') || file.endsWith('.arrows')) {
    // read whole and check every length field before apache-arrow sees it
    let bytes: Buffer;
    try { bytes = readFileSync(file); } catch { return bad(file, 'expected a prediction file, found nothing there'); }
    const why = checkArrowStream(bytes);
    if (why) bad(file, why);
    const source = { name: file, bytes };
    const { schema } = await openArrowStream(source, 'prediction file').catch((err: Error) => bad(file, err.message));
    const names = schema.fields.map((f) => f.name);
    const { kind, cols } = layout(b, names, file, needsProbabilities);
    const idField = schema.fields.find((f) => f.name === 'id')!;
    const idKind = columnShape(idField.type).kind;
    if (idKind !== 'utf8' && idKind !== 'int64' && idKind !== 'int32') bad(file, `column "id" must be Int64 or Utf8, found ${String(idField.type)}`);
    const reqs: ColumnRequest[] = [
      { name: 'id', kind: idKind === 'utf8' ? 'utf8' : 'int64', width: 1, role: 'row id' },
      ...cols.map((c): ColumnRequest => {
        const k = columnShape(schema.fields.find((f) => f.name === c)!.type).kind;
        return { name: c, kind: k === 'float32' || k === 'int32' || k === 'int64' ? k : 'float64', width: 1, role: 'prediction' };
      }),
    ];
    const parts: number[] = [];
    try {
      for await (const chunk of readChunks(source, reqs, 65536, 'prediction file')) {
        const ids = chunk.columns.get('id') as ArrayLike<bigint | string>;
        for (let i = 0; i < chunk.rows; i++) {
          const where = `data row ${chunk.start + i + 1}`;
          addId(canonicalId(ids[i]!), where);
          cols.forEach((c) => {
            const v = Number((chunk.columns.get(c) as ArrayLike<number | bigint>)[i]!);
            checkValue(b, kind, v, file, `${where}, column ${c}`);
            parts.push(v);
          });
        }
      }
    } catch (err) {
      if (err instanceof ArbiterError && err.code === 'E_PREDICTIONS') throw err;
      bad(file, (err as Error).message);
    }
    return { kind, width: cols.length, index, values: Float64Array.from(parts), used: new Uint8Array(index.size) };
  }
  return bad(file, `expected a .csv or .arrow prediction file, found "${path.extname(file) || 'no extension'}"`);
}

/** Rows of predictions for a chunk's ids, in chunk order; fails naming the first missing ids. */
export function lookupPredictions(table: PredictionTable, ids: ArrayLike<bigint | string>, rows: number, file: string): Float64Array {
  const out = new Float64Array(rows * table.width);
  const missing: string[] = [];
  for (let i = 0; i < rows; i++) {
    const id = canonicalId(ids[i]!);
    const at = table.index.get(id);
    if (at === undefined) {
      if (missing.push(id) >= 5) break;
      continue;
    }
    table.used[at] = 1;
    for (let j = 0; j < table.width; j++) out[i * table.width + j] = table.values[at * table.width + j]!;
  }
  if (missing.length > 0) bad(file, `missing predictions for ids ${missing.map((m) => JSON.stringify(m)).join(', ')}${missing.length >= 5 ? ' (and maybe more)' : ''}`, { missing });
  return out;
}

/** After the pass: ids in the file that are not in the dataset. */
export function checkNoExtraPredictions(table: PredictionTable, file: string): void {
  if (table.used.every((u) => u === 1)) return;
  const extra: string[] = [];
  for (const [id, at] of table.index) {
    if (table.used[at] === 0 && extra.push(id) >= 5) break;
  }
  bad(file, `ids not in the dataset: ${extra.map((m) => JSON.stringify(m)).join(', ')}`, { extra });
}
