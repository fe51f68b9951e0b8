import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { admitOnnx } from '../../../src/models/admission/onnx.ts';
import { buildModel } from '../../../src/models/onnx/builder.ts';
import { decodeModel, encodeModel } from '../../../src/models/onnx/proto.ts';
import { contract, externalModel, goodModel, linearSpec, rules, writeModel } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'arbiter-admit-'));

async function code(model: Uint8Array | string, r = rules(), c = contract, folder?: string): Promise<string> {
  const res = await admitOnnx(model, r, c, folder ? { folder } : {});
  return res.ok ? 'ok' : res.error.code;
}

function mutate(bytes: Uint8Array, f: (m: ReturnType<typeof decodeModel>) => void): Uint8Array {
  const m = decodeModel(bytes);
  f(m);
  return encodeModel(m);
}

describe('admitOnnx: a valid model', () => {
  it('is admitted with its hashes, parameter count, opsets and operators', async () => {
    const bytes = goodModel();
    const res = await admitOnnx(bytes, rules(), contract);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.info.paramCount).toBe(4 * 8 + 8 + 8 * 3 + 3);
    expect(res.info.ops).toEqual(['Add', 'MatMul', 'Relu', 'Softmax']);
    expect(res.info.opsets).toEqual({ '': 17 });
    expect(res.info.irVersion).toBe(8);
    expect(res.info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.info.weightsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.info.bytes).toBe(bytes.length);
  });
});

describe('admitOnnx: size, format, IR and opset', () => {
  it('refuses a file over maxBytes without reading it, and an empty or garbage file', async () => {
    const bytes = goodModel();
    const p = writeModel(root, 'big.onnx', bytes);
    expect(await code(p, rules({ maxBytes: bytes.length - 1 }))).toBe('E_MODEL_TOO_LARGE');
    expect(await code(p, rules({ maxBytes: bytes.length }))).toBe('ok');
    expect(await code(new Uint8Array())).toBe('E_MODEL_FORMAT');
    expect(await code(Buffer.from('not a model at all, just some text'))).toBe('E_MODEL_FORMAT');
    expect(await code(join(root, 'missing.onnx'))).toBe('E_SUBMISSION_NOT_FOUND');
  });

  it('refuses IR versions and opsets outside the allowed sets with E_MODEL_OPSET', async () => {
    expect(await code(buildModel(linearSpec(2, { irVersion: 2 })))).toBe('E_MODEL_OPSET');
    expect(await code(buildModel(linearSpec(2, { opset: 6 })))).toBe('E_MODEL_OPSET');
    expect(await code(buildModel(linearSpec(2, { opset: 22 })))).toBe('E_MODEL_OPSET');
    expect(await code(buildModel(linearSpec(2, { opset: 22 })), rules({ allowedOpsets: { min: 13, max: 22 } }))).toBe('ok');
    expect(await code(mutate(goodModel(), (m) => { m.opsetImport = []; }))).toBe('E_MODEL_OPSET');
    const res = await admitOnnx(buildModel(linearSpec(2, { opset: 6 })), rules(), contract);
    expect(!res.ok && res.error.message).toMatch(/opset 6: the benchmark allows opsets 7 to 21/);
  });
});

