// Engine throughput against a raw onnxruntime loop, on the demo competition's best model and a
// larger hidden set made by the demo's own generator. Same model, same batch size, same session
// options, same process: the ratio is what the engine costs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Field, FixedSizeList, Float32, Int32, Int64, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct } from 'apache-arrow';
import { FEATURES, makeRows } from '../datasets/tabular-demo/generate.ts';
import { score } from '../src/run/index.ts';
import { prepareDataset } from '../src/data/prepare.ts';
import { loadBenchmark } from '../src/benchmark/loader.ts';
import { sha256Hex } from '../src/benchmark/canonical.ts';
import { GRAPH_OPTIMIZATION_LEVEL } from '../src/inference/task.ts';
import { cpuBetween, cpuSnapshot, type CpuSnapshot, type CpuSplit } from './cpu-accounting.ts';
import { foldThreadCount } from '../src/tasks/tabular/fold-threads.ts';

const BATCH = 256;

/** CPU seconds (user + system) of this process's main thread, from /proc (Linux); null elsewhere. */
function mainThreadCpu(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

function writeArrow(file: string, rows: ReturnType<typeof makeRows>): string {
  const n = rows.labels.length;
  const featType = new FixedSizeList(FEATURES, new Field('item', new Float32(), false));
  const schema = new Schema([new Field('id', new Int64(), false), new Field('features', featType, false), new Field('label', new Int32(), false)]);
  const w = new RecordBatchStreamWriter();
  const step = 65536;
  for (let a = 0; a < n; a += step) {
    const b = Math.min(n, a + step);
    const data = makeData({
      type: new Struct(schema.fields), length: b - a, nullCount: 0, children: [
        makeData({ type: new Int64(), data: BigInt64Array.from(rows.ids.slice(a, b)) }),
        makeData({ type: featType, length: b - a, nullCount: 0, child: makeData({ type: new Float32(), data: rows.features.slice(a * FEATURES, b * FEATURES) }) }),
        makeData({ type: new Int32(), data: rows.labels.slice(a, b) }),
      ],
    });
    w.write(new RecordBatch(schema, data));
  }
  w.finish();
  const bytes = w.toUint8Array(true);
  writeFileSync(file, bytes);
  return sha256Hex(bytes);
}

/** CPU µs per row of each raw loop (the whole process: the loop is all it does) */
const rawCpuPerRow: number[] = [];

async function rawLoop(modelPath: string, features: Float32Array, n: number): Promise<number> {
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: GRAPH_OPTIMIZATION_LEVEL,
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let guard = 0;
  for (let s = 0; s < n; s += BATCH) {
    const rows = Math.min(BATCH, n - s);
    const out = await session.run({ features: new ort.Tensor('float32', features.subarray(s * FEATURES, (s + rows) * FEATURES), [rows, FEATURES]) });
    guard += (out.probabilities!.data as Float32Array)[0]!;
  }
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  rawCpuPerRow.push((c.user + c.system) / n);
  await session.release();
  if (!Number.isFinite(guard)) throw new Error('raw loop produced non-finite output');
  return secs;
}

export async function runEngineBench(opts: { rows: number; dir: string; repo: string; log: (line: string) => void }): Promise<void> {
  const { rows: n, dir, repo, log } = opts;
  const data = makeRows(n, 99);
  const arrow = path.join(dir, 'bench.arrow');
  const sha = writeArrow(arrow, data);
  const benchDir = path.join(dir, 'bench-benchmark');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(benchDir, { recursive: true });
  const spec = readFileSync(path.join(repo, 'benchmarks/tabular-demo/benchmark.yaml'), 'utf8')
    .replace(/path: .*hidden\.arrow/, `path: ${arrow}`).replace(/sha256: [0-9a-f]{64}/, `sha256: ${sha}`).replace('id: tabular-demo', 'id: tabular-demo-bench').replace('../../datasets/', `${path.join(repo, 'datasets')}/`);
  writeFileSync(path.join(benchDir, 'benchmark.yaml'), spec);
  const model = path.join(repo, 'benchmarks/tabular-demo/submissions/alice.onnx');
  log(`engine: ${n} rows x ${FEATURES} float32 features, model alice.onnx (MLP ${FEATURES}->256->4, softmax), batch ${BATCH}, metrics log_loss+accuracy+macro_f1 on 2 splits`);

  const t0 = performance.now();
  await prepareDataset(loadBenchmark(benchDir));
  const prepSecs = (performance.now() - t0) / 1000;
  log(`  dataset prepare (sha256, id order, labels, split hash per row): ${prepSecs.toFixed(3)} s (${Math.round(n / prepSecs)} rows/s), once per job`);

  const raw: number[] = [];
  const modes = ['thread', 'process'] as const;
  // Fold threads per run: what ARBITER_FOLD_THREADS (or the default for this machine's cores) gives,
  // and each count in BENCH_FOLD_THREADS (default 0,1), so both placements of the fold are measured.
  const asked = (process.env.BENCH_FOLD_THREADS ?? '0,1').split(',').filter(Boolean).map(Number);
  const foldsFor = (workers: number) => [...new Set([foldThreadCount(workers), ...asked])].sort((a, b) => a - b);
  const eng: Record<string, number[]> = {};
  const startup: Record<string, number[]> = {};
  const mainCpu: Record<string, number[]> = {};
  const steadyCpu: Record<string, number[]> = {};
  const procCpu: Record<string, number[]> = {};
  // steady-state CPU split, µs per steady row
  const split: Record<string, CpuSplit[]> = {};
  const reps = Number(process.env.BENCH_REPS ?? 2);
  for (let rep = 0; rep < reps; rep++) {
    raw.push(await rawLoop(model, data.features, n));
    for (const isolation of modes) {
      for (const workers of [1, 2]) {
        for (const folds of foldsFor(workers)) {
          const k = `${isolation}/${workers}/${folds}`;
          // Steady state: from the first folded chunk to the last one (pool start and model load excluded,
          // as the raw loop excludes session creation); startup is reported on its own.
          // start-up: from the scoring phase (after admission, hashing and the sanity run; the pool started
          // before hashing) to the first folded chunk
          let s0 = performance.now();
          let first: { t: number; done: number } | null = null;
          let last = 0;
          // The main thread's CPU from the scoring phase's start (window decode included) to the last row.
          let cpu0: number | null = null;
          let cpu1: number | null = null;
          let cpuFirst: number | null = null;
          const proc0 = { v: process.cpuUsage() };
          const runStart = cpuSnapshot();
          let steady0: CpuSnapshot | null = null;
          let proc1 = proc0.v;
          const r = await score({
            benchmark: benchDir, submissions: [model], workers, isolation, db: path.join(dir, `bench-${rep}-${isolation}-${workers}-${folds}.db`),
            hooks: { foldThreads: folds },
            onPhase: (phase) => { if (phase === 'scoring') { s0 = performance.now(); cpu0 = mainThreadCpu(); proc0.v = process.cpuUsage(); } },
            onProgress: (p) => {
              if (p.done > 0 && !first) { steady0 = cpuSnapshot(); first = { t: performance.now(), done: p.done }; cpuFirst = mainThreadCpu(); }
              if (p.done === p.total && last === 0) {
                const steady1 = cpuSnapshot();
                if (runStart && steady0 && steady1) {
                  const c = cpuBetween(steady0, steady1, runStart);
                  const steadyRows = n - (first as unknown as { done: number }).done;
                  const per = (v: number) => v / steadyRows * 1e6;
                  (split[k] ??= []).push({ main: per(c.main), newThreads: per(c.newThreads), oldThreads: per(c.oldThreads), children: per(c.children) });
                }
                last = performance.now(); cpu1 = mainThreadCpu(); proc1 = process.cpuUsage(proc0.v); }
            },
          });
          if (cpu0 !== null && cpu1 !== null) (mainCpu[k] ??= []).push(((cpu1 as number) - cpu0) / n * 1e6);
          // steady state: from the first folded chunk to the last (the window decode, once per run, excluded)
          if (cpuFirst !== null && cpu1 !== null) (steadyCpu[k] ??= []).push(((cpu1 as number) - (cpuFirst as number)) / (n - (first as unknown as { done: number }).done) * 1e6);
          if (isolation === 'process') (procCpu[k] ??= []).push((proc1.user + proc1.system) / n);
          if (r.rows[0]!.status !== 'scored' || !first) throw new Error(`bench model failed: ${JSON.stringify(r.rows[0]!.error)}`);
          const f = first as { t: number; done: number };
          (eng[k] ??= []).push((last - f.t) / 1000 / ((n - f.done) / n));
          (startup[k] ??= []).push((f.t - s0) / 1000);
        }
      }
    }
  }
  const best = (a: number[]) => Math.min(...a);
  const rawRate = n / best(raw);
  log(`  raw onnxruntime loop (1 thread, same session options): ${Math.round(rawRate)} rows/s, ${best(rawCpuPerRow).toFixed(3)} µs CPU/row`);
  for (const isolation of modes) {
    for (const w of [1, 2]) {
      for (const folds of foldsFor(w)) {
        const k = `${isolation}/${w}/${folds}`;
        const rate = n / best(eng[k]!);
        const cpu = mainCpu[k] ? `; main thread ${best(steadyCpu[k] ?? [NaN]).toFixed(3)} µs CPU/row steady, ${best(mainCpu[k]).toFixed(3)} with the run's one decode of the inputs` : '';
        const pcpu = procCpu[k] ? ` (engine process, all its threads: ${best(procCpu[k]).toFixed(3)} µs/row)` : '';
        const foldsSay = folds === 0 ? 'fold on the main thread' : `${folds} fold thread${folds > 1 ? 's' : ''}`;
        const dflt = folds === foldThreadCount(w) ? ', the default here' : '';
        log(`  engine, ${isolation === 'thread' ? 'worker threads' : 'isolated processes'}, ${w} worker${w > 1 ? 's' : ''}, ${foldsSay}${dflt}: ${Math.round(rate)} rows/s steady, ratio engine/raw ${(rate / rawRate).toFixed(2)}; start-up (from the scoring phase: decode of the inputs, model load, first chunk; the pool starts during hashing) ${best(startup[k]!).toFixed(2)} s${cpu}${pcpu}`);
        const sp = split[k];
        if (sp) {
          const m = (f: keyof CpuSplit) => Math.min(...sp.map((x) => x[f])).toFixed(3);
          const workersAt = isolation === 'thread' ? `worker and fold threads ${m('newThreads')}` : `child processes ${m('children')}, engine threads it started (fold threads) ${m('newThreads')}`;
          log(`    steady CPU µs/row (best of reps): main thread ${m('main')}, ${workersAt}, runtime threads (V8 collector and compiler, libuv) ${m('oldThreads')}`);
        }
      }
    }
    const d = (w: number) => `${isolation}/${w}/${foldThreadCount(w)}`;
    log(`  scaling 2 workers / 1 worker (${isolation}, default fold threads): ${(best(eng[d(1)]!) / best(eng[d(2)]!)).toFixed(2)}x`);
  }
  // Ratios of the best runs of each, with this machine's default fold threads; the raw loop ran
  // back to back with the engine in every rep.
  const key = (isolation: string, w: number) => `${isolation}/${w}/${foldThreadCount(w)}`;
  const ratio = (isolation: string, w: number) => (n / best(eng[key(isolation, w)]!)) / rawRate;
  const scaling = (isolation: string) => best(eng[key(isolation, 1)]!) / best(eng[key(isolation, 2)]!);
  log(`engine/raw: threads-1w=${ratio('thread', 1).toFixed(2)} processes-1w=${ratio('process', 1).toFixed(2)} threads-2w/1w=${scaling('thread').toFixed(2)} processes-2w/1w=${scaling('process').toFixed(2)}`);
}
