// Memory does not grow with the dataset: writes a hidden set of at least BENCH_STREAM_MB (default
// 1024) MiB (the tabular demo's generator, 32 float32 features per row), scores the demo's best
// model on it with the real CLI (`arbiter score`, which runs the compiled dist/ when it is fresh,
// else the sources through tsx: the line says which), and reports the job's peak resident memory:
// the engine process's own high-water mark (VmHWM) and the peak of engine + inference children,
// both sampled every 50 ms from /proc.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { Field, FixedSizeList, Float32, Int32, Int64, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct } from 'apache-arrow';
import { FEATURES, makeRows } from '../datasets/tabular-demo/generate.ts';
import { sha256File } from '../src/data/file-hash.ts';
import { freshBuild } from '../bin/fresh-build.js';

const STEP = 65_536;

/** Write an Arrow stream of about `bytes` bytes batch by batch (never the whole set in memory). */
async function writeBigArrow(file: string, bytes: number): Promise<{ rows: number; size: number }> {
  const featType = new FixedSizeList(FEATURES, new Field('item', new Float32(), false));
  const schema = new Schema([new Field('id', new Int64(), false), new Field('features', featType, false), new Field('label', new Int32(), false)]);
  const rowBytes = FEATURES * 4 + 8 + 4;
  const target = Math.ceil(bytes / rowBytes / STEP) * STEP;
  const writer = new RecordBatchStreamWriter();
  const out = createWriteStream(file);
  const piped = writer.toNodeStream();
  piped.pipe(out);
  let lastId = 1000;
  for (let a = 0, k = 0; a < target; a += STEP, k++) {
    const r = makeRows(STEP, 1000 + k, lastId);
    lastId = Number(r.ids[r.ids.length - 1]!);
    writer.write(new RecordBatch(schema, makeData({
      type: new Struct(schema.fields), length: STEP, nullCount: 0, children: [
        makeData({ type: new Int64(), data: BigInt64Array.from(r.ids) }),
        makeData({ type: featType, length: STEP, nullCount: 0, child: makeData({ type: new Float32(), data: r.features }) }),
        makeData({ type: new Int32(), data: r.labels }),
      ],
    })));
    // Let the file stream drain so the writer never buffers more than a few batches.
    if (out.writableNeedDrain) await once(out, 'drain');
  }
  writer.finish();
  await once(out, 'close');
  return { rows: target, size: statSync(file).size };
}

/** Resident KiB of `pid` and all its descendants (Linux /proc). */
function treeRssKb(pid: number): number {
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(Number(e));
    } catch { /* gone */ }
  }
  let kb = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try { kb += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0); } catch { /* gone */ }
    stack.push(...(children.get(p) ?? []));
  }
  return kb;
}

export async function runStreamBench(opts: { dir: string; repo: string; log: (line: string) => void }): Promise<void> {
  const { dir, repo, log } = opts;
  const mb = Number(process.env.BENCH_STREAM_MB ?? 1024);
  const arrow = path.join(dir, 'stream.arrow');
  const t0 = performance.now();
  const { rows, size } = await writeBigArrow(arrow, mb * 1024 * 1024);
  const sha = await sha256File(arrow);
  log(`stream: hidden set ${(size / 2 ** 20).toFixed(0)} MiB on disk, ${rows} rows x ${FEATURES} float32 features (written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const benchDir = path.join(dir, 'stream-benchmark');
  mkdirSync(benchDir, { recursive: true });
  writeFileSync(path.join(benchDir, 'benchmark.yaml'), readFileSync(path.join(repo, 'benchmarks/tabular-demo/benchmark.yaml'), 'utf8')
    .replace(/path: .*hidden\.arrow/, `path: ${arrow}`).replace(/sha256: [0-9a-f]{64}/, `sha256: ${sha}`).replace('id: tabular-demo', 'id: tabular-demo-stream').replace('../../datasets/', `${path.join(repo, 'datasets')}/`));
  const model = path.join(repo, 'benchmarks/tabular-demo/submissions/alice.onnx');
  const build = !process.env.ARBITER_FROM_SOURCE && freshBuild(repo) ? 'compiled dist/' : 'sources via tsx';
  for (const isolation of ['thread', 'process'] as const) {
    const child = spawn(process.execPath, [path.join(repo, 'bin/arbiter.js'), 'score', '-b', benchDir, '-s', model, '-w', '1', '--isolation', isolation,
      '--db', path.join(dir, `stream-${isolation}.db`), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const t0 = performance.now();
    let peakKb = 0;
    let hwmKb = 0;
    // BENCH_STREAM_TRACE=1: the engine's resident size over time (max per second), to tell the set-up
    // phases' peak (hashing, split, id checks) from the scoring phase's
    const trace: number[] = [];
    const poll = setInterval(() => {
      peakKb = Math.max(peakKb, treeRssKb(child.pid!));
      if (process.env.BENCH_STREAM_TRACE) {
        try {
          const kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
          const sec = Math.floor((performance.now() - t0) / 1000);
          trace[sec] = Math.max(trace[sec] ?? 0, kb);
        } catch { /* exited */ }
      }
      try { hwmKb = Math.max(hwmKb, Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0)); } catch { /* exited */ }
    }, 50);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const [code] = await once(child, 'exit') as [number | null];
    clearInterval(poll);
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`stream bench score (${isolation}) exited ${code}: ${out.slice(0, 500)} ${err.slice(-500)}`);
    const r = { seconds, engineHwmKb: hwmKb, status: (JSON.parse(out) as { rows: Array<{ status: string }> }).rows[0]!.status };
    const modelMb = statSync(model).size / 2 ** 20;
    if (trace.length) log(`  engine RSS by second (MiB): ${Array.from(trace, (kb, i) => `${i}:${Math.round((kb ?? 0) / 1024)}`).join(' ')}`);
    log(`  arbiter score (${build}), ${isolation === 'thread' ? 'worker thread' : 'isolated process'}, 1 worker: ${r.status} in ${r.seconds.toFixed(1)} s end to end (${Math.round(rows / r.seconds)} rows/s incl. dataset checks and split); peak RSS engine ${(r.engineHwmKb / 1024).toFixed(0)} MiB, engine + inference processes ${(peakKb / 1024).toFixed(0)} MiB; model ${modelMb.toFixed(2)} MiB; target <= 300 MiB + model`);
  }
}