describe('admitOnnx: operators', () => {
  const withNode = (op: string, domain?: string) => {
    const spec = linearSpec();
    spec.nodes.splice(2, 0, { op, inputs: ['logits'], outputs: ['logits2'], ...(domain ? { domain } : {}) });
    spec.nodes[3] = { op: 'Softmax', inputs: ['logits2'], outputs: ['probs'], attrs: { axis: -1 } };
    const m = decodeModel(buildModel(spec));
    if (domain) m.opsetImport!.push({ domain, version: 1 });
    return encodeModel(m);
  };

  it('allows only the standard domain by default, and refuses unknown and random operators', async () => {
    expect(await code(withNode('Identity'))).toBe('ok');
    expect(await code(withNode('FusedGemm', 'com.microsoft'))).toBe('E_MODEL_OPERATOR');
    expect(await code(withNode('ReadFile', 'evil.io'))).toBe('E_MODEL_OPERATOR');
    expect(await code(withNode('TotallyNotAnOp'))).toBe('E_MODEL_OPERATOR');
    expect(await code(withNode('RandomNormalLike'))).toBe('E_MODEL_OPERATOR');
  });

  it('follows an explicit allowlist (exact ops, domain wildcards)', async () => {
    const r = rules({ opAllowlist: ['MatMul', 'Add', 'Softmax', 'com.microsoft:*'] });
    expect(await code(buildModel(linearSpec()), r)).toBe('ok');
    expect(await code(withNode('Identity'), r)).toBe('E_MODEL_OPERATOR');
    expect(await code(withNode('FusedGemm', 'com.microsoft'), r)).toBe('ok');
  });

  it('looks inside subgraphs (If branches) for operators', async () => {
    const m = decodeModel(buildModel(linearSpec()));
    const branch = { name: 'then', node: [{ opType: 'Evil', domain: 'x.y', input: [], output: ['o'] }], output: [{ name: 'o' }] };
    m.graph!.node!.push({ opType: 'If', input: ['cond'], output: ['unused'], attribute: [{ name: 'then_branch', type: 5, g: branch }, { name: 'else_branch', type: 5, g: branch }] } as never);
    m.graph!.initializer!.push({ name: 'cond', dims: [], dataType: 9, rawData: Uint8Array.of(1) });
    expect(await code(encodeModel(m))).toBe('E_MODEL_OPERATOR');
  });

  it('refuses model-local functions', async () => {
    const m = decodeModel(buildModel(linearSpec()));
    m.functions = [{ name: 'f', domain: 'custom', node: [] }];
    expect(await code(encodeModel(m))).toBe('E_MODEL_OPERATOR');
  });
});

describe('admitOnnx: graph structure and contract', () => {
  it('refuses cycles, undefined inputs, doubly produced values and missing outputs with E_MODEL_FORMAT', async () => {
    const cycle = linearSpec();
    cycle.nodes[0] = { op: 'MatMul', inputs: ['x', 'W'], outputs: ['mm'] };
    cycle.nodes[1] = { op: 'Add', inputs: ['mm', 'logits'], outputs: ['logits'] };
    expect(await code(buildModel(cycle))).toBe('E_MODEL_FORMAT');
    const undef = linearSpec();
    undef.nodes[1] = { op: 'Add', inputs: ['mm', 'nowhere'], outputs: ['logits'] };
    expect(await code(buildModel(undef))).toBe('E_MODEL_FORMAT');
    const twice = linearSpec();
    twice.nodes.splice(1, 0, { op: 'Identity', inputs: ['x'], outputs: ['mm'] });
    expect(await code(buildModel(twice))).toBe('E_MODEL_FORMAT');
    const noOut = linearSpec();
    noOut.nodes.pop();
    expect(await code(buildModel(noOut))).toBe('E_MODEL_FORMAT');
  });

  it('refuses contract mismatches with E_MODEL_CONTRACT, saying what was expected', async () => {
    const io = (over: Partial<ReturnType<typeof linearSpec>>) => buildModel(linearSpec(2, over));
    expect(await code(io({ inputs: [{ name: 'x', dtype: 'float64', shape: ['batch', 4] }] }))).toBe('E_MODEL_CONTRACT');
    expect(await code(io({ inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4, 1] }] }))).toBe('E_MODEL_CONTRACT');
    expect(await code(io({ inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }] }))).toBe('E_MODEL_CONTRACT');
    expect(await code(io({ inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 1e12] }] }))).toBe('E_MODEL_CONTRACT');
    expect(await code(io({ outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', 5] }] }))).toBe('E_MODEL_CONTRACT');
    expect(await code(io({ outputs: [{ name: 'probs', dtype: 'int64', shape: ['batch', 3] }] }))).toBe('E_MODEL_CONTRACT');
    // A symbolic model dim where the contract is fixed is fine (the model is more general).
    expect(await code(io({ inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 'f'] }] }))).toBe('ok');
    const extra = linearSpec();
    extra.inputs.push({ name: 'secret_labels', dtype: 'int64', shape: ['batch'] });
    expect(await code(buildModel(extra))).toBe('E_MODEL_CONTRACT');
    const res = await admitOnnx(io({ outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', 5] }] }), rules(), contract);
    expect(!res.ok && res.error.message).toMatch(/expects \[batch, 3\].*dim 1 is 5, expected 3/);
  });
});

