// The sanity run end to end: real models, real onnxruntime in the probe's child process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSanity } from '../../../src/models/admission/index.ts';
import { OrtProbe, probeError } from '../../../src/models/admission/probe.ts';
import { checkSanity } from '../../../src/models/admission/sanity.ts';
import { buildModel, type NodeSpec } from '../../../src/models/onnx/builder.ts';
import { contract, feeds, goodModel, linearSpec, rules, writeModel } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-sanity-'));
const probe = new OrtProbe({ timeoutMs: 30_000 });
afterAll(() => probe.close());

/** The linear model with extra nodes between the logits and the output. */
function tail(nodes: NodeSpec[], outShape: Array<number | string> = ['batch', 3], extraInits = linearSpec().initializers!): Uint8Array {
  const spec = linearSpec();
  spec.nodes = [...spec.nodes.slice(0, 2), ...nodes];
  spec.initializers = extraInits;
  spec.outputs = [{ name: 'probs', dtype: 'float32', shape: outShape }];
  return buildModel(spec);
}

const one = { name: 'one', dtype: 'float32' as const, dims: [], data: Float32Array.of(1) };

async function sanity(bytes: Uint8Array, name: string, r = rules()): Promise<string> {
  const p = writeModel(dir, `${name}.onnx`, bytes);
  const e = await runSanity(probe, p, feeds(r.sanity.rows), contract, r, r.sanity.rows, { batch: r.sanity.rows });
  return e ? `${e.code}: ${e.message}` : 'ok';
}

describe('runSanity (onnxruntime in a child process)', () => {
  it('passes a good model', async () => {
    expect(await sanity(goodModel(), 'good')).toBe('ok');
  });

  it('refuses NaN outputs', async () => {
    const nan = tail([
      { op: 'Abs', inputs: ['logits'], outputs: ['a'] },
      { op: 'Add', inputs: ['a', 'one'], outputs: ['a1'] },
      { op: 'Neg', inputs: ['a1'], outputs: ['n'] },
      { op: 'Log', inputs: ['n'], outputs: ['probs'] },
    ], ['batch', 3], [...linearSpec().initializers!, one]);
    expect(await sanity(nan, 'nan')).toMatch(/^E_MODEL_OUTPUT: .*has 24 NaN and 0 infinite values/);
  });

  it('refuses infinite outputs', async () => {
    const inf = tail([
      { op: 'Sub', inputs: ['logits', 'logits'], outputs: ['z'] },
      { op: 'Reciprocal', inputs: ['z'], outputs: ['probs'] },
    ]);
    expect(await sanity(inf, 'inf')).toMatch(/^E_MODEL_OUTPUT: .*has 0 NaN and 24 infinite values/);
  });

  it('refuses outputs of the wrong shape that the static check could not see (symbolic dims)', async () => {
    const spec = linearSpec();
    spec.initializers = [
      { name: 'W', dtype: 'float32', dims: [4, 5], data: new Float32Array(20).fill(0.1) },
      { name: 'B', dtype: 'float32', dims: [5], data: new Float32Array(5) },
    ];
    spec.outputs = [{ name: 'probs', dtype: 'float32', shape: ['batch', 'k'] }];
    expect(await sanity(buildModel(spec), 'shape')).toMatch(/^E_MODEL_CONTRACT: .*shape \[8, 5\] on 8 rows: the contract expects \[batch, 3\]/);
  });

  it('refuses constant outputs unless the rules allow them', async () => {
    const spec = linearSpec();
    spec.initializers!.push({ name: 'zero', dtype: 'float32', dims: [], data: Float32Array.of(0) });
    spec.nodes = [{ op: 'Mul', inputs: ['x', 'zero'], outputs: ['x0'] }, { op: 'MatMul', inputs: ['x0', 'W'], outputs: ['mm'] }, ...spec.nodes.slice(1)];
    const bytes = buildModel(spec);
    expect(await sanity(bytes, 'const', rules({ sanity: { rejectConstant: true } }))).toMatch(/^E_MODEL_SANITY: .*identical for all 8 sanity rows/);
    // Off by default: a constant (prior) predictor is a legitimate, if useless, baseline.
    expect(await sanity(bytes, 'const-default')).toBe('ok');
    expect(await sanity(bytes, 'const-ok', rules({ sanity: { rejectConstant: false } }))).toBe('ok');
    expect(await sanity(bytes, 'const-off', rules({ sanity: { enabled: false } }))).toBe('ok');
  });

  it('reports a model onnxruntime cannot run as E_MODEL_RUNTIME', async () => {
    // A Reshape to a shape that does not fit the data passes the static checks and fails at run time.
    const spec = linearSpec();
    spec.initializers!.push({ name: 'shape', dtype: 'int64', dims: [2], data: BigInt64Array.of(-1n, 5n) });
    spec.nodes = [...spec.nodes.slice(0, 2), { op: 'Reshape', inputs: ['logits', 'shape'], outputs: ['r'] }, { op: 'Softmax', inputs: ['r'], outputs: ['probs'], attrs: { axis: -1 } }];
    spec.outputs = [{ name: 'probs', dtype: 'float32', shape: ['batch', 'k'] }];
    expect(await sanity(buildModel(spec), 'reshape')).toMatch(/^E_MODEL_RUNTIME: .*onnxruntime failed on the sanity rows/);
  });

  // a model that takes too long on the sanity rows: E_TIMEOUT under the spec's batch deadline,
  // test/tasks/tabular/sanity-run.test.ts (the probe's own timeout is tested below)
});

