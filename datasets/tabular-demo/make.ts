// Writes the demo's hidden set: hidden.csv (what a host starts from), schema.yaml, and
// hidden.arrow packed by `arbiter dataset pack`'s own code; and the public sample participants
// get (`dataset.publicSample`, what `arbiter check` scores on): public-sample.csv and
// public-sample.arrow from the same generator with another seed and a disjoint id range.
// Run: node --import tsx datasets/tabular-demo/make.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadPackSchema, packDataset } from '../../src/data/pack.ts';
import { FEATURES, HIDDEN_ROWS, makeRows, type Rows } from './generate.ts';

export const HIDDEN_SEED = 20261129;
/** The public sample: another seed, and ids far above the hidden set's (at most 1000 + 7 * 3000). */
export const SAMPLE_SEED = 20261130;
export const SAMPLE_ROWS = 200;
export const SAMPLE_FIRST_ID = 1_000_000;
const here = path.dirname(fileURLToPath(import.meta.url));

function writeCsv(rows: Rows, file: string): void {
  const header = ['id', ...Array.from({ length: FEATURES }, (_, j) => `f${j}`), 'label'];
  const lines = [header.join(',')];
  // Written in shuffled order on purpose: pack sorts by id.
  const order = rows.ids.map((_, i) => i).sort((a, b) => ((a * 7919) % rows.ids.length) - ((b * 7919) % rows.ids.length));
  for (const r of order) {
    const f = Array.from(rows.features.subarray(r * FEATURES, (r + 1) * FEATURES), (v) => v.toFixed(3));
    lines.push([rows.ids[r]!.toString(), ...f, String(rows.labels[r])].join(','));
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

export function writeDemoDataset(dir = here): { sha256: string; rows: number } {
  writeCsv(makeRows(HIDDEN_ROWS, HIDDEN_SEED), path.join(dir, 'hidden.csv'));
  writeFileSync(path.join(dir, 'schema.yaml'), [
    '# Schema for `arbiter dataset pack datasets/tabular-demo/hidden.csv --schema datasets/tabular-demo/schema.yaml`',
    'id: id',
    'columns:',
    '  - { name: id, type: int64 }',
    `  - { name: features, type: float32, size: ${FEATURES}, from: [${Array.from({ length: FEATURES }, (_, j) => `f${j}`).join(', ')}] }`,
    '  - { name: label, type: int32, label: true }',
    '',
  ].join('\n'));
  const res = packDataset(path.join(dir, 'hidden.csv'), loadPackSchema(path.join(dir, 'schema.yaml')), path.join(dir, 'hidden.arrow'));
  return { sha256: res.sha256, rows: res.rows };
}

/** The public sample, packed with the hidden set's schema.yaml (write that first). */
export function writeDemoPublicSample(dir = here): { sha256: string; rows: number } {
  writeCsv(makeRows(SAMPLE_ROWS, SAMPLE_SEED, SAMPLE_FIRST_ID), path.join(dir, 'public-sample.csv'));
  const res = packDataset(path.join(dir, 'public-sample.csv'), loadPackSchema(path.join(dir, 'schema.yaml')), path.join(dir, 'public-sample.arrow'));
  return { sha256: res.sha256, rows: res.rows };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = writeDemoDataset();
  console.log(`hidden.arrow: ${r.rows} rows, sha256 ${r.sha256}`);
  const s = writeDemoPublicSample();
  console.log(`public-sample.arrow: ${s.rows} rows, sha256 ${s.sha256}`);
}
