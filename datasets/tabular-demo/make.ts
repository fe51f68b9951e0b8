// Writes the demo's hidden set: hidden.csv (what a host starts from), schema.yaml, and
// hidden.arrow packed by `arbiter dataset pack`'s own code. Run: node --import tsx datasets/tabular-demo/make.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadPackSchema, packDataset } from '../../src/data/pack.ts';
import { FEATURES, HIDDEN_ROWS, makeRows } from './generate.ts';

export const HIDDEN_SEED = 20261129;
const here = path.dirname(fileURLToPath(import.meta.url));

export function writeDemoDataset(dir = here): { sha256: string; rows: number } {
  const rows = makeRows(HIDDEN_ROWS, HIDDEN_SEED);
  const header = ['id', ...Array.from({ length: FEATURES }, (_, j) => `f${j}`), 'label'];
  const lines = [header.join(',')];
  // Written in shuffled order on purpose: pack sorts by id.
  const order = rows.ids.map((_, i) => i).sort((a, b) => ((a * 7919) % rows.ids.length) - ((b * 7919) % rows.ids.length));
  for (const r of order) {
    const f = Array.from(rows.features.subarray(r * FEATURES, (r + 1) * FEATURES), (v) => v.toFixed(3));
    lines.push([rows.ids[r]!.toString(), ...f, String(rows.labels[r])].join(','));
  }
  writeFileSync(path.join(dir, 'hidden.csv'), lines.join('\n') + '\n');
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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = writeDemoDataset();
  console.log(`hidden.arrow: ${r.rows} rows, sha256 ${r.sha256}`);
}