describe('admitOnnx: parameters and stored tensors', () => {
  it('counts parameters from initializers and Constant tensors and refuses more than maxParams', async () => {
    expect(await code(goodModel(), rules({ maxParams: 67 }))).toBe('ok');
    expect(await code(goodModel(), rules({ maxParams: 66 }))).toBe('E_MODEL_PARAMS');
    const spec = linearSpec();
    spec.nodes.unshift({ op: 'Constant', inputs: [], outputs: ['c'], attrs: { value: { tensor: { name: 'c', dtype: 'float32', dims: [100], data: new Float32Array(100) } } } });
    const res = await admitOnnx(buildModel(spec), rules(), contract);
    expect(res.ok && res.info.paramCount).toBe(4 * 3 + 3 + 100);
  });

  it('refuses tensors whose data does not match their dims, and absurd dims', async () => {
    expect(await code(mutate(goodModel(), (m) => { m.graph!.initializer![0]!.rawData = m.graph!.initializer![0]!.rawData!.subarray(4); }))).toBe('E_MODEL_FORMAT');
    expect(await code(mutate(goodModel(), (m) => { m.graph!.initializer![0]!.dims = [4, 8, 1e9]; }))).toBe('E_MODEL_FORMAT');
    expect(await code(mutate(goodModel(), (m) => { m.graph!.initializer![0]!.dims = [4, 8, 1e9]; }), rules({ maxParams: 1e6 }))).toBe('E_MODEL_PARAMS');
    expect(await code(mutate(goodModel(), (m) => { m.graph!.initializer![0]!.dims = [-4, 8]; }))).toBe('E_MODEL_FORMAT');
    expect(await code(mutate(goodModel(), (m) => { m.graph!.initializer![0]!.dims = [2 ** 40, 2 ** 40]; }))).toBe('E_MODEL_FORMAT');
    expect(await code(mutate(goodModel(), (m) => { m.graph!.initializer![0]!.dataType = 99; }))).toBe('E_MODEL_FORMAT');
  });

  it('weightsHash ignores names, order and graph wrappers, but not values', async () => {
    const base = await admitOnnx(buildModel(linearSpec(5)), rules(), contract);
    const spec = linearSpec(5, { graphName: 'other', producer: 'copycat' });
    spec.initializers = [...spec.initializers!].reverse().map((t) => ({ ...t, name: `renamed_${t.name}` }));
    spec.nodes = [
      { op: 'Identity', inputs: ['x'], outputs: ['x2'] },
      { op: 'MatMul', inputs: ['x2', 'renamed_W'], outputs: ['mm'] },
      { op: 'Add', inputs: ['mm', 'renamed_B'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } },
    ];
    const wrapped = await admitOnnx(buildModel(spec), rules(), contract);
    const other = await admitOnnx(buildModel(linearSpec(6)), rules(), contract);
    expect(base.ok && wrapped.ok && other.ok).toBe(true);
    if (!base.ok || !wrapped.ok || !other.ok) return;
    expect(wrapped.info.sha256).not.toBe(base.info.sha256);
    expect(wrapped.info.weightsHash).toBe(base.info.weightsHash);
    expect(other.info.weightsHash).not.toBe(base.info.weightsHash);
    // float_data instead of raw_data: same values, same hash.
    const typed = mutate(buildModel(linearSpec(5)), (m) => {
      for (const t of m.graph!.initializer!) {
        const f = new Float32Array(Uint8Array.from(t.rawData!).buffer);
        delete t.rawData;
        t.floatData = [...f];
      }
    });
    const typedRes = await admitOnnx(typed, rules(), contract);
    expect(typedRes.ok && typedRes.info.weightsHash).toBe(base.info.weightsHash);
  });
});

