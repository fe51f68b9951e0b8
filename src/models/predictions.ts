// Prediction-file submissions (Kaggle style): a CSV or Arrow stream file of row id plus a
// prediction (class id or value) or class probabilities p0..p{C-1}. Checked strictly, then looked
// up by row id. Bounded memory: the file must be a regular file no larger than the benchmark's
// `model.maxBytes` (from lstat, before reading); a CSV is parsed as a stream; an Arrow file's framing
// and metadata are checked (arrow-ipc-check.ts) before apache-arrow allocates anything. Messages
// never name a hidden id the participant did not send (docs/security.md).
import { createReadStream, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { ArbiterError } from '../errors.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { openArrowStream, readChunks, columnShape, type ColumnRequest } from '../data/arrow-stream.ts';
import { canonicalId } from '../data/split.ts';
import { checkArrowStream } from './arrow-ipc-check.ts';

export type PredictionKind = 'classes' | 'probabilities' | 'values';

export interface PredictionTable {
  kind: PredictionKind;
  width: number;
  index: Map<string, number>;
  values: Float64Array;
  used: Uint8Array;
  /** dataset.inputsPublished: messages may name ids the participant sent that are not in the set */
  namesIds?: boolean;
}

/** Growable Float64Array (a plain number[] costs ~2x the memory for large files). */
class Floats {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) { const d = new Float64Array(this.data.length * 2); d.set(this.data); this.data = d; }
    this.data[this.length++] = v;
  }
  done(): Float64Array { return this.data.slice(0, this.length); }
}

/** Whether a benchmark takes submissions of `kind` (`admission.kinds`; absent: both kinds). */
export function takesKind(b: LoadedBenchmark, kind: 'onnx' | 'predictions'): boolean {
  const kinds = (b.spec as { admission?: { kinds?: string[] } }).admission?.kinds;
  return kinds === undefined || kinds.includes(kind);
}

/** Regular file, at most `model.maxBytes`: checked from lstat, before a byte is read. */
function checkFile(file: string, b: LoadedBenchmark): number {
  let st;
  try { st = lstatSync(file); } catch { return bad(file, 'expected a prediction file, found nothing there'); }
  if (!st.isFile()) bad(file, 'expected a regular file (not a symlink, FIFO, socket or device)');
  const limit = (b.spec as { model?: { maxBytes: number } }).model?.maxBytes ?? 100 * 1024 * 1024;
  if (st.size > limit) {
    throw new ArbiterError('E_MODEL_TOO_LARGE', `${path.basename(file)} is ${st.size} bytes: the benchmark accepts prediction files up to ${limit} bytes (model.maxBytes)`, { size: st.size, limit });
  }
  return st.size;
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
  if (!takesKind(b, 'predictions')) {
    throw new ArbiterError('E_MODEL_FORMAT', `${path.basename(file)}: benchmark ${b.spec.id} takes ${((b.spec as { admission?: { kinds?: string[] } }).admission?.kinds ?? []).join(', ')} submissions, not prediction files (admission.kinds)`, { file: path.basename(file) });
  }
  checkFile(file, b);
  const namesIds = (b.spec as { dataset?: { inputsPublished?: boolean } }).dataset?.inputsPublished === true;
  if (file.endsWith('.csv')) {
    // Fast pass without csv-parse's per-record info (about a quarter of the CPU) and with no
    // message text built; any refusal is re-derived by the exact pass, which names lines. Both
    // accept the same files and build the same table: only the messages need line numbers.
    try {
      return await csvTable(file, b, needsProbabilities, namesIds, false);
    } catch {
      return await csvTable(file, b, needsProbabilities, namesIds, true);
    }
  }
  if (file.endsWith('.arrow') || file.endsWith('.arrows')) {
    // read whole (at most model.maxBytes) and check every length field before apache-arrow sees it
    const bytes = readFileSync(file);
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
    const parts = new Floats();
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
    return { kind, width: cols.length, index, values: parts.done(), used: new Uint8Array(index.size), namesIds };
  }
  return bad(file, `expected a .csv or .arrow prediction file, found "${path.extname(file) || 'no extension'}"`);
}

/**
 * Rows of predictions for a chunk's ids, in chunk order. Fails with how many of the chunk's ids
 * have no prediction, never which: those are hidden ids the participant did not send.
 */