describe('OrtProbe failure modes (real child processes)', () => {
  it('reports a child that cannot start as a crash, and a request past its deadline as a timeout', async () => {
    const tiny = new OrtProbe({ memoryLimitMb: 32 });
    const r = await tiny.probe(goodModel());
    expect(r.status).toBe('crash');
    expect(probeError(r)?.code).toBe('E_MODEL_FORMAT');
    expect(tiny.crashes).toBe(1);
    await tiny.close();
    const slow = new OrtProbe({ timeoutMs: 1 });
    const t = await slow.probe(goodModel());
    expect(t.status).toBe('timeout');
    expect(probeError(t)?.code).toBe('E_MODEL_RUNTIME');
    await slow.close();
  });

  it('recovers after a lost child: the next request gets a fresh one', async () => {
    const p = new OrtProbe({ timeoutMs: 1 });
    expect((await p.probe(goodModel())).status).toBe('timeout');
    (p as unknown as { timeoutMs: number }).timeoutMs = 30_000;
    expect((await p.probe(goodModel())).status).toBe('ok');
    await p.close();
  });
});

describe('checkSanity (pure)', () => {
  const out = (dims: number[], data: number[]) => ({ probs: { dims, data: Float32Array.from(data) } });
  it('binds symbolic dims consistently and reports NaN counts without values', () => {
    expect(checkSanity(out([2, 3], [1, 2, 3, 4, 5, 6]), contract, 2, { rejectConstant: true }, { batch: 2 })).toBeNull();
    expect(checkSanity(out([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]), contract, 2, { rejectConstant: true }, { batch: 2 })?.code).toBe('E_MODEL_CONTRACT');
    expect(checkSanity(out([2, 3], [1, 2, 3, 4, 5]), contract, 2, { rejectConstant: true })?.code).toBe('E_MODEL_CONTRACT');
    const e = checkSanity(out([2, 3], [1, NaN, 3, 4, Infinity, 6]), contract, 2, { rejectConstant: true });
    expect(e?.code).toBe('E_MODEL_OUTPUT');
    expect(e?.details).toEqual({ check: 'finite', nan: 1, inf: 1 });
    expect(checkSanity({}, contract, 2, { rejectConstant: true })?.code).toBe('E_MODEL_CONTRACT');
    const c = checkSanity(out([2, 3], [1, 2, 3, 1, 2, 3]), contract, 2, { rejectConstant: true });
    expect([c?.code, c?.details]).toEqual(['E_MODEL_SANITY', { check: 'constant', rows: 2 }]);
    expect(checkSanity(out([2, 3], [1, 2, 3, 1, 2, 3]), contract, 2, { rejectConstant: false })).toBeNull();
    // One row cannot be judged constant.
    expect(checkSanity(out([1, 3], [1, 2, 3]), contract, 1, { rejectConstant: true })).toBeNull();
  });
});
