// Outputs of an isolated child come back through an outputs file the engine made (0600, beside the
// inputs file) instead of over IPC: the bits are those of a worker thread, the files are gone when
// the executor closes or the child dies, and a child that lies about what it wrote (short file,
// a symlink in place of the file, nothing written over an earlier group's outputs, fewer batches, huge dims, junk metadata, a '__proto__' name,
// IPC answers shorter than their dims) fails the submission with a code: the engine never reads
// past what it computed from the contract and never folds a batch it did not get.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExecutor, groupBatches, type Executor } from '../../../src/inference/executor.ts';
import { InputWindow, OutputSlabs, sharedArray, slabView } from '../../../src/inference/shared-inputs.ts';
import { liveInputsFiles } from '../../../src/inference/isolation/shm-inputs.ts';
import { DEFAULT_LIMITS } from '../../../src/inference/isolation/runner.ts';
import type { ChunkJob, InferenceResult } from '../../../src/inference/task.ts';
import { REPO, tempDir } from '../../helpers.ts';

const MODEL = path.join(REPO, 'benchmarks/tabular-demo/submissions/alice.onnx');
const LIAR = path.join(REPO, 'test/inference/isolation/lying-child.fixture.ts');
const ROWS = 700;
// batches of 8 rows: 88 batches, two groups (64 + 24, groupBatches) in flight per job
const BATCH = 8;
const limits = { ...DEFAULT_LIMITS, wallClockMs: 120_000 };

function window(rows = ROWS): InputWindow {
  const data = sharedArray('float32', rows * 32) as Float32Array;
  for (let i = 0; i < data.length; i++) data[i] = Math.cos(i * 0.29) * 2;
  return new InputWindow(0, rows, [{ name: 'features', dtype: 'float32', rowShape: [32], data }]);
}

const outputsFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('arbiter-outputs-')).map((n) => path.join(dir, n));

/** One job over the whole window, in batches of BATCH rows. */
async function runJob(ex: Executor, w: InputWindow, padLast = true): Promise<{ r: InferenceResult; out: Float32Array | Float64Array | null; slab: SharedArrayBuffer }> {
  const slab = new OutputSlabs(w.rows * 4 * 8).take();
  ex.share(w);
  const job: ChunkJob = { modelPath: MODEL, modelSha256: 'alice', window: w, start: 0, rows: w.rows, batchSize: BATCH, padLast, output: { name: 'probabilities', rowShape: [4] }, out: slab };
  const r = await ex.run(job);
  return { r, out: r.ok ? slabView(slab, r.dtype, w.rows * 4) : null, slab };
}

