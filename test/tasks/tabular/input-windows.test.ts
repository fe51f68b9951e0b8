// Input windows of a hidden set bigger than one window: a finished window's shared memory is taken
// again by the next window of the same size (so dead windows never wait for the collector), every
// window holds exactly its own rows whether its memory is new or recycled, and scoring through
// recycled windows gives the same bits as the whole set in one window, with threads and processes.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBenchmark } from '../../../src/benchmark/loader.ts';
import { prepareDataset } from '../../../src/data/prepare.ts';
import { readChunks } from '../../../src/data/arrow-stream.ts';
import { score } from '../../../src/run/index.ts';
import { recycleWindow, tabularWindows } from '../../../src/tasks/tabular/input-windows.ts';
import { REPO, tempDir } from '../../helpers.ts';

const DEMO = path.join(REPO, 'benchmarks/tabular-demo');
const ROW_BYTES = 32 * 4; // 32 float32 features

describe('tabular input windows', () => {
  it('recycle the shared memory of a finished window into the next one, with that window\'s rows', async () => {
    const b = loadBenchmark(DEMO);
    const data = await prepareDataset(b);
    const whole: number[] = [];
    for await (const c of readChunks(data.source, [{ name: 'features', kind: 'float32', width: 32, role: 'input' }], 4096)) {
      whole.push(...(c.columns.get('features') as Float32Array));
    }
    const buffers: ArrayBufferLike[] = [];
    let rows = 0;
    for await (const w of tabularWindows(b, data, 256, 512 * ROW_BYTES)) {
      const col = w.inputs.columns[0]!.data as Float32Array;
      expect(w.wholeSet).toBe(false);
      expect(Array.from(col)).toEqual(whole.slice(w.inputs.start * 32, (w.inputs.start + w.inputs.rows) * 32));
      buffers.push(col.buffer);
      rows += w.inputs.rows;
      recycleWindow(w);
    }
    expect(rows).toBe(3000);
    // 512-row windows: 5 full ones share one buffer; the last (440 rows) has its own size
    expect(buffers.length).toBe(6);
    expect(new Set(buffers.slice(0, 5)).size).toBe(1);
    expect(buffers[5]).not.toBe(buffers[0]);
  });

  it('a window still in use is never handed out again', async () => {
    const b = loadBenchmark(DEMO);
    const data = await prepareDataset(b);
    const held: ArrayBufferLike[] = [];
    for await (const w of tabularWindows(b, data, 256, 512 * ROW_BYTES)) held.push(w.inputs.columns[0]!.data.buffer);
    expect(new Set(held).size).toBe(held.length);
  });

  it('score through recycled windows with the same bits as one whole-set window, threads and processes', async () => {
    const dir = tempDir();
    const whole = await score({ benchmark: DEMO, workers: 1, db: path.join(dir, 'a.db'), isolation: 'thread' });
    for (const isolation of ['thread', 'process'] as const) {
      // 2 chunks of 256 rows per window, 2 workers: a window's chunks and the next window overlap
      const windowed = await score({
        benchmark: DEMO, workers: 2, db: path.join(dir, `w-${isolation}.db`), taskRows: 256, isolation,
        hooks: { inputWindowBytes: 512 * ROW_BYTES },
      });
      expect(JSON.stringify(windowed.rows), isolation).toBe(JSON.stringify(whole.rows));
    }
  });
});
