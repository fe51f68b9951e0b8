// Prediction-file cases: CSV text built row by row with hostile variants (headers, ids, numbers,
// BOMs, line endings, quotes, long lines, non-UTF-8 bytes), and valid Arrow IPC streams
// (apache-arrow tableToIPC) mutated at the byte level, leaning on 4/8-byte length and offset fields.
import { Float32, Float64, Int32, Int64, Table, tableToIPC, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { mutateBytes, NASTY_STRINGS } from './generic.ts';
import type { Rng } from './rng.ts';

/** The small real hidden set the prediction files answer: ids 0..HIDDEN_ROWS-1. */
export const HIDDEN_ROWS = 24;
export const HIDDEN_IDS: bigint[] = Array.from({ length: HIDDEN_ROWS }, (_, i) => BigInt(i * 3 + 1));

/** The regression benchmark prediction files are also checked against (the classification one is tabular-demo). */
export const REGRESSION_SPEC = ['id: reg', 'version: 1', 'task: { type: regression, targetColumn: y }', `dataset: { path: d.arrow, sha256: ${'a'.repeat(64)} }`,
  'model:', '  inputs: [{ name: x, column: x, dtype: float32, shape: [batch, 2] }]', '  outputs: [{ name: y, dtype: float32, shape: [batch] }]',
  'batching: { size: 8 }', 'metrics: [{ name: mse }]', 'split: { key: regression-key, publicFraction: 0.5 }'].join('\n');

const NUM_TEXT = ['0', '1', '0.25', '-0', '.5', '5.', '+1', '1e3', '1E-5', '3', '4', '-1', 'NaN', 'nan', 'Infinity', '-Infinity', 'inf',
  '1e308', '1e309', '-1e400', '0x1', '0b1', '1_000', '', ' ', 'abc', '1,5', '"0.5"', '9'.repeat(400), '0.' + '3'.repeat(5000), '2.5e-324', '１'];

function idText(r: Rng, id: bigint, noise: number): string {
  if (!r.chance(noise)) return String(id);
  return r.weighted<string>([
    [1, String(id)], [1, ` ${id} `], [1, `0${id}`], [1, `"${id}"`], [1, `${id}.0`], [1, `-${id}`], [1, ''], [1, '"'],
    [1, r.pick(NASTY_STRINGS).replace(/[\r\n]/g, '')], [1, String(id) + 'x'.repeat(r.pick([10, 100_000]))], [1, '9'.repeat(40)],
  ]);
}

/** A prediction CSV for `numClasses` classes (0 = regression), as bytes. */
export function fuzzCsv(r: Rng, numClasses: number): Uint8Array {
  const probCols = Array.from({ length: numClasses }, (_, k) => `p${k}`);
  let header = numClasses > 0 && r.chance(0.6) ? ['id', ...probCols] : ['id', 'prediction'];
  switch (r.int(10)) {
    case 0: header = [...header].reverse(); break;
    case 1: header = header.filter((_, i) => i !== r.int(header.length)); break;
    case 2: header = [...header, header[r.int(header.length)]!]; break;
    case 3: header = [...header, r.pick(['note', '', '"q"', 'ID', 'id '])]; break;
    case 4: header = header.map((h) => (r.chance(0.3) ? h.toUpperCase() : h)); break;
    default: break;
  }
  const width = header.length;
  // how often an id or a value is hostile: some files are clean so lookups and extras are reached
  const noise = r.pick([0, 0, 0.01, 0.05, 0.3]);
  const rows: string[][] = [];
  const ids = [...HIDDEN_IDS];
  if (r.chance(0.2)) ids.splice(r.int(ids.length), 1); // missing id
  if (r.chance(0.2)) ids.push(ids[r.int(ids.length)]!); // duplicate id
  if (r.chance(0.15)) ids.push(999_999n); // extra id
  if (r.chance(0.1)) ids.length = 0; // header only
  for (const id of ids) {
    const row = header.map((h) => {
      if (h.toLowerCase().trim() === 'id') return idText(r, id, noise);
      if (!r.chance(noise)) return numClasses > 0 && h === 'prediction' ? String(r.int(numClasses)) : (1 / Math.max(1, numClasses)).toString();
      return r.pick(NUM_TEXT);
    });
    if (r.chance(noise / 3)) row.push('extra'); // ragged
    if (r.chance(noise / 5)) row.pop();
    rows.push(row);
  }
  const quote = r.chance(0.15);
  const cell = (c: string) => (quote && r.chance(0.5) ? `"${c.replace(/"/g, '""')}"` : c);
  // one line ending per file, mixed with others on noisy files
  const fileEol = r.weighted([[10, '\n'], [3, '\r\n'], [1, '\r']] as const);
  const eol = () => (r.chance(noise) ? r.pick(['\n', '\r\n', '\r', '\n\n']) : fileEol);
  let text = (r.chance(0.1) ? '\ufeff' : '') + header.map(cell).join(',') + eol();
  for (const row of rows) text += row.map(cell).join(r.chance(noise / 5) ? ';' : ',') + eol();
  if (r.chance(0.05)) text += 'x'.repeat(r.pick([1000, 300_000])) + '\n';
  if (r.chance(0.05)) text += '"unterminated,' + '\n'.repeat(3);
  let bytes: Uint8Array = Buffer.from(text, 'utf8');
  if (r.chance(0.1)) { // non-UTF-8 bytes at a random spot
    const at = r.int(bytes.length + 1);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(r.pick([[0xff, 0xfe], [0xc0, 0x80], [0x80], [0xed, 0xa0, 0x80], [0x00]])), bytes.subarray(at)]);
  }
  if (width > 0 && r.chance(0.25)) bytes = mutateBytes(r, bytes);
  return bytes;
}

/** A valid Arrow IPC stream of predictions (random column types and layout), before mutation. */
export function arrowBase(r: Rng, numClasses: number): Uint8Array {
  const ids = [...HIDDEN_IDS];
  if (r.chance(0.1)) ids.reverse();
  const n = ids.length;
  const cols: Record<string, Vector> = {};
  cols.id = r.chance(0.7) ? vectorFromArray(ids, new Int64()) : r.chance(0.7) ? vectorFromArray(ids.map(String), new Utf8()) : vectorFromArray(ids.map(Number), new Float64());
  const vals = (f: () => number, t: Float32 | Float64 | Int32) => vectorFromArray(Array.from({ length: n }, f), t);
  if (numClasses > 0 && r.chance(0.6)) {
    for (let k = 0; k < numClasses; k++) cols[`p${k}`] = vals(() => 1 / numClasses, r.chance(0.7) ? new Float64() : new Float32());
  } else {
    cols.prediction = numClasses > 0 && r.chance(0.7) ? vals(() => r.int(numClasses), new Int32()) : vals(() => r.pick([0, 1.5, NaN, Infinity, 2]), new Float64());
  }
  return tableToIPC(new Table(cols), 'stream');
}

export function fuzzArrow(r: Rng, numClasses: number): Uint8Array {
  const base = arrowBase(r, numClasses);
  if (r.chance(0.05)) return base;
  return mutateBytes(r, base, r.chance(0.7));
}
