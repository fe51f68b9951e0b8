// Per-submission limits through the whole engine: a model that never finishes fails with
// E_TIMEOUT, one that allocates without bound with E_MEMORY_LIMIT, while a good model in the
// same job scores exactly as it does in worker threads. The test process never crashes.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score } from '../../src/run/index.ts';
import { goodModel, leakForeverModel, sleepForeverModel } from '../../src/inference/isolation/fixtures.ts';
import { writeTabularBenchmark } from './fixtures/benchmarks.ts';
import { tempDir } from '../helpers.ts';

/** The 600-row tabular benchmark under `limits`, with a good, a sleeping and a leaking model. */
function makeBenchmark(dir: string, limits: string): string {
  writeTabularBenchmark(dir, { id: 'limits-test', rows: 600, extraYaml: limits });
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