const bytesOf = (a: Float32Array | Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('outputs files of isolated children', () => {
  it('give the bits of a worker thread and of IPC, are 0600 beside the inputs file, and go away with the executor or a killed child', async () => {
    const dir = tempDir('arbiter-out-');
    const thread = createExecutor('thread', 1, limits);
    const proc = createExecutor('process', 1, limits, { inputsDir: { dir, memory: true } });
    const ipc = createExecutor('process', 1, limits, { memoryOnlyInputs: true, inputsDir: { dir: tempDir('arbiter-out-ipc-'), memory: false } });
    try {
      for (const padLast of [false, true]) {
        const t = await runJob(thread, window(), padLast);
        const p = await runJob(proc, window(), padLast);
        const i = await runJob(ipc, window(), padLast);
        expect(t.r.ok && p.r.ok && i.r.ok).toBe(true);
        expect(bytesOf(p.out!).equals(bytesOf(t.out!))).toBe(true);
        expect(bytesOf(i.out!).equals(bytesOf(t.out!))).toBe(true);
        expect(Array.from(t.out!).some((v) => v !== 0)).toBe(true);
      }
      const files = outputsFiles(dir);
      expect(files).toHaveLength(2); // one per group in flight
      for (const f of files) expect(statSync(f).mode & 0o777).toBe(0o600);

      // kill -9 of the child while a job runs: the job fails with E_WORKER_CRASH, its files go, the next job scores
      const children = (): number[] => readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
        try {
          const st = readFileSync(`/proc/${e}/stat`, 'utf8');
          if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) return false;
          // the process executor's child: it holds its outputs files open
          return readdirSync(`/proc/${e}/fd`).some((fd) => { try { return readlinkSync(`/proc/${e}/fd/${fd}`).startsWith(dir); } catch { return false; } });
        } catch { return false; }
      }).map(Number);
      const pids = children();
      expect(pids).toHaveLength(1);

      // a full outputs file system (here: RLIMIT_FSIZE on the child, so its writes fail with EFBIG):
      // the outputs come over IPC instead, with the same bits
      const reference = await runJob(thread, window());
      expect(spawnSync('prlimit', ['--pid', String(pids[0]), '--fsize=1024']).status).toBe(0);
      const full = await runJob(proc, window());
      expect(full.r.ok).toBe(true);
      expect(bytesOf(full.out!).equals(bytesOf(reference.out!))).toBe(true);
      // a long job (about 780 groups), so that the child is still at it when it is killed
      const w = window(50_000);
      const killed = runJob(proc, w);
      process.kill(pids[0]!, 'SIGKILL');
      const k = await killed;
      expect(k.r).toMatchObject({ ok: false, error: { code: 'E_WORKER_CRASH' } });
      for (let n = 0; n < 100 && outputsFiles(dir).some((f) => files.includes(f)); n++) await new Promise((r) => setTimeout(r, 20));
      expect(outputsFiles(dir).filter((f) => files.includes(f))).toEqual([]);
      // the killed submission stays failed; another one (another model id) gets a new child
      const again = await proc.run({ modelPath: MODEL, modelSha256: 'alice-2', window: w, start: 0, rows: w.rows, batchSize: BATCH, padLast: true, output: { name: 'probabilities', rowShape: [4] }, out: new OutputSlabs(w.rows * 4 * 8).take() });
      expect(again.ok).toBe(true);
    } finally {
      await Promise.all([thread.close(), proc.close(), ipc.close()]);
    }
    expect(outputsFiles(dir)).toEqual([]);
    expect(liveInputsFiles()).toEqual([]);
  }, 180_000);

  const lies: Array<[string, string | null]> = [
    ['none', null], ['short', 'E_WORKER_CRASH'], ['stale', 'E_WORKER_CRASH'], ['symlink', 'E_WORKER_CRASH'], ['few', 'E_WORKER_CRASH'],
    ['huge-dims', 'E_MODEL_CONTRACT'], ['junk', 'E_WORKER_CRASH'], ['proto', 'E_MODEL_CONTRACT'], ['twice', 'E_WORKER_CRASH'],
    ['ipc-short', 'E_MODEL_CONTRACT'], ['ipc-few', 'E_WORKER_CRASH'], ['nan', null],
  ];
  it('a child that lies about its outputs fails the submission with a code and the engine reads nothing it did not compute', async () => {
    const dir = tempDir('arbiter-out-lies-');
    const old = process.env.ARBITER_TEST_LIE;
    try {
      for (const [lie, code] of lies) {
        process.env.ARBITER_TEST_LIE = lie;
        const ex = createExecutor('process', 1, limits, { inputsDir: { dir, memory: true }, childEntry: LIAR });
        try {
          const w = window();
          // 'stale' lies from its third group on: honest jobs first until two groups have gone (both outputs files hold outputs)
          const groupsPerJob = Math.ceil(Math.ceil(ROWS / BATCH) / groupBatches({ batchSize: BATCH, output: { name: 'probabilities', rowShape: [4] } }));
          for (let g = 0; lie === 'stale' && g < 2; g += groupsPerJob) expect((await runJob(ex, w)).r, 'stale, an honest job').toMatchObject({ ok: true });
          const { r, out, slab } = await runJob(ex, w);
          if (code === null) {
            expect(r, lie).toMatchObject({ ok: true, dtype: 'float32' });
            expect(Array.from(out!).every((v) => (lie === 'nan' ? Number.isNaN(v) : v === 0.25)), lie).toBe(true);
          } else {
            expect(r, lie).toMatchObject({ ok: false, error: { code } });
          }
          // the inputs never reach the output slab, whatever the child put at its outputs path
          const col = w.columns[0]!.data;
          expect(Buffer.from(slab).includes(Buffer.from(col.buffer, col.byteOffset, 64)), lie).toBe(false);
        } finally {
          await ex.close();
        }
        expect(outputsFiles(dir), lie).toEqual([]);
      }
    } finally {
      if (old === undefined) delete process.env.ARBITER_TEST_LIE; else process.env.ARBITER_TEST_LIE = old;
    }
    expect(liveInputsFiles()).toEqual([]);
  }, 180_000);
});