export function lookupPredictions(table: PredictionTable, ids: ArrayLike<bigint | string>, rows: number, file: string): Float64Array {
  const out = new Float64Array(rows * table.width);
  let missing = 0;
  for (let i = 0; i < rows; i++) {
    const at = table.index.get(canonicalId(ids[i]!));
    if (at === undefined) { missing++; continue; }
    table.used[at] = 1;
    for (let j = 0; j < table.width; j++) out[i * table.width + j] = table.values[at * table.width + j]!;
  }
  if (missing > 0) bad(file, `missing predictions for ${missing} ${missing === 1 ? 'id' : 'ids'} of the hidden set (counted in the first block of rows where any is missing; there may be more)`, { missing });
  return out;
}

/**
 * After the pass: ids in the file that are not in the dataset. Gives their count; names (up to 5 of)
 * them only when the spec says the inputs were published (dataset.inputsPublished), since whether
 * an id is in the set is otherwise hidden.
 */
export function checkNoExtraPredictions(table: PredictionTable, file: string): void {
  if (table.used.every((u) => u === 1)) return;
  const extra: string[] = [];
  let count = 0;
  for (const [id, at] of table.index) {
    if (table.used[at] === 0 && ++count <= 5) extra.push(id);
  }
  if (table.namesIds) bad(file, `${count} ${count === 1 ? 'id is' : 'ids are'} not in the dataset: ${extra.map((m) => JSON.stringify(m)).join(', ')}${count > 5 ? ', …' : ''}`, { extra: count });
  bad(file, `${count} of the file's ${table.index.size} ids ${count === 1 ? 'is' : 'are'} not in the hidden set`, { extra: count });
}

/** A CSV prediction file as a table; `exact` tracks lines for messages (the slow, refusing pass). */
async function csvTable(file: string, b: LoadedBenchmark, needsProbabilities: boolean, namesIds: boolean, exact: boolean): Promise<PredictionTable> {
  const index = new Map<string, number>();
  const lineOf: number[] = []; // exact pass only: the line of each data row, for duplicate messages
  const addId = (id: string, where: () => string): void => {
    const prev = index.get(id);
    if (prev !== undefined) bad(file, `${where()}: duplicate id ${JSON.stringify(id)} (first seen on line ${lineOf[prev]})`, { firstDuplicate: id });
    index.set(id, index.size);
  };
  // bom: spreadsheet programs save CSV with a UTF-8 byte-order mark, which would otherwise be part of the first header name
  const options = { bom: true, relax_column_count: false, skip_empty_lines: true, trim: true, info: exact, max_record_size: 1 << 20 };
  let layoutOf: { kind: PredictionKind; cols: string[]; idAt: number; at: number[] } | null = null;
  const values = new Floats();
  try {
    const parser = createReadStream(file).pipe(parse(options));
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } } | string[]>) {
      const rec = exact ? (item as { record: string[] }).record : item as string[];
      if (!layoutOf) {
        const { kind, cols } = layout(b, rec, file, needsProbabilities);
        layoutOf = { kind, cols, idAt: rec.indexOf('id'), at: cols.map((c) => rec.indexOf(c)) };
        continue;
      }
      const { kind, cols, idAt, at } = layoutOf;
      const line = exact ? (item as { info: { lines: number } }).info.lines : 0;
      const where = () => `line ${line}`;
      const id = rec[idAt]!;
      if (id === '') bad(file, `${where()}: empty id`);
      addId(id, where);
      if (exact) lineOf.push(line);
      at.forEach((ci, j) => {
        const text = rec[ci]!;
        // plain decimal notation only: Number() would also take "0x1", "0b1" and "Infinity"
        const v = DECIMAL.test(text) ? Number(text) : NaN;
        if (Number.isNaN(v)) bad(file, `${where()}, column ${cols[j]}: expected a number, found ${JSON.stringify(text)}`);
        checkValue(b, kind, v, file, exact ? `${where()}, column ${cols[j]}` : '');
        values.push(v);
      });
    }
  } catch (err) {
    if (err instanceof ArbiterError) throw err;
    return bad(file, `not a valid CSV file: ${(err as Error).message}`);
  }
  if (!layoutOf) bad(file, 'expected a header row, found an empty file');
  return { kind: layoutOf.kind, width: layoutOf.cols.length, index, values: values.done(), used: new Uint8Array(index.size), namesIds };
}
