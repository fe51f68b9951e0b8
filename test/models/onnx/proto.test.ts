// The ONNX protobuf reader/writer and the model builder: encode/decode round trips, attribute
// and tensor encodings, the seeded PRNG (pinned to an independent Python implementation), and
// onnxruntime loading builder models and computing what the weights say.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildModel, gaussian, mlpModel, mulberry32, tensorProto } from '../../../src/models/onnx/builder.ts';
import { decodeModel, dtypeName, encodeModel, ModelProto, ONNX_DTYPE } from '../../../src/models/onnx/proto.ts';

const SESSION: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'extended',
};

describe('encodeModel / decodeModel', () => {
  it('round-trips a built model: names, dims (int64 as numbers), raw data bytes, opset', () => {
    const w = Float32Array.from([1.5, -2, 3.25, 0]);
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 2] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 2] }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'], name: 'mm' }],
      initializers: [{ name: 'W', dtype: 'float32', dims: [2, 2], data: w }],
      opset: 13, irVersion: 7, producer: 'tests', graphName: 'g1',
    });
    const m = decodeModel(bytes);
    expect(m.irVersion).toBe(7);
    expect(m.opsetImport).toEqual([{ domain: '', version: 13 }]);
    expect(m.producerName).toBe('tests');
    expect(m.graph!.name).toBe('g1');
    expect(m.graph!.node).toEqual([{ name: 'mm', opType: 'MatMul', domain: '', input: ['x', 'W'], output: ['y'], attribute: [] }]);
    expect(m.graph!.input![0]).toEqual({ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 2 }] } } } });
    const init = m.graph!.initializer![0]!;
    expect(init.name).toBe('W');
    expect(init.dims).toEqual([2, 2]);
    expect(typeof init.dims![0]).toBe('number');
    expect(init.dataType).toBe(ONNX_DTYPE.float32);
    expect(init.rawData).toBeInstanceOf(Uint8Array);
    expect(Array.from(new Float32Array(new Uint8Array(init.rawData!).buffer))).toEqual([1.5, -2, 3.25, 0]);
    // decode -> encode gives the same bytes
    expect(Buffer.from(encodeModel(m)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('building twice gives identical bytes', () => {
    const make = () => mlpModel({ inputName: 'x', outputName: 'y', weights: [{ w: new Float32Array(6).fill(0.5), b: new Float32Array(3), inF: 2, outF: 3 }], softmax: true });
    expect(Buffer.from(make()).equals(Buffer.from(make()))).toBe(true);
  });

  it('encodes each attribute kind with its AttributeProto type', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1] }],
      nodes: [{
        op: 'Custom', inputs: ['x'], outputs: ['y'], domain: 'test.domain',
        attrs: { i: 7, f: 0.5, s: 'héllo', ints: [1, -2, 3], floats: { floats: [0.25, -1] }, t: { tensor: { name: 'c', dtype: 'int64', dims: [2], data: BigInt64Array.from([5n, -6n]) } } },
      }],
    });
    const attrs = decodeModel(bytes).graph!.node![0]!.attribute!;
    const by = Object.fromEntries(attrs.map((a) => [a.name, a]));
    expect(by.i).toMatchObject({ type: 2, i: 7 });
    expect(by.f).toMatchObject({ type: 1, f: 0.5 });
    expect(by.s!.type).toBe(3);
    expect(new TextDecoder().decode(by.s!.s)).toBe('héllo');
    expect(by.ints).toMatchObject({ type: 7, ints: [1, -2, 3] });
    expect(by.floats).toMatchObject({ type: 6, floats: [0.25, -1] });
    expect(by.t!.type).toBe(4);
    expect(by.t!.t!.dataType).toBe(ONNX_DTYPE.int64);
    expect(Array.from(new BigInt64Array(new Uint8Array(by.t!.t!.rawData!).buffer))).toEqual([5n, -6n]);
    expect(decodeModel(bytes).graph!.node![0]!.domain).toBe('test.domain');
  });

  it('tensorProto copies the bytes of a typed-array view (not the whole buffer)', () => {
    const big = Float64Array.from([9, 1, 2, 9]);
    const t = tensorProto({ name: 'v', dtype: 'float64', dims: [2], data: big.subarray(1, 3) });
    expect(t.rawData!.length).toBe(16);
    expect(Array.from(new Float64Array(new Uint8Array(t.rawData!).buffer))).toEqual([1, 2]);
    big[1] = 100; // a copy, not a view
    expect(new Float64Array(new Uint8Array(t.rawData!).buffer)[0]).toBe(1);
  });

  it('encodeModel refuses an object that is not a ModelProto', () => {
    expect(() => encodeModel({ irVersion: 'eight' as unknown as number })).toThrow(/^invalid ONNX model object: irVersion: integer\|Long expected$/);
  });

  it('decodeModel throws on bytes that are not protobuf; decoding keeps unknown-to-us fields out', () => {
    expect(() => decodeModel(Buffer.from('not a model at all'))).toThrow();
    expect(() => decodeModel(new Uint8Array([0x0a, 0x05, 0x01]))).toThrow(/index out of range/);
    // a ModelProto with only a doc string decodes to an object without a graph
    const docOnly = ModelProto.encode(ModelProto.fromObject({ docString: 'hello' })).finish();
    expect(decodeModel(docOnly).graph).toBeUndefined();
  });

  it('dtypeName maps the codes arbiter knows and names the others', () => {
    for (const [name, code] of Object.entries(ONNX_DTYPE)) expect(dtypeName(code)).toBe(name);
    expect(dtypeName(16)).toBe('onnx-type-16');
    expect(dtypeName(0)).toBe('onnx-type-0');
  });
});