describe('admitOnnx: external data', () => {
  const ext = rules({ maxExternalBytes: 1024 });

  it('admits external data inside the submission folder and hashes it like inline data', async () => {
    const dir = mkdtempSync(join(root, 'ext-ok-'));
    mkdirSync(join(dir, 'weights'));
    const p = writeModel(dir, 'model.onnx', externalModel('weights/w.bin', { dataPath: join(dir, 'weights/w.bin') }));
    const res = await admitOnnx(p, ext, contract);
    expect(res.ok).toBe(true);
    const inline = await admitOnnx(buildModel(linearSpec()), ext, contract);
    if (!res.ok || !inline.ok) return;
    expect(res.info.externalFiles).toEqual(['weights/w.bin']);
    expect(res.info.externalBytes).toBe(48);
    expect(res.info.weightsHash).toBe(inline.info.weightsHash);
  });

  it('refuses paths escaping the folder, symlinks out, missing files and size violations', async () => {
    const dir = mkdtempSync(join(root, 'ext-bad-'));
    const outside = join(root, 'outside.bin');
    writeFileSync(outside, new Uint8Array(48));
    symlinkSync(outside, join(dir, 'link.bin'));
    symlinkSync(root, join(dir, 'uplink'));
    writeFileSync(join(dir, 'short.bin'), new Uint8Array(10));
    writeFileSync(join(dir, 'ok.bin'), new Uint8Array(48));
    const cases: Array<[string, Uint8Array, string]> = [
      ['absolute', externalModel(outside), 'E_MODEL_EXTERNAL_DATA'],
      ['etc-passwd', externalModel('/etc/passwd'), 'E_MODEL_EXTERNAL_DATA'],
      ['dotdot', externalModel('../outside.bin'), 'E_MODEL_EXTERNAL_DATA'],
      ['dotdot-deep', externalModel('a/../../outside.bin'), 'E_MODEL_EXTERNAL_DATA'],
      ['windows', externalModel('C:\\Windows\\win.ini'), 'E_MODEL_EXTERNAL_DATA'],
      ['symlink-file', externalModel('link.bin'), 'E_MODEL_EXTERNAL_DATA'],
      ['symlink-dir', externalModel('uplink/outside.bin'), 'E_MODEL_EXTERNAL_DATA'],
      ['missing', externalModel('nope.bin'), 'E_MODEL_EXTERNAL_DATA'],
      ['too-short', externalModel('short.bin'), 'E_MODEL_EXTERNAL_DATA'],
      ['offset-past-end', externalModel('ok.bin', { offset: 40, length: 48 }), 'E_MODEL_EXTERNAL_DATA'],
      ['folder-itself', externalModel('.'), 'E_MODEL_EXTERNAL_DATA'],
      ['inside', externalModel('ok.bin'), 'ok'],
    ];
    for (const [name, bytes, want] of cases) {
      const p = writeModel(dir, `${name}.onnx`, bytes);
      expect([name, await code(p, ext)]).toEqual([name, want]);
    }
    expect(await code(join(dir, 'inside.onnx'), rules())).toBe('E_MODEL_EXTERNAL_DATA'); // maxExternalBytes 0
    expect(await code(join(dir, 'inside.onnx'), rules({ maxExternalBytes: 47 }))).toBe('E_MODEL_EXTERNAL_DATA');
    expect(await code(externalModel('ok.bin'), ext)).toBe('E_MODEL_EXTERNAL_DATA'); // bytes, no folder
  });
});
