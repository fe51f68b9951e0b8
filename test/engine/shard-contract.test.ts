// The Kubernetes Indexed Job contract, locally: N shard processes, each with JOB_COMPLETION_INDEX
// set and `--shard auto/N`, score their slice with real ORT in W child processes and write parts;
// mergeParts combines them. Shard counts 1, 3, 7 x workers 1, 2 x both modes give byte-identical
// merged results, equal to a single in-thread pass over every row.
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fixtureRows, goodModel, hugeTensorModel } from '../../src/engine/isolation/fixtures.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';
import { canonicalJson, mergeParts, parsePart, type ShardMode } from '../../src/engine/shard.ts';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SHARD = fileURLToPath(new URL('./shard-process.fixture.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const N_ROWS = 150;

mkdirSync(join(dir, 'models'));
const rows = fixtureRows(N_ROWS, 5);
const rand = mulberry32(9);
const labels = Int32Array.from({ length: N_ROWS }, () => Math.floor(rand() * 4));
writeFileSync(join(dir, 'rows.bin'), rows);
writeFileSync(join(dir, 'labels.bin'), labels);
const good = [goodModel(1), goodModel(2), goodModel(3)];
good.forEach((m, i) => writeFileSync(join(dir, 'models', `good${i}.onnx`), m));
// One model that fails (fast) in every shard that runs it: failures must merge too.
writeFileSync(join(dir, 'models', 'huge.onnx'), hugeTensorModel(20));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function runShard(index: number, count: number, workers: number, mode: ShardMode, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, SHARD, dir, `auto/${count}`, String(workers), mode, out], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, JOB_COMPLETION_INDEX: String(index) },
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shard ${index}/${count} exited ${code}`))));
  });
}

const add = (a: unknown, b: unknown) => {
  const x = a as Record<string, number>;
  const y = b as Record<string, number>;
  return { correct: x.correct! + y.correct!, total: x.total! + y.total!, maxProbMicros: x.maxProbMicros! + y.maxProbMicros! };
};

describe('Indexed Job contract', () => {
  it('1, 3 and 7 shard processes x 1 and 2 workers merge to byte-identical results equal to one in-thread pass', async () => {
    // The reference: one pass, in this thread, over all rows, in the same fixed batches.
    const expected: Record<string, unknown> = {};
    for (const m of good) {
      const s = await ort.InferenceSession.create(m, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'extended' });
      const st = { public: { correct: 0, total: 0, maxProbMicros: 0 }, private: { correct: 0, total: 0, maxProbMicros: 0 } };
      for (let lo = 0; lo < N_ROWS; lo += 16) {
        const hi = Math.min(N_ROWS, lo + 16);
        const p = (await s.run({ X: new ort.Tensor('float32', rows.slice(lo * 4, hi * 4), [hi - lo, 4]) })).Y!.data as Float32Array;
        for (let r = lo; r < hi; r++) {
          let arg = 0;
          for (let c = 1; c < 4; c++) if (p[(r - lo) * 4 + c]! > p[(r - lo) * 4 + arg]!) arg = c;
          const x = r % 2 === 0 ? st.public : st.private;
          x.total++;
          x.correct += arg === labels[r] ? 1 : 0;
          x.maxProbMicros += Math.round(p[(r - lo) * 4 + arg]! * 1e6);
        }
      }
      await s.release();
      expected[sha(m)] = { private: { acc: st.private }, public: { acc: st.public } };
    }

    const merged: string[] = [];
    const configs: Array<[number, number, ShardMode]> = [[1, 1, 'submission'], [1, 2, 'rows'], [3, 1, 'submission'], [3, 2, 'rows'], [7, 1, 'rows'], [7, 2, 'submission']];
    for (const [count, workers, mode] of configs) {
      const outs = Array.from({ length: count }, (_, i) => join(dir, `part-${count}-${workers}-${mode}-${i}.json`));
      // At most 3 pods at a time: the test machine has 2 cores.
      for (let i = 0; i < count; i += 3) {
        await Promise.all(outs.slice(i, i + 3).map((o, k) => runShard(i + k, count, workers, mode, o)));
      }
      const parts = outs.reverse().map((o) => parsePart(readFileSync(o, 'utf8'), o));
      const m = mergeParts(parts, { merge: add });
      expect(m.shardCount).toBe(count);
      const bySub = Object.fromEntries(m.submissions.map((s) => [s.submission, s.status === 'scored' ? s.states : s.error!.code]));
      for (const g of good) expect(bySub[sha(g)], `${count}x${workers} ${mode}`).toEqual(expected[sha(g)]);
      expect(bySub[sha(hugeTensorModel(20))]).toBe('E_MEMORY_LIMIT');
      merged.push(canonicalJson({ submissions: m.submissions, fingerprint: m.fingerprint, benchmark: m.benchmark, datasetSha256: m.datasetSha256 }));
    }
    expect(new Set(merged).size).toBe(1);
  }, 600_000);
});
