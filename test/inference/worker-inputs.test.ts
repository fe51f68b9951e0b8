import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { score } from '../../src/run/index.ts';
import { readChunks } from '../../src/data/arrow-stream.ts';
import { REPO, tempDir } from '../helpers.ts';

describe('what a worker receives', () => {
  it('gets the model input column only: no labels, no ids, no split', async () => {
    const dir = tempDir();
    const spy = path.join(dir, 'spy.jsonl');
    process.env.ARBITER_SPY_FILE = spy;
    await score({
      benchmark: path.join(REPO, 'benchmarks/tabular-demo'), workers: 2, db: path.join(dir, 'a.db'), taskRows: 1024, isolation: 'thread',
      submissions: [path.join(REPO, 'benchmarks/tabular-demo/submissions/alice.onnx')],
      hooks: { workerFile: pathToFileURL(path.join(REPO, 'test/run/fixtures/spy-worker.ts')).href },
    });
    const records = readFileSync(spy, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {
      keys: string[]; inputs: Array<{ name: string; dtype: string; length: number; type: string }>; rows: number; json: string;
    });
    expect(records.length).toBe(3); // 3000 rows in tasks of 1024
    let labelsSum = 0;
    for await (const c of readChunks(path.join(REPO, 'datasets/tabular-demo/hidden.arrow'), [{ name: 'label', kind: 'int32', width: 1, role: 'label' }], 4096)) {
      labelsSum += (c.columns.get('label') as Int32Array).reduce((a, v) => a + v, 0);
    }
    expect(labelsSum).toBeGreaterThan(0);
    for (const r of records) {
      expect(r.keys).toEqual(['batchSize', 'inputs', 'modelPath', 'modelSha256', 'output', 'padLast', 'rows']);
      expect(r.inputs).toHaveLength(1);
      expect(r.inputs[0]).toMatchObject({ name: 'features', dtype: 'float32', type: 'Float32Array', length: r.rows * 32 });
      expect(r.json).not.toMatch(/label|split|"id"/);
    }
    expect(records.reduce((a, r) => a + r.rows, 0)).toBe(3000);
  });
});
