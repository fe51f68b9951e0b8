// The inputs file isolated children read their rows from: exactly the window's input bytes, 0600,
// gone when the window is unshared; a child reading it answers bit-identically to a worker thread
// reading shared memory and to rows sent over IPC (the fallback when there is no memory-backed
// file system for a decrypted set); files of a dead engine are swept.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExecutor, type Executor } from '../../../src/inference/executor.ts';
import { InputWindow, OutputSlabs, sharedArray, slabView } from '../../../src/inference/shared-inputs.ts';
import { liveInputsFiles, writeInputsFile } from '../../../src/inference/isolation/shm-inputs.ts';
import { DEFAULT_LIMITS } from '../../../src/inference/isolation/runner.ts';
import type { ChunkJob } from '../../../src/inference/task.ts';
import { REPO, tempDir } from '../../helpers.ts';

const MODEL = path.join(REPO, 'benchmarks/tabular-demo/submissions/alice.onnx');
const ROWS = 700;

function window(): InputWindow {
  const data = sharedArray('float32', ROWS * 32) as Float32Array;
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 3;
  return new InputWindow(0, ROWS, [{ name: 'features', dtype: 'float32', rowShape: [32], data }]);
}

async function runAll(ex: Executor, w: InputWindow, padLast: boolean): Promise<Float32Array> {
  const all = new Float32Array(ROWS * 4);
  const slabs = new OutputSlabs(300 * 4 * 8);
  ex.share(w);
  for (let start = 0; start < ROWS; start += 300) {
    const rows = Math.min(300, ROWS - start);
    const job: ChunkJob = { modelPath: MODEL, modelSha256: 'alice', window: w, start, rows, batchSize: 128, padLast, output: { name: 'probabilities', rowShape: [4] }, out: slabs.take() };
    const r = await ex.run(job);
    if (!r.ok) throw new Error(r.error.message);
    all.set(slabView(job.out, r.dtype, rows * 4), start * 4);
    slabs.give(job.out);
  }
  expect(slabs.made).toBe(1);
  return all;
}

describe('shared inputs for isolated processes', () => {
  it('a child reading the inputs file gives the bits of a thread reading shared memory and of rows over IPC; the file holds the inputs only and goes away', async () => {
    const dir = tempDir('arbiter-shm-');
    const limits = { ...DEFAULT_LIMITS, wallClockMs: 120_000 };
    for (const padLast of [false, true]) {
      const thread = createExecutor('thread', 1, limits);
      const proc = createExecutor('process', 1, limits, { inputsDir: { dir, memory: true } });
      const ipc = createExecutor('process', 1, limits, { memoryOnlyInputs: true, inputsDir: { dir, memory: false } });
      try {
        const w = window();
        const t = await runAll(thread, w, padLast);
        const wp = window();
        const p = await runAll(proc, wp, padLast);
        expect(wp.file).not.toBeNull();
        expect(path.dirname(wp.file!)).toBe(dir);
        expect(statSync(wp.file!).mode & 0o777).toBe(0o600);
        const bytes = readFileSync(wp.file!);
        const col = wp.columns[0]!.data;
        expect(bytes.equals(Buffer.from(new Uint8Array(col.buffer, col.byteOffset, col.byteLength)))).toBe(true);
        const wi = window();
        const i = await runAll(ipc, wi, padLast);
        expect(wi.file).toBeNull(); // decrypted rows never go to a file system that is not memory
        expect(Buffer.from(p.buffer).equals(Buffer.from(t.buffer))).toBe(true);
        expect(Buffer.from(i.buffer).equals(Buffer.from(t.buffer))).toBe(true);
        expect(t.some((v) => v !== 0)).toBe(true);
        const file = wp.file!;
        proc.unshare(wp);
        expect(existsSync(file)).toBe(false);
      } finally {
        await Promise.all([thread.close(), proc.close(), ipc.close()]);
      }
    }
    expect(liveInputsFiles()).toEqual([]);
  }, 120_000);

  it('removes the inputs and outputs files of an engine that is gone, keeps those of live ones', () => {
    const dir = tempDir('arbiter-shm-sweep-');
    mkdirSync(dir, { recursive: true });
    const dead = path.join(dir, 'arbiter-inputs-999999999-1-abc');
    const deadOut = path.join(dir, 'arbiter-outputs-999999999-1-abc');
    const alive = path.join(dir, `arbiter-inputs-${process.ppid}-1-abc`);
    const aliveOut = path.join(dir, `arbiter-outputs-${process.ppid}-1-abc`);
    for (const f of [dead, deadOut, alive, aliveOut]) writeFileSync(f, 'x');
    const f = writeInputsFile(window(), { memoryOnly: true, where: { dir, memory: true } });
    expect(f).not.toBeNull();
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(deadOut)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    expect(existsSync(aliveOut)).toBe(true);
  });
});
