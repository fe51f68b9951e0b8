// Bench: what hard limits cost. Compares ORT in this thread with ORT in a limited child process
// (IsolatedSession): per submission (spawn + load + close vs session create + release) and per
// batch (one run round trip, including IPC of inputs and outputs) on an MLP 64 -> 256 -> 10.
// Small on purpose: the machine is shared; run it alone for stable numbers.
import * as ort from 'onnxruntime-node';
import { fork } from 'node:child_process';
import { gaussian, mlpModel, mulberry32 } from '../src/models/onnx/builder.ts';
import { IsolatedSession } from '../src/inference/isolation/runner.ts';
import { IsolatedPool } from '../src/inference/isolation/pool.ts';

const SESSION_OPTS = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'extended' } as const;

function benchModel(): Uint8Array {
  const g = gaussian(mulberry32(11));
  const layer = (inF: number, outF: number) => ({
    inF, outF, w: Float32Array.from({ length: inF * outF }, () => g() * 0.1), b: Float32Array.from({ length: outF }, () => g() * 0.1),
  });
  return mlpModel({ inputName: 'x', outputName: 'y', softmax: true, weights: [layer(64, 256), layer(256, 10)] });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runIsolationBench(opts: { log: (line: string) => void }): Promise<void> {
  const { log } = opts;
  const model = benchModel();
  const limits = { wallClockMs: 120_000, memoryLimitMb: 1024 };
  const reps = 3;

  // Per submission.
  const threadOpen: number[] = [];
  const childOpen: number[] = [];
  for (let i = 0; i < reps; i++) {
    let t = performance.now();
    const s = await ort.InferenceSession.create(model, SESSION_OPTS);
    await s.release();
    threadOpen.push(performance.now() - t);
    t = performance.now();
    const c = await IsolatedSession.open({ model, limits });
    await c.close();
    childOpen.push(performance.now() - t);
  }
  log(`isolation per submission: in-thread create+release ${median(threadOpen).toFixed(1)} ms, child spawn+load+kill ${median(childOpen).toFixed(1)} ms, overhead ${(median(childOpen) - median(threadOpen)).toFixed(1)} ms (median of ${reps})`);

  // Per submission on a warm child (loadNext): what a pool of reused children pays.
  const warm = await IsolatedSession.open({ model, limits });
  const warmLoad: number[] = [];
  for (let i = 0; i < reps * 2; i++) {
    const t = performance.now();
    await warm.loadNext(model);
    warmLoad.push(performance.now() - t);
  }
  await warm.close();
  log(`isolation per submission, warm child reused: loadNext ${median(warmLoad).toFixed(1)} ms, overhead ${(median(warmLoad) - median(threadOpen)).toFixed(1)} ms (median of ${reps * 2})`);

  // Per batch.
  const session = await ort.InferenceSession.create(model, SESSION_OPTS);
  const child = await IsolatedSession.open({ model, limits });
  log(`isolation child: enforcement ${JSON.stringify(child.info.enforcement)}, VmSize after load ${(child.info.loadedVmSizeKb / 1024).toFixed(0)} MiB, VmRSS ${(child.info.loadedRssKb / 1024).toFixed(0)} MiB`);
  const g = gaussian(mulberry32(3));
  for (const [batch, iters] of [[1, 300], [64, 200], [1024, 40]] as const) {
    const x = Float32Array.from({ length: batch * 64 }, () => g());
    const tThread: number[] = [];
    const tChild: number[] = [];
    for (let i = 0; i < 5; i++) { // warm both
      await session.run({ x: new ort.Tensor('float32', x, [batch, 64]) });
      await child.run({ x: { type: 'float32', dims: [batch, 64], data: x } });
    }
    for (let i = 0; i < iters; i++) {
      let t = performance.now();
      await session.run({ x: new ort.Tensor('float32', x, [batch, 64]) });
      tThread.push(performance.now() - t);
      t = performance.now();
      await child.run({ x: { type: 'float32', dims: [batch, 64], data: x } });
      tChild.push(performance.now() - t);
    }
    const a = median(tThread) * 1000;
    const b = median(tChild) * 1000;
    log(`isolation per batch ${String(batch).padStart(4)}: in-thread ${a.toFixed(0)} µs, child ${b.toFixed(0)} µs, overhead ${(b - a).toFixed(0)} µs/batch (${((b - a) / batch).toFixed(2)} µs/row), ${iters} runs, medians`);
  }
  // Many small batches per message: 16 batches of 64 rows in one round trip.
  {
    const x = Float32Array.from({ length: 64 * 64 }, () => g());
    const group = Array.from({ length: 16 }, () => ({ x: { type: 'float32' as const, dims: [64, 64], data: x } }));
    const ts: number[] = [];
    for (let i = 0; i < 23; i++) {
      const t = performance.now();
      await child.runMany(group);
      if (i >= 3) ts.push(performance.now() - t);
    }
    const perBatch = (median(ts) * 1000) / 16;
    log(`isolation runMany 16 x 64 rows per message: ${perBatch.toFixed(0)} µs per batch (vs one batch per message above)`);
  }
  await child.close();
  await session.release();

  // Throughput of a pool of 2 warm children (one per core) on 8 submissions x 16 batches,
  // against one in-thread session doing the same work alone.
  for (const batch of [256, 1024]) {
    const x = Float32Array.from({ length: batch * 64 }, () => g());
    const subs = 8;
    const batches = 16;
    const one = await ort.InferenceSession.create(model, SESSION_OPTS);
    let t = performance.now();
    for (let k = 0; k < subs * batches; k++) await one.run({ x: new ort.Tensor('float32', x, [batch, 64]) });
    const threadMs = performance.now() - t;
    await one.release();
    const pool = new IsolatedPool({ size: 2, limits });
    await Promise.all([0, 1].map((k) => pool.run({ submission: `warm${k}`, model, batches: 1, feeds: () => ({ x: { type: 'float32', dims: [batch, 64], data: x } }), onBatch: () => undefined })));
    t = performance.now();
    await Promise.all(Array.from({ length: subs }, (_, k) => pool.run({
      submission: `s${k}`, model, batches, feeds: () => ({ x: { type: 'float32', dims: [batch, 64], data: x } }), onBatch: () => undefined,
    })));
    const poolMs = performance.now() - t;
    await pool.close();
    const rows = subs * batches * batch;
    log(`isolation throughput batch ${batch}: 1 in-thread session ${(rows / threadMs).toFixed(0)}k rows/s, pool of 2 children ${(rows / poolMs).toFixed(0)}k rows/s (${subs} submissions x ${batches} batches, warm children, loadNext per submission)`);
  }

  // The IPC channel alone: an echo child, structured clone ('advanced', what the runner uses)
  // against JSON (typed arrays sent as number arrays).
  for (const serialization of ['advanced', 'json'] as const) {
    const echo = fork('-e', ["process.on('message', (m) => process.send(m))"], { serialization, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const roundTrip = (payload: unknown) => new Promise<void>((res) => {
      echo.once('message', () => res());
      echo.send(payload as never);
    });
    const line: string[] = [];
    for (const floats of [64, 65_536, 1_048_576]) {
      const x = Float32Array.from({ length: floats }, () => g());
      const payload = serialization === 'advanced' ? { x } : { x: Array.from(x) };
      const iters = floats > 100_000 ? 10 : 200;
      const ts: number[] = [];
      for (let i = 0; i < iters + 3; i++) {
        const t = performance.now();
        await roundTrip(payload);
        if (i >= 3) ts.push(performance.now() - t);
      }
      line.push(`${floats} floats ${(median(ts) * 1000).toFixed(0)} µs`);
    }
    echo.kill('SIGKILL');
    log(`isolation IPC echo round trip (${serialization}): ${line.join(', ')}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runIsolationBench({ log: (l) => console.log(l) });
}
