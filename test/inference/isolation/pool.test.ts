// The pool of warm inference children: good submissions score bit-identically to in-thread ORT
// in batch order, hostile ones fail with their codes, children are reused and replaced, and the
// wall clock of a submission spans all of its tasks.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { IsolatedPool } from '../../../src/inference/isolation/pool.ts';
import { fixtureRows, goodModel, leakForeverModel, sleepForeverModel } from '../../../src/inference/isolation/fixtures.ts';

const ROWS = fixtureRows(64, 3);
const feeds = (i: number) => ({ X: { type: 'float32' as const, dims: [8, 4], data: ROWS.slice(i * 32, i * 32 + 32) } });

async function reference(model: Uint8Array, batches: number, offset: number): Promise<Buffer> {
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'extended' });
  const parts: Buffer[] = [];
  for (let i = 0; i < batches; i++) {
    const y = (await s.run({ X: new ort.Tensor('float32', ROWS.slice((offset + i) * 32, (offset + i) * 32 + 32), [8, 4]) })).Y!.data as Float32Array;
    parts.push(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  }
  await s.release();
  return Buffer.concat(parts);
}

describe('IsolatedPool', () => {
  it('scores good submissions split in tasks, fails the sleeper and the leaker, reuses warm children', async () => {
    const pool = new IsolatedPool({ size: 2, limits: { wallClockMs: 4000, memoryLimitMb: 256 } });
    const goods = [goodModel(1), goodModel(2), goodModel(3)];
    const got = new Map<string, Buffer[]>();
    const tasks: Array<Promise<unknown>> = [];
    goods.forEach((m, g) => {
      for (const offset of [0, 4]) { // two tasks of 4 batches each per submission
        tasks.push(pool.run({
          submission: `good${g}`, model: m, batches: 4, feeds: (i) => feeds(offset + i),
          onBatch: (i, out) => {
            const y = out.Y!.data as Float32Array;
            const list = got.get(`good${g}:${offset}`) ?? [];
            expect(list.length).toBe(i); // batch order
            list.push(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
            got.set(`good${g}:${offset}`, list);
          },
        }));
      }
    });
    const sleeper = pool.run({ submission: 'sleep', model: sleepForeverModel(), batches: 2, feeds, onBatch: () => undefined });
    const sleeper2 = pool.run({ submission: 'sleep', model: sleepForeverModel(), batches: 2, feeds, onBatch: () => undefined });
    // the leaker under its own, generous clock: on a loaded machine a 4 s clock can expire
    // before the leak reaches the memory limit (E_TIMEOUT instead of E_MEMORY_LIMIT, seen here)
    const leakPool = new IsolatedPool({ size: 1, limits: { wallClockMs: 300_000, memoryLimitMb: 256 } });
    const leaker = leakPool.run({ submission: 'leak', model: leakForeverModel(), batches: 1, feeds, onBatch: () => undefined });
    const outcomes = await Promise.all(tasks);
    expect(outcomes.filter((o) => !(o as { ok: boolean }).ok)).toEqual([]);
    expect(await sleeper).toMatchObject({ ok: false, error: { code: 'E_TIMEOUT', details: { limitMs: 4000 } } });
    expect((await sleeper as { error: { message: string } }).error.message).toMatch(/expected to finish within 4000 ms/);
    expect(await sleeper2).toMatchObject({ ok: false, error: { code: 'E_TIMEOUT' } });
    expect(await leaker).toMatchObject({ ok: false, error: { code: 'E_MEMORY_LIMIT' } });
    expect(leakPool.failureOf('leak')?.code).toBe('E_MEMORY_LIMIT');
    await leakPool.close();
    expect(pool.failureOf('good0')).toBeNull();
    for (let g = 0; g < goods.length; g++) {
      for (const offset of [0, 4]) {
        expect(Buffer.concat(got.get(`good${g}:${offset}`)!).equals(await reference(goods[g]!, 4, offset))).toBe(true);
      }
    }
    // 2 children at first, plus at most one replacement per failed submission.
    expect(pool.stats.spawned).toBeLessThanOrEqual(4);
    expect(pool.stats.reloads).toBeGreaterThan(0);
    await pool.close();
  });

  it('sends several batches per message (batchesPerMessage) with identical outputs, in batch order', async () => {
    const pool = new IsolatedPool({ size: 1, limits: { wallClockMs: 30_000, memoryLimitMb: 512 }, batchesPerMessage: 3 });
    const got: Buffer[] = [];
    const r = await pool.run({
      submission: 'g', model: goodModel(2), batches: 8, feeds,
      onBatch: (i, out) => {
        expect(i).toBe(got.length);
        const y = out.Y!.data as Float32Array;
        got.push(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
      },
    });
    expect(r).toEqual({ ok: true });
    expect(Buffer.concat(got).equals(await reference(goodModel(2), 8, 0))).toBe(true);
    await pool.close();
  });

  it('fails a submission whose onBatch throws, with that error, and goes on', async () => {
    const pool = new IsolatedPool({ size: 1, limits: { wallClockMs: 30_000, memoryLimitMb: 512 } });
    const bad = await pool.run({
      submission: 'a', model: goodModel(1), batches: 3, feeds,
      onBatch: (i) => {
        if (i === 1) throw Object.assign(new Error('expected 8 predictions, found 7'), { code: 'E_METRIC_INPUT' });
      },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'E_METRIC_INPUT' } });
    expect(await pool.run({ submission: 'a', model: goodModel(1), batches: 1, feeds, onBatch: () => undefined })).toMatchObject({ ok: false, error: { code: 'E_METRIC_INPUT' } });
    let n = 0;
    expect(await pool.run({ submission: 'b', model: goodModel(2), batches: 3, feeds, onBatch: () => void n++ })).toEqual({ ok: true });
    expect(n).toBe(3);
    expect(pool.stats.spawned).toBe(1);
    await pool.close();
  });

  it('a child takes the same submission\'s next task while it runs the current one (sent after it, never interleaved), with identical outputs in batch order', async () => {
    const pool = new IsolatedPool({ size: 1, limits: { wallClockMs: 30_000, memoryLimitMb: 512 }, batchesPerMessage: 2 });
    const events: string[] = [];
    const got = new Map<number, Buffer[]>();
    const offsets = [0, 4, 0];
    const runs = offsets.map((offset, t) => pool.run({
      submission: 'g', model: goodModel(3), batches: 4,
      feeds: (i) => { events.push(`send ${t}:${i}`); return feeds(offset + i); },
      onBatch: (i, out) => {
        events.push(`read ${t}:${i}`);
        const list = got.get(t) ?? [];
        expect(list.length).toBe(i); // batch order within the task
        const y = out.Y!.data as Float32Array;
        list.push(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
        got.set(t, list);
      },
    }));
    expect(await Promise.all(runs)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    for (const [t, offset] of offsets.entries()) expect(Buffer.concat(got.get(t)!).equals(await reference(goodModel(3), 4, offset))).toBe(true);
    // task 1 joined task 0 once its model was loaded, task 2 joined task 1 when task 0 ended
    expect(pool.stats.joined).toBe(2);
    // each task sent its groups after the one it joined had sent all of its own: never interleaved
    const sends = events.filter((e) => e.startsWith('send')).map((e) => Number(e.slice(5, 6)));
    expect(sends).toEqual([...sends].sort((a, b) => a - b));
    expect(pool.stats.spawned).toBe(1);
    await pool.close();
  });

  it('when a task fails, the task that joined it on the same child stops with the same error, and the child goes on to the next submission', async () => {
    const pool = new IsolatedPool({ size: 1, limits: { wallClockMs: 30_000, memoryLimitMb: 512 }, batchesPerMessage: 1 });
    const failing = pool.run({
      submission: 'a', model: goodModel(1), batches: 3, feeds,
      onBatch: (i) => {
        if (i === 2) throw Object.assign(new Error('expected 8 predictions, found 7'), { code: 'E_METRIC_INPUT' });
      },
    });
    const joined = pool.run({ submission: 'a', model: goodModel(1), batches: 3, feeds, onBatch: () => undefined });
    const other = pool.run({ submission: 'b', model: goodModel(2), batches: 2, feeds, onBatch: () => undefined });
    expect(await failing).toMatchObject({ ok: false, error: { code: 'E_METRIC_INPUT' } });
    // the joined task ran after the failing one on the same child: it stops at the failure
    expect(await joined).toMatchObject({ ok: false, error: { code: 'E_METRIC_INPUT' } });
    expect(pool.failureOf('a')?.code).toBe('E_METRIC_INPUT');
    expect(await other).toEqual({ ok: true });
    expect(pool.stats.spawned).toBe(1);
    await pool.close();
  });
});
