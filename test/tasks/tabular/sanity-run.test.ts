// The sanity run inside `arbiter score` and `arbiter check`: real ONNX models built in code, real
// onnxruntime in the probe's capped child process, the CLI end to end (in process,
// test/cli-in-process.ts: the same output and exit code as a child). The first test scores in worker
// threads (the same bits by design), the others in the default isolated processes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score } from '../../../src/run/index.ts';
import { sanityRows } from '../../../src/tasks/tabular/sanity-run.ts';
import { prepareDataset } from '../../../src/data/prepare.ts';
import { readChunks } from '../../../src/data/arrow-stream.ts';
import { PUBLIC } from '../../../src/data/split.ts';
import { loadBenchmark } from '../../../src/benchmark/loader.ts';
import { buildModel, type NodeSpec } from '../../../src/models/onnx/builder.ts';
import { goodModel, linearSpec } from '../../models/admission/fixtures.ts';
import { writeHiddenBench } from '../../run/fixtures/hidden-bench.ts';
import { SECRET } from '../../hostile/datasets.ts';
import { arbiterInProcess } from '../../cli-in-process.ts';
import { REPO, tempDir } from '../../helpers.ts';

const DEMO = path.join(REPO, 'benchmarks/tabular-demo');

function arbiter(args: string[], cwd: string) {
  return arbiterInProcess(args, { cwd });
}

/** The demo benchmark in `dir` (absolute data paths), with extra YAML appended. */
function demoCopy(dir: string, extra = ''): string {
  mkdirSync(dir, { recursive: true });
  const yaml = readFileSync(path.join(DEMO, 'benchmark.yaml'), 'utf8')
    .replace('../../datasets/tabular-demo/hidden.arrow', path.join(REPO, 'datasets/tabular-demo/hidden.arrow'))
    .replace('../../datasets/tabular-demo/public-sample.arrow', path.join(REPO, 'datasets/tabular-demo/public-sample.arrow'));
  writeFileSync(path.join(dir, 'benchmark.yaml'), yaml + extra);
  return dir;
}

/** The hidden-test contract's linear model with `nodes` after the logits. */
function tail(nodes: NodeSpec[]): Uint8Array {
  const spec = linearSpec();
  spec.nodes = [...spec.nodes.slice(0, 2), ...nodes];
  spec.initializers = [...spec.initializers!, { name: 'one', dtype: 'float32', dims: [], data: Float32Array.of(1) }, { name: 'zero', dtype: 'float32', dims: [], data: Float32Array.of(0) }];
  return buildModel(spec);
}
const NAN = tail([{ op: 'Abs', inputs: ['logits'], outputs: ['a'] }, { op: 'Add', inputs: ['a', 'one'], outputs: ['b'] }, { op: 'Neg', inputs: ['b'], outputs: ['c'] }, { op: 'Sqrt', inputs: ['c'], outputs: ['probs'] }]);
const CONSTANT = tail([{ op: 'Mul', inputs: ['logits', 'zero'], outputs: ['z'] }, { op: 'Softmax', inputs: ['z'], outputs: ['probs'] }]);

