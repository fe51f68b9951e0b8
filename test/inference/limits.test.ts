// Per-submission limits through the whole engine: a model that never finishes fails with
// E_TIMEOUT, one that allocates without bound with E_MEMORY_LIMIT, while a good model in the
// same job scores exactly as it does in worker threads. The test process never crashes.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score } from '../../src/run/index.ts';
import { packDataset } from '../../src/data/pack.ts';
import { FIXTURE_FEATURES, fixtureRows, goodModel, leakForeverModel, sleepForeverModel } from '../../src/inference/isolation/fixtures.ts';
import { tempDir } from '../helpers.ts';

function makeBenchmark(dir: string, limits: string): string {
  const n = 600;
  const x = fixtureRows(n, 3);
  const lines = ['id,f0,f1,f2,f3,label'];
  for (let r = 0; r < n; r++) lines.push([r + 1, ...Array.from(x.subarray(r * 4, r * 4 + 4), (v) => v.toFixed(4)), r % 4].join(','));
  writeFileSync(path.join(dir, 'data.csv'), lines.join('\n'));
  const packed = packDataset(path.join(dir, 'data.csv'), {
    id: 'id',
    columns: [
      { name: 'id', type: 'int64', label: false, allowNaN: false },
      { name: 'x', type: 'float32', size: FIXTURE_FEATURES, from: ['f0', 'f1', 'f2', 'f3'], label: false, allowNaN: false },
      { name: 'label', type: 'int32', label: true, allowNaN: false },
    ],
  }, path.join(dir, 'data.arrow'));
  writeFileSync(path.join(dir, 'benchmark.yaml'), `
id: limits-test
version: 1
task: { type: classification, numClasses: 4, labelColumn: label, output: logits }
dataset: { path: data.arrow, sha256: ${packed.sha256} }
model:
  inputs: [{ name: X, column: x, dtype: float32, shape: [batch, 4] }]
  outputs: [{ name: Y, dtype: float32, shape: [batch, 4] }]
batching: { size: 64 }
metrics: [{ name: log_loss }, { name: accuracy }]
split: { key: limits-test-key, publicFraction: 0.5 }
${limits}
`);
  mkdirSync(path.join(dir, 'submissions'));
  writeFileSync(path.join(dir, 'submissions/a-good.onnx'), goodModel());
  writeFileSync(path.join(dir, 'submissions/b-sleeps.onnx'), sleepForeverModel());
  writeFileSync(path.join(dir, 'submissions/c-leaks.onnx'), leakForeverModel());
  return dir;
}

describe('execution limits in the engine', () => {
  // Each limit is tested with the other one generous: on a loaded machine a memory bomb under a
  // short clock can hit the clock first (E_TIMEOUT instead of E_MEMORY_LIMIT), a flake seen here.
  it('times out a model that never returns; the good one scores as in threads', async () => {
    const dir = makeBenchmark(tempDir(), 'limits: { wallClockMs: 4000, memoryLimitMb: 4096 }');
    const subs = ['a-good', 'b-sleeps'].map((n) => path.join(dir, `submissions/${n}.onnx`));
    const r = await score({ benchmark: dir, workers: 2, db: path.join(dir, 'p.db'), isolation: 'process', submissions: subs });
    const by = Object.fromEntries(r.rows.map((row) => [row.participant, row]));
    expect(by['a-good']!.status).toBe('scored');
    expect(by['b-sleeps']!.error!.code).toBe('E_TIMEOUT');
    const t = await score({ benchmark: dir, workers: 1, db: path.join(dir, 't.db'), isolation: 'thread', submissions: [subs[0]!] });
    expect(t.rows[0]!.splitScores).toEqual(by['a-good']!.splitScores);
  });

  it('memory-kills a model that allocates without bound, under a generous clock', async () => {
    const dir = makeBenchmark(tempDir(), 'limits: { wallClockMs: 300000, memoryLimitMb: 400 }');
    const subs = ['a-good', 'c-leaks'].map((n) => path.join(dir, `submissions/${n}.onnx`));
    const r = await score({ benchmark: dir, workers: 2, db: path.join(dir, 'm.db'), isolation: 'process', submissions: subs });
    const by = Object.fromEntries(r.rows.map((row) => [row.participant, row]));
    expect(by['a-good']!.status).toBe('scored');
    expect(by['c-leaks']!.error!.code).toBe('E_MEMORY_LIMIT');
  });
});
