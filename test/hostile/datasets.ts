// Generator of broken hidden-set files: truncated and bit-flipped Arrow streams, wrong schemas,
// duplicate / unsorted / null ids, NaN labels, garbage, and tampered encrypted files. Every row
// carries a secret marker so tests can check that no message ever echoes row contents.
import {
  Field, FixedSizeList, Float32, Float64, Int32, Int64, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray,
} from 'apache-arrow';
import { mulberry32 } from '../../src/models/onnx/builder.ts';

export const SECRET = 'SECRET-ROW';
export const ROWS = 40;

export interface DatasetTable { ids?: Array<bigint | null>; feats?: Float32Array; width?: number; labels?: number[]; labelType?: 'int32' | 'float32'; extra?: boolean; drop?: string; rename?: [string, string]; idType?: 'int64' | 'float64' }

export function datasetTable(o: DatasetTable = {}): Table {
  const width = o.width ?? 4;
  const ids = o.ids ?? Array.from({ length: ROWS }, (_, i) => BigInt(i * 2 + 1));
  const n = ids.length;
  const rand = mulberry32(99);
  const f = o.feats ?? Float32Array.from({ length: n * width }, () => rand() * 2 - 1);
  const type = new FixedSizeList(width, new Field('item', new Float32(), false));
  const cols: Record<string, ReturnType<typeof makeVector>> = {
    id: o.idType === 'float64' ? vectorFromArray(ids.map((v) => (v === null ? null : Number(v))), new Float64()) : vectorFromArray(ids, new Int64()),
    features: makeVector(makeData({ type, length: n, nullCount: 0, child: makeData({ type: new Float32(), data: f }) })),
    label: o.labelType === 'float32' ? vectorFromArray(o.labels ?? ids.map((_, i) => i % 3), new Float32()) : vectorFromArray(o.labels ?? ids.map((_, i) => i % 3), new Int32()),
    note: vectorFromArray(ids.map((_, i) => `${SECRET}-${i}`), new Utf8()),
  };
  if (o.extra) cols.extra = vectorFromArray(ids.map(() => 1), new Int32());
  if (o.drop) delete cols[o.drop];
  if (o.rename) { cols[o.rename[1]] = cols[o.rename[0]]!; delete cols[o.rename[0]]; }
  return new Table(cols);
}

export interface BrokenDataset { name: string; bytes: Uint8Array }

/** The base stream (what the host committed to) and a list of broken variants of it. */
export function brokenDatasets(): { base: Uint8Array; cases: BrokenDataset[] } {
  // Two record batches, so that a stream cut exactly at the batch boundary can be tested.
  const whole = datasetTable();
  const base = tableToIPC(new Table([...whole.slice(0, ROWS / 2).batches, ...whole.slice(ROWS / 2).batches]), 'stream');
  const firstHalf = tableToIPC(new Table(whole.slice(0, ROWS / 2).batches), 'stream');
  const cases: BrokenDataset[] = [];
  const rand = mulberry32(7);
  for (const frac of [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) cases.push({ name: `truncated-${frac}`, bytes: base.subarray(0, Math.floor(base.length * frac)) });
  // The stream without its end-of-stream marker still holds every row: a valid stream, same root.
  cases.push({ name: 'truncated-eos-marker', bytes: base.subarray(0, base.length - 8) });
  // Cut exactly after the first record batch: Arrow reads it without any error, as half the rows.
  cases.push({ name: 'truncated-at-batch-boundary', bytes: base.subarray(0, firstHalf.length - 8) });
  for (let i = 0; i < 12; i++) {
    const b = Uint8Array.from(base);
    b[Math.floor(rand() * b.length)]! ^= 1 << Math.floor(rand() * 8);
    cases.push({ name: `bitflip-${i}`, bytes: b });
  }
  const ids = Array.from({ length: ROWS }, (_, i) => BigInt(i * 2 + 1));
  const swapped = [...ids]; [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
  const dup = [...ids]; dup[9] = dup[8]!;
  const withNull: Array<bigint | null> = [...ids]; withNull[3] = null;
  const t = (name: string, o: DatasetTable) => cases.push({ name, bytes: tableToIPC(datasetTable(o), 'stream') });
  t('unsorted-ids', { ids: swapped });
  t('duplicate-ids', { ids: dup });
  t('null-id', { ids: withNull });
  t('nan-labels', { labelType: 'float32', labels: ids.map((_, i) => (i === 4 ? NaN : i % 3)) });
  t('label-float-not-int', { labelType: 'float32' });
  t('id-float64', { idType: 'float64' });
  t('missing-label', { drop: 'label' });
  t('missing-id', { drop: 'id' });
  t('renamed-features', { rename: ['features', 'feats'] });
  t('extra-column', { extra: true });
  t('features-width-5', { width: 5, feats: new Float32Array(ROWS * 5) });
  t('one-row-fewer', { ids: ids.slice(0, -1), feats: undefined });
  t('changed-feature-value', { feats: (() => { const r = mulberry32(99); const f = Float32Array.from({ length: ROWS * 4 }, () => r() * 2 - 1); f[17] += 1e-6; return f; })() });
  cases.push({ name: 'zero-bytes', bytes: new Uint8Array() });
  cases.push({ name: 'random-bytes', bytes: Uint8Array.from({ length: 2048 }, () => Math.floor(rand() * 256)) });
  cases.push({ name: 'arrow-file-format', bytes: tableToIPC(datasetTable(), 'file') });
  cases.push({ name: 'schema-only', bytes: tableToIPC(datasetTable({ ids: [] , feats: new Float32Array() }), 'stream') });
  cases.push({ name: 'csv-text', bytes: Buffer.from('id,label\n1,0\n2,1\n') });
  return { base, cases };
}
