import { readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score } from '../../src/run/index.ts';
import { Store } from '../../src/store/store.ts';
import { buildModel, mulberry32 } from '../../src/models/onnx/builder.ts';
import { REPO, tempDir } from '../helpers.ts';

const DEMO = path.join(REPO, 'benchmarks/tabular-demo');

describe('score job on the demo competition', () => {
  it('gives byte-identical rows for 1 and 2 workers, threads or processes, any task size and a shuffled completion order', async () => {
    const dir = tempDir();
    const one = await score({ benchmark: DEMO, workers: 1, db: path.join(dir, 'a.db'), isolation: 'thread' });
    const rand = mulberry32(42);
    const seen: string[] = [];
    const two = await score({
      benchmark: DEMO, workers: 2, db: path.join(dir, 'b.db'), taskRows: 256, isolation: 'process',
      hooks: { afterTask: async (sub, chunk) => { seen.push(`${sub}:${chunk}`); await new Promise((r) => setTimeout(r, Math.floor(rand() * 15))); } },
    });
    expect(JSON.stringify(two.rows)).toBe(JSON.stringify(one.rows));
    // The hook ran once per task: 12 chunks of 256 rows for each of the 4 admitted ONNX models
    // (grace's prediction file needs no worker; erin and frank fail admission; heidi is a duplicate).
    expect(seen.length).toBe(4 * Math.ceil(3000 / 256));
    // and results did arrive out of order at least once (otherwise the test proves nothing)
    const perSub = new Map<string, number[]>();
    for (const s of seen) { const [a, b] = s.split(':'); perSub.set(a!, [...(perSub.get(a!) ?? []), Number(b)]); }
    expect([...perSub.values()].some((order) => order.some((c, i) => i > 0 && c < order[i - 1]!))).toBe(true);
  });

  it('ranks the good model first and records failures with their codes', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'demo.db');
    const r = await score({ benchmark: DEMO, workers: 2, db });
    const by = Object.fromEntries(r.rows.map((row) => [row.participant, row]));
    expect(r.rows[0]!.participant).toBe('alice');
    expect(r.rows.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5, null, null, null]);
    expect(by.erin!.error!.code).toBe('E_MODEL_CONTRACT');
    expect(by.frank!.error!.code).toBe('E_MODEL_FORMAT');
    expect(by.heidi!.status).toBe('duplicate');
    expect(by.heidi!.submission).toBe(by.alice!.submission);
    expect(by.dave!.scores.log_loss).toBe(Math.log(4));
    for (const row of r.rows.filter((x) => x.status === 'scored')) {
      expect(Object.keys(row.splitScores).sort()).toEqual(['private', 'public']);
      expect(row.scores).toEqual(row.splitScores.private);
    }
    // what the store holds is what the result says, bit for bit
    const store = Store.open(db);
    const stored = store.scores(r.run.id);
    store.close();
    const alice = stored.filter((s) => s.split === 'private' && s.metric === 'log_loss');
    expect(alice.map((s) => s.value)).toContain(by.alice!.scores.log_loss);
    expect(stored.length).toBe(5 * 2 * 3);
  });
});

describe('models that fail at run time', () => {
  it('records runtime errors, NaN outputs and wrong runtime shapes while the others score', async () => {
    const dir = tempDir();
    const bench = path.join(dir, 'bench');
    mkdirSync(path.join(bench, 'submissions'), { recursive: true });
    const spec = readFileSync(path.join(DEMO, 'benchmark.yaml'), 'utf8').replace('../../datasets/tabular-demo/hidden.arrow', path.join(REPO, 'datasets/tabular-demo/hidden.arrow'))
      .replace('../../datasets/tabular-demo/public-sample.arrow', path.join(REPO, 'datasets/tabular-demo/public-sample.arrow'));
    writeFileSync(path.join(bench, 'benchmark.yaml'), spec);
    copyFileSync(path.join(DEMO, 'submissions/alice.onnx'), path.join(bench, 'submissions/alice.onnx'));
    const f32 = (n: number, v: number) => new Float32Array(n).fill(v);
    // Log of a negative number: NaN probabilities.
    writeFileSync(path.join(bench, 'submissions/nan.onnx'), buildModel({
      inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 32] }],
      outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 4] }],
      initializers: [{ name: 'W', dtype: 'float32', dims: [32, 4], data: f32(128, -1) }],
      nodes: [{ op: 'MatMul', inputs: ['features', 'W'], outputs: ['z'] }, { op: 'Abs', inputs: ['z'], outputs: ['a'] }, { op: 'Neg', inputs: ['a'], outputs: ['n'] }, { op: 'Sqrt', inputs: ['n'], outputs: ['probabilities'] }],
    }));
    // Declares [batch, k] but returns 3 columns: caught on the first batch.
    writeFileSync(path.join(bench, 'submissions/shape.onnx'), buildModel({
      inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 32] }],
      outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 'k'] }],
      initializers: [{ name: 'W', dtype: 'float32', dims: [32, 3], data: f32(96, 0.01) }],
      nodes: [{ op: 'MatMul', inputs: ['features', 'W'], outputs: ['z'] }, { op: 'Softmax', inputs: ['z'], outputs: ['probabilities'], attrs: { axis: -1 } }],
    }));
    // Reshape to a fixed size that only fits some batches: onnxruntime throws.
    writeFileSync(path.join(bench, 'submissions/throws.onnx'), buildModel({
      inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 32] }],
      outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 4] }],
      initializers: [{ name: 'S', dtype: 'int64', dims: [2], data: BigInt64Array.from([512n, 4n]) }, { name: 'W', dtype: 'float32', dims: [32, 4], data: f32(128, 0) }],
      nodes: [{ op: 'MatMul', inputs: ['features', 'W'], outputs: ['z'] }, { op: 'Reshape', inputs: ['z', 'S'], outputs: ['probabilities'] }],
    }));
    const r = await score({ benchmark: bench, workers: 2, db: path.join(dir, 'x.db') });
    const by = Object.fromEntries(r.rows.map((row) => [row.participant, row]));
    expect(by.alice!.status).toBe('scored');
    expect(by.nan!.error!.code).toBe('E_MODEL_OUTPUT');
    expect(by.shape!.error!.code).toBe('E_MODEL_CONTRACT');
    // The sanity run (8 public-sample rows, before any hidden row) catches them, with the codes scoring would give.
    expect(by.shape!.error!.message).toContain("has shape [8, 3] on 8 rows: the contract expects [batch, 4]");
    expect(by.throws!.error!.code).toBe('E_MODEL_RUNTIME');
    // alice scores exactly as in the full demo run
    const full = await score({ benchmark: DEMO, workers: 1, db: path.join(dir, 'y.db') });
    expect(by.alice!.splitScores).toEqual(full.rows.find((x) => x.participant === 'alice')!.splitScores);
  });
});
