// Real child processes, real ORT, real hostile models: the limits must fail the bad models with
// their codes while a good model in the same test scores, and this (vitest) process survives.
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsolatedSession, type IsolatedSessionOptions } from '../../../src/inference/isolation/runner.ts';
import { fixtureRows, goodModel, hugeTensorModel, leakForeverModel, sleepForeverModel } from '../../../src/inference/isolation/fixtures.ts';
import { ArbiterError } from '../../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-iso-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const X = (n: number, seed = 1) => ({ X: { type: 'float32' as const, dims: [n, 4], data: fixtureRows(n, seed) } });

/** Open a session and run one batch; return the outputs or the error code. */
async function attempt(opts: IsolatedSessionOptions, n = 3): Promise<{ code: string | null; message: string; out: Float32Array | null }> {
  let s: IsolatedSession | null = null;
  try {
    s = await IsolatedSession.open(opts);
    const out = await s.run(X(n));
    return { code: null, message: '', out: out.Y!.data as Float32Array };
  } catch (e) {
    expect(e).toBeInstanceOf(ArbiterError);
    return { code: (e as ArbiterError).code, message: (e as ArbiterError).message, out: null };
  } finally {
    await s?.close();
  }
}

// Typed arrays that crossed IPC may be views into a larger buffer: compare exactly their bytes.
const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function inThread(bytes: Uint8Array, n: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'extended' });
  const r = await s.run({ X: new ort.Tensor('float32', fixtureRows(n), [n, 4]) });
  await s.release();
  return r.Y!.data as Float32Array;
}

