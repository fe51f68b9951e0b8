// A stand-in for one `arbiter score --shard auto/N` pod of the Kubernetes Indexed Job: reads
// JOB_COMPLETION_INDEX, scores its slice with real ORT in W limited child processes, folds a toy
// exact metric per split in batch order and writes a partial-result file.
// argv: <workdir> <shard spec, e.g. auto/3> <workers> <mode> <out file>
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IsolatedSession } from '../../src/engine/isolation/runner.ts';
import { makePart, parseShard, shardUnits, type PartUnit, type ShardMode, type ShardPlan, type WorkUnit } from '../../src/engine/shard.ts';
import { toErrorData } from '../../src/errors.ts';

const [workdir, shardSpec, workersText, mode, out] = process.argv.slice(2) as [string, string, string, ShardMode, string];
const BATCH = 16;
const F = 4;
const shard = parseShard(shardSpec, process.env);
const rows = new Float32Array(new Uint8Array(readFileSync(join(workdir, 'rows.bin'))).buffer);
const labels = new Int32Array(new Uint8Array(readFileSync(join(workdir, 'labels.bin'))).buffer);
const n = labels.length;
const models = new Map<string, string>();
for (const f of readdirSync(join(workdir, 'models')).sort()) {
  const p = join(workdir, 'models', f);
  models.set(createHash('sha256').update(readFileSync(p)).digest('hex'), p);
}
const plan: ShardPlan = { submissions: [...models.keys()], batchCount: Math.ceil(n / BATCH), count: shard.count, mode };
const units = shardUnits(plan, shard.index);

type State = { correct: number; total: number; maxProbMicros: number };
const zero = (): State => ({ correct: 0, total: 0, maxProbMicros: 0 });

async function runUnit(session: IsolatedSession, u: WorkUnit): Promise<PartUnit> {
  const states = { public: zero(), private: zero() };
  for (let b = u.batchStart; b < u.batchEnd; b++) {
    const lo = b * BATCH;
    const hi = Math.min(n, lo + BATCH);
    const y = await session.run({ X: { type: 'float32', dims: [hi - lo, F], data: rows.slice(lo * F, hi * F) } });
    const p = y.Y!.data as Float32Array;
    for (let r = lo; r < hi; r++) {
      let arg = 0;
      for (let c = 1; c < F; c++) if (p[(r - lo) * F + c]! > p[(r - lo) * F + arg]!) arg = c;
      const s = r % 2 === 0 ? states.public : states.private; // the split of a row: its id's parity
      s.total += 1;
      s.correct += arg === labels[r] ? 1 : 0;
      s.maxProbMicros += Math.round(p[(r - lo) * F + arg]! * 1e6);
    }
  }
  return { ...u, status: 'scored', error: null, states: { public: { acc: states.public }, private: { acc: states.private } } };
}

// W workers take units round-robin; each keeps one warm child and reuses it across submissions.
const workers = Number(workersText);
const results: PartUnit[] = [];
await Promise.all(Array.from({ length: workers }, async (_, w) => {
  let session: IsolatedSession | null = null;
  for (let k = w; k < units.length; k += workers) {
    const u = units[k]!;
    const model = models.get(u.submission)!;
    try {
      if (session && !session.failure) await session.loadNext(model);
      else {
        await session?.close();
        session = await IsolatedSession.open({ model, limits: { wallClockMs: 60_000, memoryLimitMb: 256 } });
      }
      results.push(await runUnit(session, u));
    } catch (e) {
      results.push({ ...u, status: 'failed', error: toErrorData(e), states: {} });
    }
  }
  await session?.close();
}));
const part = makePart({
  benchmark: { id: 'shard-contract', version: 1, specHash: '11'.repeat(32) },
  datasetSha256: createHash('sha256').update(readFileSync(join(workdir, 'rows.bin'))).update(readFileSync(join(workdir, 'labels.bin'))).digest('hex'),
  fingerprint: { engine: 'test', onnxruntime: '1.30.0', node: process.version, batchSize: BATCH, graphOptimizationLevel: 'extended' },
  plan, index: shard.index, units: results,
});
const { serializePart } = await import('../../src/engine/shard.ts');
writeFileSync(out, serializePart(part));
