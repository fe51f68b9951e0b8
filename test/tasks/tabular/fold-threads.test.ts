import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBenchmark } from '../../../src/benchmark/loader.ts';
import { toErrorData } from '../../../src/errors.ts';
import { initFold } from '../../../src/fold/fold.ts';
import { score } from '../../../src/run/index.ts';
import { Store } from '../../../src/store/store.ts';
import { chunkStates, type ChunkOutput } from '../../../src/tasks/tabular/chunk-states.ts';
import { FoldThreads, foldThreadCount } from '../../../src/tasks/tabular/fold-threads.ts';
import { chunkRowBytes, wholeTaskRows } from '../../../src/tasks/tabular/kind.ts';
import { mulberry32 } from '../../../src/models/onnx/builder.ts';
import { REPO, tempDir } from '../../helpers.ts';

const DEMO = path.join(REPO, 'benchmarks/tabular-demo');

/** Every journaled chunk of every submission of a run, as stored. */
function journalOf(db: string, runId: number): string[] {
  const store = Store.open(db);
  try {
    const subs = store.db.prepare('SELECT DISTINCT submission_id AS id FROM journal WHERE run_id = ? ORDER BY submission_id').all(runId) as Array<{ id: number }>;
    return subs.flatMap(({ id }) => store.journal(runId, id).map((j) => `${id}:${j.chunkIndex}:${j.rows}:${j.statesJson}`));
  } finally {
    store.close();
  }
}

describe('fold threads', () => {
  it('are off on 4 cores or fewer, one per 3 workers above, and ARBITER_FOLD_THREADS sets them', () => {
    expect(foldThreadCount(1, {}, 2)).toBe(0);
    expect(foldThreadCount(4, {}, 4)).toBe(0);
    expect(foldThreadCount(1, {}, 8)).toBe(1);
    expect(foldThreadCount(7, {}, 8)).toBe(3);
    expect(foldThreadCount(64, {}, 64)).toBe(22);
    expect(foldThreadCount(2, { ARBITER_FOLD_THREADS: '3' }, 2)).toBe(3);
    expect(foldThreadCount(2, { ARBITER_FOLD_THREADS: '0' }, 64)).toBe(0);
    for (const bad of ['-1', '1.5', 'two', '257']) {
      expect(() => foldThreadCount(2, { ARBITER_FOLD_THREADS: bad }, 2)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringContaining(`found "${bad}"`) }));
    }
  });

  it('give the inline fold\'s states, journal JSON and errors, chunk by chunk', async () => {
    const b = loadBenchmark(DEMO);
    const fold = initFold(b);
    const rand = mulberry32(7);
    const rows = 1000;
    const labels = Int32Array.from({ length: rows }, () => Math.floor(rand() * 4));
    const mask = Uint8Array.from({ length: rows }, () => (rand() < 0.3 ? 1 : 0));
    const probs = new Float32Array(rows * 4);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < 4; j++) { probs[r * 4 + j] = 0.05 + rand(); s += probs[r * 4 + j]!; }
      for (let j = 0; j < 4; j++) probs[r * 4 + j] = probs[r * 4 + j]! / s;
    }
    const output: ChunkOutput = { kind: 'scores', data: probs, width: 4 };
    const threads = new FoldThreads(b.spec, 2);
    try {
      const inline = chunkStates(b, fold, labels, mask, output);
      await threads.reserve();
      const a = await threads.fold(labels, mask, output);
      expect(a).toEqual({ ok: true, states: inline, json: JSON.stringify(inline) });
      // the caller's label and mask views are copied, not moved away
      expect(labels.length).toBe(rows);
      expect(mask.length).toBe(rows);

      const bad = Float32Array.from(probs);
      bad[4 * 417 + 2] = Number.NaN;
      let thrown: unknown;
      try { chunkStates(b, fold, labels, mask, { kind: 'scores', data: bad, width: 4 }); } catch (err) { thrown = err; }
      await threads.reserve();
      const e = await threads.fold(labels, mask, { kind: 'scores', data: bad, width: 4 });
      expect(e).toEqual({ ok: false, error: toErrorData(thrown, 'E_METRIC_INPUT') });
      expect(e.ok ? '' : e.error.code).toBe('E_MODEL_OUTPUT');
    } finally {
      await threads.close();
    }
  });

  it('score the demo with the same rows and the same journal as the main thread, with threads or processes and a shuffled order', async () => {
    const dir = tempDir();
    const inline = await score({ benchmark: DEMO, workers: 1, db: path.join(dir, 'a.db'), taskRows: 512, isolation: 'thread', hooks: { foldThreads: 0 } });
    const rand = mulberry32(11);
    const runs = [
      { workers: 2, isolation: 'process' as const, foldThreads: 2 },
      { workers: 1, isolation: 'thread' as const, foldThreads: 1 },
    ];
    for (const [i, o] of runs.entries()) {
      const db = path.join(dir, `f${i}.db`);
      const r = await score({
        benchmark: DEMO, workers: o.workers, db, taskRows: 512, isolation: o.isolation,
        hooks: { foldThreads: o.foldThreads, afterTask: async () => { await new Promise((res) => setTimeout(res, Math.floor(rand() * 10))); } },
      });
      expect(JSON.stringify(r.rows)).toBe(JSON.stringify(inline.rows));
      expect(journalOf(db, r.run.id)).toEqual(journalOf(path.join(dir, 'a.db'), inline.run.id));
    }
  });
});

describe('default task rows', () => {
  it('fit 32,768 rows of the demo, fewer for wide rows, whole batches, and a request wins', () => {
    const b = loadBenchmark(DEMO);
    expect(chunkRowBytes(b)).toEqual({ inputs: 32 * 4, outputs: 4 * 8 });
    expect(wholeTaskRows(undefined, 256, chunkRowBytes(b))).toBe(32768);
    // a 3x224x224 float32 image: 4 MiB of inputs hold 6 rows, rounded up to one batch of 8
    expect(wholeTaskRows(undefined, 8, { inputs: 3 * 224 * 224 * 4, outputs: 1000 * 8 })).toBe(8);
    // 1000 class scores: the 2 MiB outputs slab holds 262 rows, rounded up to 2 batches of 256
    expect(wholeTaskRows(undefined, 256, { inputs: 64, outputs: 1000 * 8 })).toBe(512);
    expect(wholeTaskRows(1000, 256, chunkRowBytes(b))).toBe(1024);
  });
});
