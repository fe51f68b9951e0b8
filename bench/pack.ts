// `arbiter dataset pack` on a large CSV: throughput and peak memory. Writes a CSV of about
// BENCH_PACK_MB MiB (default 1024: the 1 GiB target of the bounded-memory pack) in the bench's
// temp dir, ids in a scrambled order (the harder case: rows are re-read one by one in id order),
// packs it in a fresh child process and reports rows/s and that process's peak RSS (VmHWM).
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../src/models/onnx/builder.ts';

const FEATURES = 16;

/** Writes the CSV in 1 MiB pieces (the generator itself stays small); returns its row count. */
function writeCsv(file: string, targetBytes: number): number {
  const rand = mulberry32(1802);
  const fd = openSync(file, 'w');
  let bytes = 0;
  let rows = 0;
  try {
    let piece = `id,${Array.from({ length: FEATURES }, (_, k) => `f_${k}`).join(',')},label\n`;
    while (bytes + piece.length < targetBytes) {
      // a bijection on [0, 2^31): ids unique and scrambled
      const id = (Math.imul(rows, 0x9e3779b1) >>> 1);
      let line = String(id);
      for (let k = 0; k < FEATURES; k++) line += `,${(rand() * 200 - 100).toFixed(6)}`;
      piece += `${line},${rows % 7}\n`;
      rows++;
      if (piece.length >= 1 << 20) { writeSync(fd, piece); bytes += piece.length; piece = ''; }
    }
    writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
  return rows;
}

const CHILD = String.raw`
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [repo, input, out, features] = process.argv.slice(2);
const { packDataset, PackSchema } = await import(pathToFileURL(repo + '/src/data/pack.ts').href);
const schema = PackSchema.parse({ id: 'id', columns: [{ name: 'id', type: 'int64' }, { name: 'f', type: 'float32', size: Number(features) }, { name: 'label', type: 'int32', label: true }] });
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = packDataset(input, schema, out);
const cu = process.cpuUsage(c0);
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
console.log(JSON.stringify({ rows: r.rows, bytes: r.bytes, wall: (performance.now() - t0) / 1000, cpu: (cu.user + cu.system) / 1e6, hwmKiB: hwm ? Number(hwm[1]) : -1 }));
`;

export async function runPackBench(opts: { dir: string; repo: string; log: (line: string) => void }): Promise<void> {
  const mb = Number(process.env.BENCH_PACK_MB ?? 1024);
  const input = path.join(opts.dir, 'pack-bench.csv');
  const t0 = performance.now();
  const rows = writeCsv(input, mb * 2 ** 20);
  const size = statSync(input).size;
  opts.log(`pack bench: ${(size / 2 ** 20).toFixed(0)} MiB CSV, ${rows.toLocaleString('en-US')} rows, ${FEATURES + 2} columns, ids scrambled (written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const script = path.join(opts.dir, 'pack-bench-child.mts');
  writeFileSync(script, CHILD);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, opts.repo, input, path.join(opts.dir, 'pack-bench.arrow'), String(FEATURES)], { cwd: opts.repo, encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) { opts.log(`  pack failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`); return; }
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rows: number; bytes: number; wall: number; cpu: number; hwmKiB: number };
    opts.log(`  packed ${m.rows.toLocaleString('en-US')} rows into ${(m.bytes / 2 ** 20).toFixed(0)} MiB of Arrow in ${m.wall.toFixed(1)} s wall, ${m.cpu.toFixed(1)} s CPU: ${Math.round(m.rows / m.cpu).toLocaleString('en-US')} rows/s (CPU), ${(size / 2 ** 20 / m.cpu).toFixed(1)} MiB/s; peak RSS (VmHWM) ${(m.hwmKiB / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(script, { force: true });
  }
}