describe('IsolatedSession', () => {
  it('fails a model that sleeps forever (E_TIMEOUT), one that allocates without bound and one that asks for a huge tensor (E_MEMORY_LIMIT), while a good model scores bit-identically to in-thread ORT', async () => {
    // The sleeper gets a short clock; the others a long one, so that only memory can stop them.
    const limits = { wallClockMs: 60_000, memoryLimitMb: 256 };
    const [good, sleep, leak, huge, huge4g] = await Promise.all([
      attempt({ model: file('good.onnx', goodModel()), limits }),
      attempt({ model: file('sleep.onnx', sleepForeverModel()), limits: { wallClockMs: 2500, memoryLimitMb: 256 } }),
      attempt({ model: file('leak.onnx', leakForeverModel()), limits }),
      attempt({ model: file('huge.onnx', hugeTensorModel(20)), limits }),
      attempt({ model: hugeTensorModel(14), limits }, 1),
    ]);
    expect(sleep.code).toBe('E_TIMEOUT');
    expect(sleep.message).toMatch(/expected to finish within 2500 ms/);
    expect(leak.message).toMatch(/memory/);
    expect(leak.code).toBe('E_MEMORY_LIMIT');
    expect(huge.code).toBe('E_MEMORY_LIMIT');
    expect(huge4g.code).toBe('E_MEMORY_LIMIT');
    expect(good.code).toBeNull();
    expect(bytes(good.out!).equals(bytes(await inThread(goodModel(), 3)))).toBe(true);
  });

  it('kills on the per-batch timeout after good batches went through, and the session stays failed', async () => {
    // A two-output "router": the sleeping model, but we first check batch timing on a good one.
    const s = await IsolatedSession.open({ model: goodModel(), limits: { wallClockMs: 60_000, batchTimeoutMs: 5_000, memoryLimitMb: 512 } });
    for (let i = 0; i < 5; i++) await s.run(X(8, i));
    expect(s.stats.batches).toBe(5);
    await s.close();

    const bad = await IsolatedSession.open({ model: sleepForeverModel(), limits: { wallClockMs: 60_000, batchTimeoutMs: 800, memoryLimitMb: 512 } });
    const err = await bad.run(X(2)).catch((e: ArbiterError) => e);
    expect((err as ArbiterError).code).toBe('E_TIMEOUT');
    expect((err as ArbiterError).details).toMatchObject({ scope: 'batch', limitMs: 800 });
    expect(bad.failure?.code).toBe('E_TIMEOUT');
    const again = await bad.run(X(2)).catch((e: ArbiterError) => e);
    expect((again as ArbiterError).code).toBe('E_TIMEOUT');
    await bad.close();
  });

  it('reports a child killed from outside as E_WORKER_CRASH, and an unloadable model as E_MODEL_FORMAT', async () => {
    const s = await IsolatedSession.open({ model: sleepForeverModel(), limits: { wallClockMs: 60_000, memoryLimitMb: 512 } });
    const running = s.run(X(2)).catch((e: ArbiterError) => e);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(s.info.pid, 'SIGKILL');
    const err = (await running) as ArbiterError;
    expect(err.code).toBe('E_WORKER_CRASH');
    expect(err.message).toMatch(/SIGKILL/);
    await s.close();

    const garbage = await attempt({ model: new TextEncoder().encode('not an onnx model'), limits: { wallClockMs: 30_000, memoryLimitMb: 512 } });
    expect(garbage.code).toBe('E_MODEL_FORMAT');
  });

  it('keeps a session usable after an ordinary runtime error (wrong input shape)', async () => {
    const s = await IsolatedSession.open({ model: goodModel(), limits: { wallClockMs: 60_000, memoryLimitMb: 512 } });
    const err = await s.run({ X: { type: 'float32', dims: [2, 3], data: new Float32Array(6) } }).catch((e: ArbiterError) => e);
    expect((err as ArbiterError).code).toBe('E_MODEL_RUNTIME');
    const ok = await s.run(X(3));
    expect(bytes(ok.Y!.data as Float32Array).equals(bytes(await inThread(goodModel(), 3)))).toBe(true);
    expect(s.info.enforcement.rss).toBe('proc');
    await s.close();
  });

  it('pipelines two groups (the second is sent before the first returns) with outputs in send order, refuses a third, and a failed group leaves the queued one intact', async () => {
    const s = await IsolatedSession.open({ model: goodModel(), limits: { wallClockMs: 60_000, memoryLimitMb: 512 } });
    const a = s.runMany([X(3, 1), X(5, 2)]);
    const b = s.runMany([X(4, 3)]);
    const third = await s.runMany([X(1)]).catch((e: ArbiterError) => e);
    expect((third as ArbiterError).code).toBe('E_INTERNAL');
    const [outA, outB] = await Promise.all([a, b]);
    expect(outA.map((o) => (o.Y!.data as Float32Array).length)).toEqual([12, 20]);
    expect((outB[0]!.Y!.data as Float32Array).length).toBe(16);
    // A group that fails (wrong shape) rejects alone; the group queued behind it still runs.
    const bad = s.runMany([{ X: { type: 'float32', dims: [2, 3], data: new Float32Array(6) } }]);
    const after = s.runMany([X(3)]);
    expect(((await bad.catch((e: ArbiterError) => e)) as ArbiterError).code).toBe('E_MODEL_RUNTIME');
    expect(bytes((await after)[0]!.Y!.data as Float32Array).equals(bytes(await inThread(goodModel(), 3)))).toBe(true);
    await s.close();
  });

  it('reuses a warm child across submissions (loadNext) with a fresh wall clock each, until one fails', async () => {
    const s = await IsolatedSession.open({ model: goodModel(7), limits: { wallClockMs: 60_000, memoryLimitMb: 512 } });
    const a = await s.run(X(3));
    expect(bytes(a.Y!.data as Float32Array).equals(bytes(await inThread(goodModel(7), 3)))).toBe(true);
    const pid = s.info.pid;
    await s.loadNext(goodModel(8));
    const b = await s.run(X(3));
    expect(s.info.pid).toBe(pid);
    expect(bytes(b.Y!.data as Float32Array).equals(bytes(await inThread(goodModel(8), 3)))).toBe(true);
    await s.loadNext(sleepForeverModel(), { wallClockMs: 700 });
    const err = await s.run(X(2)).catch((e: ArbiterError) => e);
    expect((err as ArbiterError).code).toBe('E_TIMEOUT');
    await expect(s.loadNext(goodModel(7))).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    await s.close();
  });

  it('enforces memory by address space (prlimit or ulimit: the 4 GiB allocation is refused at once) and by resident size alone (none: killed while filling it)', async () => {
    const limits = { wallClockMs: 60_000, memoryLimitMb: 256 };
    const viaPrlimit = await attempt({ model: hugeTensorModel(14), limits, addressSpaceLimit: 'prlimit' }, 1);
    const viaUlimit = await attempt({ model: hugeTensorModel(14), limits, addressSpaceLimit: 'ulimit' }, 1);
    const viaRss = await attempt({ model: hugeTensorModel(14), limits, addressSpaceLimit: 'none' }, 1);
    for (const r of [viaPrlimit, viaUlimit, viaRss]) expect(r.code).toBe('E_MEMORY_LIMIT');
    expect(viaPrlimit.message).toMatch(/Failed to allocate memory/);
    expect(viaUlimit.message).toMatch(/Failed to allocate memory/);
    expect(viaRss.message).toMatch(/expected at most 256 MiB resident, found \d+ MiB \(killed\)/);
  });

  it('starts and scores under small and large memory limits alike (nothing in the child needs spare address space)', async () => {
    for (const memoryLimitMb of [160, 1024, 8192]) {
      const r = await attempt({ model: goodModel(), limits: { wallClockMs: 60_000, memoryLimitMb } });
      expect(r.code, `memoryLimitMb ${memoryLimitMb}`).toBeNull();
    }
  });

  it('rejects invalid limits up front with E_USAGE', () => {
    expect(() => IsolatedSession.open({ model: goodModel(), limits: { wallClockMs: 0, memoryLimitMb: 10 } })).toThrow(/wallClockMs must be a positive/);
  });
});