describe('seeded generators', () => {
  it('mulberry32 matches an independent Python implementation', () => {
    // python3: the same 32-bit arithmetic with explicit & 0xffffffff masks
    const r = mulberry32(42);
    expect([r(), r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693]);
    const z = mulberry32(0);
    expect([z(), z()]).toEqual([0.26642920868471265, 0.0003297457005828619]);
  });

  it('mulberry32 is in [0, 1), seeds are independent, equal seeds replay', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('gaussian gives mean ~0 and variance ~1', () => {
    const g = gaussian(mulberry32(3));
    const n = 20_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) { const v = g(); s += v; s2 += v * v; }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });
});

describe('onnxruntime runs builder models', () => {
  it('an MLP with a ReLU hidden layer and softmax computes softmax(relu(xW0+b0)W1+b1)', async () => {
    const g = gaussian(mulberry32(5));
    const layer = (inF: number, outF: number) => ({ w: Float32Array.from({ length: inF * outF }, () => Math.fround(g())), b: Float32Array.from({ length: outF }, () => Math.fround(g())), inF, outF });
    const l0 = layer(5, 8);
    const l1 = layer(8, 3);
    const bytes = mlpModel({ inputName: 'x', outputName: 'p', weights: [l0, l1], softmax: true });
    const s = await ort.InferenceSession.create(bytes, SESSION);
    expect(s.inputNames).toEqual(['x']);
    expect(s.outputNames).toEqual(['p']);
    const rows = 4;
    const x = Float32Array.from({ length: rows * 5 }, () => Math.fround(g()));
    const out = (await s.run({ x: new ort.Tensor('float32', x, [rows, 5]) })).p!;
    expect(out.dims).toEqual([rows, 3]);
    const got = out.data as Float32Array;
    for (let r = 0; r < rows; r++) {
      const h = Array.from({ length: 8 }, (_, j) => Math.max(0, l0.b[j]! + Array.from({ length: 5 }, (_, k) => x[r * 5 + k]! * l0.w[k * 8 + j]!).reduce((a, v) => a + v, 0)));
      const z = Array.from({ length: 3 }, (_, j) => l1.b[j]! + h.reduce((a, v, k) => a + v * l1.w[k * 3 + j]!, 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, v) => a + v, 0);
      for (let j = 0; j < 3; j++) expect(got[r * 3 + j]).toBeCloseTo(e[j]! / sum, 5);
    }
    await s.release();
  });

  it('a fixed batch dim is enforced by onnxruntime, a symbolic one is not', async () => {
    const lin = (batchDim: number | string) => mlpModel({ inputName: 'x', outputName: 'y', weights: [{ w: Float32Array.from([1, 2]), b: Float32Array.from([0.5]), inF: 2, outF: 1 }], softmax: false, batchDim });
    const sym = await ort.InferenceSession.create(lin('batch'), SESSION);
    const y = (await sym.run({ x: new ort.Tensor('float32', Float32Array.from([1, 1, 2, 0, 0, 3]), [3, 2]) })).y!;
    expect(Array.from(y.data as Float32Array)).toEqual([3.5, 2.5, 6.5]);
    const fixed = await ort.InferenceSession.create(lin(2), SESSION);
    await expect(fixed.run({ x: new ort.Tensor('float32', new Float32Array(6), [3, 2]) })).rejects.toThrow(/dimension|Got invalid dimensions/i);
    await sym.release();
    await fixed.release();
  });
});
