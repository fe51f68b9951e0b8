// What reaches an inference worker thread: a row range of the shared input window, whose memory
// holds the model's input column and nothing else (its bytes are exactly the features column of
// the hidden set: no label, id or split can hide in it), and an output slab. Labels stay here.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { score } from '../../src/run/index.ts';
import { readChunks } from '../../src/data/arrow-stream.ts';
import { REPO, tempDir } from '../helpers.ts';

type SpyRecord = {
  keys: string[]; start: number; rows: number; outBytes: number; json: string;
  inputs: Array<{ name: string; dtype: string; length: number; type: string; buffer: string; bufferBytes: number; sha256: string }>;
};

async function spyRun(inputWindowBytes?: number): Promise<SpyRecord[]> {
  const dir = tempDir();
  const spy = path.join(dir, 'spy.jsonl');
  // test files can share a process (vitest.config.ts: isolate false): leave the environment as found
  const saved = process.env.ARBITER_SPY_FILE;
  process.env.ARBITER_SPY_FILE = spy;
  try {
    await score({
      benchmark: path.join(REPO, 'benchmarks/tabular-demo'), workers: 2, db: path.join(dir, 'a.db'), taskRows: 1024, isolation: 'thread',
      submissions: [path.join(REPO, 'benchmarks/tabular-demo/submissions/alice.onnx')],
      hooks: { workerFile: pathToFileURL(path.join(REPO, 'test/run/fixtures/spy-worker.ts')).href, ...(inputWindowBytes ? { inputWindowBytes } : {}) },
    });
  } finally {
    if (saved === undefined) delete process.env.ARBITER_SPY_FILE; else process.env.ARBITER_SPY_FILE = saved;
  }
  return readFileSync(spy, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SpyRecord);
}

async function hiddenColumns(): Promise<{ features: Float32Array; labelsSum: number }> {
  const features: number[] = [];
  let labelsSum = 0;
  for await (const c of readChunks(path.join(REPO, 'datasets/tabular-demo/hidden.arrow'), [
    { name: 'features', kind: 'float32', width: 32, role: 'input' }, { name: 'label', kind: 'int32', width: 1, role: 'label' }], 4096)) {
    features.push(...(c.columns.get('features') as Float32Array));
    labelsSum += (c.columns.get('label') as Int32Array).reduce((a, v) => a + v, 0);
  }
  return { features: Float32Array.from(features), labelsSum };
}

const sha = (f: Float32Array) => createHash('sha256').update(new Uint8Array(f.buffer, f.byteOffset, f.byteLength)).digest('hex');

describe('what a worker receives', () => {
  it('a row range of shared memory holding the model input column only: no labels, no ids, no split', async () => {
    const records = await spyRun();
    const { features, labelsSum } = await hiddenColumns();
    expect(labelsSum).toBeGreaterThan(0);
    expect(records.length).toBe(3); // 3000 rows in tasks of 1024
    for (const r of records) {
      expect(r.keys).toEqual(['batchSize', 'inputs', 'modelPath', 'modelSha256', 'out', 'output', 'padLast', 'rows', 'start']);
      expect(r.inputs).toHaveLength(1);
      // the whole set is one window: every task sees the same shared memory, exactly the features column
      expect(r.inputs[0]).toMatchObject({ name: 'features', dtype: 'float32', type: 'Float32Array', buffer: 'SharedArrayBuffer', length: 3000 * 32, bufferBytes: 3000 * 32 * 4, sha256: sha(features) });
      expect(r.outBytes).toBe(1024 * 4 * 8);
      expect(r.json).not.toMatch(/label|split|"id"/);
    }
    expect(records.map((r) => r.start).sort((a, b) => a - b)).toEqual([0, 1024, 2048]);
    expect(records.reduce((a, r) => a + r.rows, 0)).toBe(3000);
  });

  it('with windows smaller than the set, each window holds its own rows of the input column and nothing else', async () => {
    const records = await spyRun(1024 * 32 * 4); // one chunk of inputs per window
    const { features } = await hiddenColumns();
    expect(records.length).toBe(3);
    const byRows = new Map(records.map((r) => [r.inputs[0]!.length, r]));
    for (const [k, rows] of [[0, 1024], [1, 1024], [2, 952]] as const) {
      const r = records.find((x) => x.inputs[0]!.sha256 === sha(features.subarray(k * 1024 * 32, (k * 1024 + rows) * 32)));
      expect(r, `window ${k}`).toBeDefined();
      expect(r!).toMatchObject({ start: 0, rows });
      expect(r!.inputs[0]!.bufferBytes).toBe(rows * 32 * 4);
    }
    expect(byRows.size).toBe(2);
  });
});
