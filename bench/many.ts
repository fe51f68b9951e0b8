// Memory flat in the number of submissions: writes BENCH_MANY (default 1000,10000) distinct
// prediction files for the tabular demo (id,p0..p3 for every hidden row; each file differs from
// the others, so none is a byte copy) and scores each set with the real CLI (`arbiter score`,
// compiled dist/ when fresh), reporting the engine process's peak RSS (VmHWM, sampled every
// 100 ms) and the time per file. Prediction files are loaded when scored and dropped after.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { readChunks } from '../src/data/arrow-stream.ts';
import { mulberry32 } from '../src/models/onnx/builder.ts';
import { freshBuild } from '../bin/fresh-build.js';

async function hiddenIds(repo: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const c of readChunks(path.join(repo, 'datasets/tabular-demo/hidden.arrow'), [{ name: 'id', kind: 'int64', width: 1, role: 'row id' }], 65536)) {
    for (const v of c.columns.get('id') as BigInt64Array) ids.push(v.toString());
  }
  return ids;
}

/** `count` prediction files; the rows are shared, each file has its own first row. */
function writeFiles(dir: string, ids: string[], count: number): number {
  mkdirSync(dir, { recursive: true });
  const rand = mulberry32(1818);
  let body = '';
  for (let i = 1; i < ids.length; i++) {
    const z = [rand(), rand(), rand(), rand()];
    const s = z[0]! + z[1]! + z[2]! + z[3]!;
    body += `${ids[i]},${z.map((v) => (v / s).toFixed(6)).join(',')}\n`;
  }
  let bytes = 0;
  for (let f = 0; f < count; f++) {
    const a = (f + 1) / (count + 2);
    const text = `id,p0,p1,p2,p3\n${ids[0]},${a.toFixed(8)},${(1 - a).toFixed(8)},0,0\n${body}`;
    const fd = openSync(path.join(dir, `p${String(f).padStart(5, '0')}.csv`), 'w');
    writeSync(fd, text);
    closeSync(fd);
    bytes = text.length;
  }
  return bytes;
}

export async function runManyBench(opts: { dir: string; repo: string; log: (line: string) => void }): Promise<void> {
  const { dir, repo, log } = opts;
  const counts = (process.env.BENCH_MANY ?? '1000,10000').split(',').map(Number);
  const ids = await hiddenIds(repo);
  const build = !process.env.ARBITER_FROM_SOURCE && freshBuild(repo) ? 'compiled dist/' : 'sources via tsx';
  for (const count of counts) {
    const files = path.join(dir, `many-${count}`);
    const t0 = performance.now();
    const fileBytes = writeFiles(files, ids, count);
    log(`many: ${count.toLocaleString('en-US')} prediction files of ${(fileBytes / 2 ** 20).toFixed(2)} MiB (${ids.length} rows each), written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const child = spawn(process.execPath, [path.join(repo, 'bin/arbiter.js'), 'score', '-b', 'tabular-demo', '-s', files, '-w', '1',
      '--db', path.join(dir, `many-${count}.db`), '--json'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const t1 = performance.now();
    let hwmKb = 0;
    const poll = setInterval(() => {
      try { hwmKb = Math.max(hwmKb, Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0)); } catch { /* exited */ }
    }, 100);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const [code] = await once(child, 'exit') as [number | null];
    clearInterval(poll);
    const seconds = (performance.now() - t1) / 1000;
    rmSync(files, { recursive: true, force: true });
    if (code !== 0) { log(`  arbiter score exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`); continue; }
    const rows = (JSON.parse(out) as { rows: Array<{ status: string }> }).rows;
    const scored = rows.filter((r) => r.status === 'scored').length;
    log(`  arbiter score (${build}), ${scored}/${rows.length} scored in ${seconds.toFixed(1)} s (${(seconds * 1000 / count).toFixed(1)} ms a file); engine peak RSS (VmHWM) ${(hwmKb / 1024).toFixed(0)} MiB; target <= 500 MiB at 10,000`);
  }
}