describe('sanity run in arbiter score', () => {
  it('scores the constant dave by default, and refuses him with rejectConstant while every other row stays bit-identical', async () => {
    const dir = tempDir();
    const plain = await score({ benchmark: demoCopy(path.join(dir, 'a')), submissions: [path.join(DEMO, 'submissions')], workers: 1, db: path.join(dir, 'a.db'), isolation: 'thread' });
    const strict = await score({
      benchmark: demoCopy(path.join(dir, 'b'), 'admission:\n  sanity: { rejectConstant: true }\n'),
      submissions: [path.join(DEMO, 'submissions')], workers: 1, db: path.join(dir, 'b.db'), isolation: 'thread',
    });
    const by = (r: typeof plain) => Object.fromEntries(r.rows.map((row) => [row.participant, row]));
    expect(by(plain).dave!.status).toBe('scored');
    const dave = by(strict).dave!;
    expect([dave.status, dave.rank, dave.error?.code]).toEqual(['failed', null, 'E_MODEL_SANITY']);
    expect(dave.error!.message).toContain('identical for all 8 sanity rows');
    for (const p of ['alice', 'bob', 'carol', 'grace']) expect(JSON.stringify(by(strict)[p]!.splitScores)).toBe(JSON.stringify(by(plain)[p]!.splitScores));
  }, 120_000);

  it('without a public sample feeds public-split rows only, and no message carries a hidden row', async () => {
    const dir = tempDir();
    const bench = path.join(dir, 'bench');
    mkdirSync(bench);
    // The NaN and constant models share the linear model's weights: weight-copy detection off.
    await writeHiddenBench(bench, { admission: '  sanity: { rows: 6, rejectConstant: true }\n  duplicates: { weights: false }' });
    const b = loadBenchmark(bench);
    const data = await prepareDataset(b);
    const rows = await sanityRows(b, data, 6);
    expect([rows.rows, rows.from]).toEqual([6, 'public-split']);
    // exactly the first six public rows, in file order
    const want: number[] = [];
    for await (const c of readChunks(data.source, [{ name: 'features', kind: 'float32', width: 4, role: 'x' }], 1000)) {
      const f = c.columns.get('features') as Float32Array;
      for (let i = 0; i < c.rows && want.length < 24; i++) if (data.splitMask[c.start + i] === PUBLIC) want.push(...f.subarray(i * 4, i * 4 + 4));
    }
    expect(Array.from(rows.columns.get('features') as Float32Array)).toEqual(want);
    expect(data.splitMask.slice(0, 10).includes(0)).toBe(true); // the set does have private rows among the first

    const files = { good: goodModel(7), nan: NAN, constant: CONSTANT };
    for (const [n, bytes] of Object.entries(files)) writeFileSync(path.join(dir, `${n}.onnx`), bytes);
    const r = await score({ benchmark: bench, submissions: Object.keys(files).map((n) => path.join(dir, `${n}.onnx`)), workers: 1, db: path.join(dir, 's.db') });
    const by = Object.fromEntries(r.rows.map((row) => [row.participant, row]));
    expect(by.good!.status).toBe('scored');
    expect([by.nan!.error?.code, by.constant!.error?.code]).toEqual(['E_MODEL_OUTPUT', 'E_MODEL_SANITY']);
    expect(by.nan!.error!.message).toMatch(/NaN and 0 infinite values on the sanity rows/);
    expect(JSON.stringify(r)).not.toContain(SECRET);
  }, 120_000);

  it('end to end through the CLI: a NaN model fails with E_MODEL_OUTPUT before scoring, the job finishes (exit 0)', async () => {
    const dir = tempDir();
    const bench = demoCopy(path.join(dir, 'bench'));
    // The demo contract: features[batch, 32] -> probabilities[batch, 4]; sqrt of a negative number.
    const nan = buildModel({
      inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 32] }],
      outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 4] }],
      initializers: [{ name: 'W', dtype: 'float32', dims: [32, 4], data: new Float32Array(128).fill(-1) }],
      nodes: [{ op: 'MatMul', inputs: ['features', 'W'], outputs: ['z'] }, { op: 'Abs', inputs: ['z'], outputs: ['a'] }, { op: 'Neg', inputs: ['a'], outputs: ['n'] }, { op: 'Sqrt', inputs: ['n'], outputs: ['probabilities'] }],
    });
    writeFileSync(path.join(dir, 'nan.onnx'), nan);
    const r = await arbiter(['score', '-b', bench, '-s', path.join(dir, 'nan.onnx'), path.join(DEMO, 'submissions/alice.onnx'), '--workers', '1', '--db', path.join(dir, 'cli.db'), '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: Array<{ participant: string; status: string; error: { code: string; message: string } | null }> };
    const nanRow = out.rows.find((x) => x.participant === 'nan')!;
    expect([nanRow.status, nanRow.error?.code]).toEqual(['failed', 'E_MODEL_OUTPUT']);
    expect(nanRow.error!.message).toContain('on the sanity rows');
    expect(out.rows.find((x) => x.participant === 'alice')!.status).toBe('scored');
  }, 240_000);

  it('a model that never finishes its sanity rows fails with E_TIMEOUT under limits.batchTimeoutMs, before scoring; the job goes on', async () => {
    const dir = tempDir();
    const bench = demoCopy(path.join(dir, 'bench'), 'limits:\n  batchTimeoutMs: 1500\n');
    // The demo contract, with a Loop of 2^62 Sin steps between the features and the output.
    const spin = buildModel({
      inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 32] }],
      outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 4] }],
      initializers: [
        { name: 'W', dtype: 'float32', dims: [32, 4], data: new Float32Array(128).fill(0.1) },
        { name: 'M', dtype: 'int64', dims: [], data: BigInt64Array.of(1n << 62n) },
        { name: 'C', dtype: 'bool', dims: [], data: Uint8Array.of(1) },
      ],
      nodes: [
        { op: 'MatMul', inputs: ['features', 'W'], outputs: ['z'] },
        {
          op: 'Loop', inputs: ['M', 'C', 'z'], outputs: ['zz'], attrs: {
            body: {
              graph: {
                name: 'spin',
                inputs: [{ name: 'i', dtype: 'int64', shape: [] }, { name: 'c', dtype: 'bool', shape: [] }, { name: 'x', dtype: 'float32', shape: ['batch', 4] }],
                outputs: [{ name: 'c_out', dtype: 'bool', shape: [] }, { name: 'x_out', dtype: 'float32', shape: ['batch', 4] }],
                nodes: [{ op: 'Identity', inputs: ['c'], outputs: ['c_out'] }, { op: 'Sin', inputs: ['x'], outputs: ['x_out'] }],
              },
            },
          },
        },
        { op: 'Softmax', inputs: ['zz'], outputs: ['probabilities'], attrs: { axis: -1 } },
      ],
    });
    writeFileSync(path.join(dir, 'spin.onnx'), spin);
    const t0 = performance.now();
    const r = await score({ benchmark: bench, submissions: [path.join(dir, 'spin.onnx'), path.join(DEMO, 'submissions/alice.onnx')], workers: 1, db: path.join(dir, 'a.db') });
    const by = Object.fromEntries(r.rows.map((row) => [row.participant, row]));
    expect([by.spin!.status, by.spin!.error?.code]).toEqual(['failed', 'E_TIMEOUT']);
    expect(by.spin!.error!.message).toMatch(/sanity run on \d+ public rows did not finish within 1500 ms \(limits\.batchTimeoutMs\)/);
    expect(by.alice!.status).toBe('scored');
    // refused at admission: the spinning model never reached the scoring workers' longer clock
    expect(performance.now() - t0).toBeLessThan(60_000);
  }, 120_000);

  it('arbiter check refuses a constant model under rejectConstant in its admission rule (exit 3), and passes it by default', async () => {
    const dir = tempDir();
    const strict = demoCopy(path.join(dir, 'strict'), 'admission:\n  sanity: { rejectConstant: true }\n');
    const dave = path.join(DEMO, 'submissions/dave.onnx');
    const r = await arbiter(['check', dave, '-b', strict, '--json'], dir);
    expect(r.code).toBe(3);
    const rep = JSON.parse(r.stdout) as { rules: Array<{ rule: string; status: string; error: { code: string } | null }> };
    expect(rep.rules.map((x) => [x.rule, x.status, x.error?.code ?? null])).toEqual([
      ['file', 'pass', null], ['admission', 'fail', 'E_MODEL_SANITY'], ['sample-score', 'skip', null],
    ]);
    const ok = await arbiter(['check', dave, '-b', demoCopy(path.join(dir, 'plain')), '--json'], dir);
    expect(ok.code, ok.stdout).toBe(0);
  }, 240_000);
});
