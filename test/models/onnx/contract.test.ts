// Static ONNX admission: size, format, input/output names, element types, ranks and fixed dims,
// judged on the bytes before native code sees them. Every model here is written by builder.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorData } from '../../../src/errors.ts';
import { admitOnnxBytes, type AdmissionResult } from '../../../src/models/onnx/contract.ts';
import { buildModel, mlpModel, type Dim, type ModelSpec, type TensorSpec } from '../../../src/models/onnx/builder.ts';
import { encodeModel, ONNX_DTYPE } from '../../../src/models/onnx/proto.ts';
import { loadBenchmark } from '../../../src/benchmark/loader.ts';
import { ModelContract, type ModelContractData } from '../../../src/benchmark/schema.ts';

const BATCH = 256;
const CONTRACT: ModelContractData = ModelContract.parse({
  inputs: [{ name: 'features', column: 'features', dtype: 'float32', shape: ['batch', 32] }],
  outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 4] }],
  maxBytes: 64 * 1024,
});

/** The demo's linear softmax classifier, with a chosen batch dim / output width. */
function classifier(opts: { batchDim?: Dim; outF?: number; outputShape?: Dim[]; inputName?: string; outputName?: string } = {}): Uint8Array {
  const outF = opts.outF ?? 4;
  return mlpModel({
    inputName: opts.inputName ?? 'features', outputName: opts.outputName ?? 'probabilities',
    weights: [{ w: new Float32Array(32 * outF).fill(0.01), b: new Float32Array(outF), inF: 32, outF }],
    softmax: true, batchDim: opts.batchDim, outputShape: opts.outputShape,
  });
}

/** x [batch, 32] (dtype given) -> Cast -> MatMul W -> Softmax: a real model with extra knobs. */
function castModel(opts: { inputDtype?: TensorSpec['dtype']; extraInputs?: TensorSpec[]; inputShape?: Dim[]; outputDtype?: TensorSpec['dtype']; outputs?: TensorSpec[] } = {}): Uint8Array {
  const spec: ModelSpec = {
    inputs: [{ name: 'features', dtype: opts.inputDtype ?? 'float32', shape: opts.inputShape ?? ['batch', 32] }, ...(opts.extraInputs ?? [])],
    outputs: opts.outputs ?? [{ name: 'probabilities', dtype: opts.outputDtype ?? 'float32', shape: ['batch', 4] }],
    nodes: [
      { op: 'Cast', inputs: ['features'], outputs: ['xf'], attrs: { to: ONNX_DTYPE.float32 } },
      { op: 'MatMul', inputs: ['xf', 'W'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attrs: { axis: -1 } },
    ],
    initializers: [{ name: 'W', dtype: 'float32', dims: [32, 4], data: new Float32Array(128) }],
  };
  return buildModel(spec);
}

function refused(r: AdmissionResult, code: ErrorData['code']): ErrorData {
  expect(r.ok, JSON.stringify(r)).toBe(false);
  const e = (r as { error: ErrorData }).error;
  expect(e.code).toBe(code);
  return e;
}

describe('admitted models', () => {
  it('the demo classifier with a symbolic batch axis', () => {
    const r = admitOnnxBytes(classifier(), CONTRACT, BATCH);
    expect(r.ok).toBe(true);
    expect((r as { model: { graph: { node: unknown[] } } }).model.graph.node).toHaveLength(3);
  });

  it('any symbolic name for the batch axis, and a fixed batch dim equal to the batch size', () => {
    expect(admitOnnxBytes(classifier({ batchDim: 'N' }), CONTRACT, BATCH).ok).toBe(true);
    expect(admitOnnxBytes(classifier({ batchDim: BATCH }), CONTRACT, BATCH).ok).toBe(true);
    // ... but only when the benchmark pads its last batch: otherwise the last, shorter batch would fail at run time
    const partial = refused(admitOnnxBytes(classifier({ batchDim: BATCH }), CONTRACT, BATCH, false), 'E_MODEL_CONTRACT');
    expect(partial.message).toContain('batching.last: pad');
  });

  it('a fixed batch dim that differs from the batch size is refused with both values', () => {
    const e = refused(admitOnnxBytes(classifier({ batchDim: 64 }), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('input "features" axis 0 must be a symbolic batch axis (or exactly 256, the batch size), found 64 (shape [64, 32]; contract [batch, 32])');
    expect(e.details).toEqual({ axis: 0, expected: 'batch', found: 64 });
  });

  it('a symbolic non-batch dim is accepted statically (checked on the first batch)', () => {
    expect(admitOnnxBytes(classifier({ outputShape: ['batch', 'classes'] }), CONTRACT, BATCH).ok).toBe(true);
  });

  it('unknown rank (no shape at all) is accepted statically', () => {
    const bytes = classifier();
    const model = admitOnnxBytes(bytes, CONTRACT, BATCH);
    expect(model.ok).toBe(true);
    const m = (model as { model: Parameters<typeof encodeModel>[0] }).model;
    delete m.graph!.output![0]!.type!.tensorType!.shape;
    expect(admitOnnxBytes(encodeModel(m), CONTRACT, BATCH).ok).toBe(true);
  });

  it('initializers listed as graph inputs (old exporters) are not inputs the benchmark must feed', () => {
    const bytes = buildModel({
      inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 32] }, { name: 'W', dtype: 'float32', shape: [32, 4] }],
      outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 4] }],
      nodes: [{ op: 'MatMul', inputs: ['features', 'W'], outputs: ['logits'] }, { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'] }],
      initializers: [{ name: 'W', dtype: 'float32', dims: [32, 4], data: new Float32Array(128) }],
    });
    expect(admitOnnxBytes(bytes, CONTRACT, BATCH).ok).toBe(true);
  });

  it('[batch, 1] satisfies a [batch] regression output; [batch, 2] does not', () => {
    const reg = ModelContract.parse({ ...CONTRACT, outputs: [{ name: 'y', dtype: 'float32', shape: ['batch'] }] });
    const lin = (outShape: Dim[]) => mlpModel({ inputName: 'features', outputName: 'y', weights: [{ w: new Float32Array(32 * (outShape[1] as number ?? 1)), b: new Float32Array((outShape[1] as number) ?? 1), inF: 32, outF: (outShape[1] as number) ?? 1 }], softmax: false, outputShape: outShape });
    expect(admitOnnxBytes(lin(['batch', 1]), reg, BATCH).ok).toBe(true);
    const e = refused(admitOnnxBytes(lin(['batch', 2]), reg, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('output "y" must have shape [batch], found [batch, 2]');
  });

  it('the bundled demo submissions: alice passes, erin breaks the output contract, frank is not ONNX', () => {
    const b = loadBenchmark('tabular-demo');
    const sub = (f: string) => readFileSync(path.join(b.dir, 'submissions', f));
    expect(admitOnnxBytes(sub('alice.onnx'), b.spec.model!, b.spec.batching.size).ok).toBe(true);
    const erin = refused(admitOnnxBytes(sub('erin.onnx'), b.spec.model!, b.spec.batching.size), 'E_MODEL_CONTRACT');
    expect(erin.message).toContain('output "probabilities" axis 1 must be 4, found 3');
    refused(admitOnnxBytes(sub('frank.onnx'), b.spec.model!, b.spec.batching.size), 'E_MODEL_FORMAT');
  });
});

describe('format and size', () => {
  it('non-ONNX bytes: text, PNG magic, zeros, JSON are E_MODEL_FORMAT', () => {
    // The message says what the bytes look like, never the protobuf parser's internals ("index out of range: 3 + 104 > 13").
    for (const [bytes, found] of [
      [Buffer.from('This is a text file with an .onnx name, not a model.\n'), 'found text, not a binary ONNX model'],
      [Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'found 16 bytes that do not parse as an ONNX protobuf'],
      [new Uint8Array(64), 'found 64 bytes that do not parse as an ONNX protobuf'],
      [Buffer.from('{"graph": {"node": []}}'), 'found JSON text'],
    ] as const) {
      const e = refused(admitOnnxBytes(bytes, CONTRACT, BATCH), 'E_MODEL_FORMAT');
      expect(e.message).toMatch(/^expected an ONNX model \(protobuf ModelProto\), found /);
      expect(e.message).toContain(found);
      expect(e.message).not.toMatch(/index out of range|invalid wire type/);
    }
  });

  it('an empty file', () => {
    const e = refused(admitOnnxBytes(new Uint8Array(0), CONTRACT, BATCH), 'E_MODEL_FORMAT');
    expect(e.message).toBe('expected an ONNX model (protobuf ModelProto), found an empty file');
  });

  it('every truncation of a real model is refused as E_MODEL_FORMAT or E_MODEL_CONTRACT, never thrown', () => {
    const bytes = classifier();
    // every 5th cut, plus every cut in the tail (the opset_import field is written last: a cut at
    // its start leaves a ModelProto that parses but that onnxruntime refuses)
    const cuts = [...Array.from({ length: Math.ceil(bytes.length / 5) }, (_, i) => i * 5 + 1), ...Array.from({ length: 12 }, (_, i) => bytes.length - 12 + i)];
    for (const cut of cuts) {
      let r: AdmissionResult;
      expect(() => { r = admitOnnxBytes(bytes.subarray(0, cut), CONTRACT, BATCH); }, `cut ${cut}`).not.toThrow();
      expect(r!.ok, `cut ${cut}`).toBe(false);
      expect(['E_MODEL_FORMAT', 'E_MODEL_CONTRACT']).toContain((r! as { error: ErrorData }).error.code);
    }
  });

  it('a parseable ModelProto without a graph, or with an empty graph', () => {
    const noGraph = refused(admitOnnxBytes(encodeModel({ irVersion: 8, producerName: 'x' }), CONTRACT, BATCH), 'E_MODEL_FORMAT');
    expect(noGraph.message).toBe('expected an ONNX model with a graph of nodes and outputs, found no graph');
    const noNodes = refused(admitOnnxBytes(encodeModel({ irVersion: 8, graph: { name: 'g' } }), CONTRACT, BATCH), 'E_MODEL_FORMAT');
    expect(noNodes.message).toBe('expected an ONNX model with a graph of nodes and outputs, found a graph with no nodes');
    const noOutputs = refused(admitOnnxBytes(encodeModel({ irVersion: 8, graph: { name: 'g', node: [{ opType: 'Identity', input: ['a'], output: ['b'] }] } }), CONTRACT, BATCH), 'E_MODEL_FORMAT');
    expect(noOutputs.message).toBe('expected an ONNX model with a graph of nodes and outputs, found a graph with no outputs');
  });

  it('a model without any opset_import (onnxruntime refuses those) is E_MODEL_FORMAT', () => {
    const m = (admitOnnxBytes(classifier(), CONTRACT, BATCH) as { model: Parameters<typeof encodeModel>[0] }).model;
    m.opsetImport = [];
    const e = refused(admitOnnxBytes(encodeModel(m), CONTRACT, BATCH), 'E_MODEL_FORMAT');
    expect(e.message).toBe('expected an ONNX model that imports an operator set (opset_import), found none');
  });

  it('too large: E_MODEL_TOO_LARGE with the limit and the size, judged before parsing', () => {
    const bytes = classifier();
    const small = ModelContract.parse({ ...CONTRACT, maxBytes: bytes.length - 1 });
    const e = refused(admitOnnxBytes(bytes, small, BATCH), 'E_MODEL_TOO_LARGE');
    expect(e.message).toBe(`the benchmark accepts models up to ${bytes.length - 1} bytes, this one has ${bytes.length}`);
    expect(e.details).toEqual({ limit: bytes.length - 1, size: bytes.length });
    expect(admitOnnxBytes(bytes, ModelContract.parse({ ...CONTRACT, maxBytes: bytes.length }), BATCH).ok).toBe(true);
    // garbage over the limit is "too large", not "not ONNX"
    refused(admitOnnxBytes(new Uint8Array(CONTRACT.maxBytes + 1), CONTRACT, BATCH), 'E_MODEL_TOO_LARGE');
  });
});

describe('contract mismatches name what was expected and what was found', () => {
  it('wrong output dim names the axis and both values', () => {
    const e = refused(admitOnnxBytes(classifier({ outF: 3 }), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('output "probabilities" axis 1 must be 4, found 3 (shape [batch, 3]; contract [batch, 4])');
    expect(e.details).toEqual({ axis: 1, expected: 4, found: 3 });
  });

  it('wrong input width', () => {
    const m = buildModel({
      inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 16] }],
      outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 4] }],
      nodes: [{ op: 'MatMul', inputs: ['features', 'W'], outputs: ['probabilities'] }],
      initializers: [{ name: 'W', dtype: 'float32', dims: [16, 4], data: new Float32Array(64) }],
    });
    const e = refused(admitOnnxBytes(m, CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('input "features" axis 1 must be 32, found 16 (shape [batch, 16]; contract [batch, 32])');
  });

  it('wrong rank', () => {
    const e = refused(admitOnnxBytes(castModel({ inputShape: ['batch', 4, 8] }), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('input "features" must have shape [batch, 32], found [batch, 4, 8]');
  });

  it('wrong input dtype and wrong output dtype', () => {
    const f64 = refused(admitOnnxBytes(castModel({ inputDtype: 'float64' }), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(f64.message).toBe('input "features" must be float32, found float64');
    expect(f64.details).toEqual({ expected: 'float32', found: 'float64' });
    const f16 = refused(admitOnnxBytes(castModel({ inputDtype: 'float16' }), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(f16.message).toBe('input "features" must be float32, found float16');
    const out = refused(admitOnnxBytes(castModel({ outputDtype: 'float64' }), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(out.message).toBe('output "probabilities" must be float32, found float64');
  });

  it('missing input: names the expected input and the ones found', () => {
    const e = refused(admitOnnxBytes(classifier({ inputName: 'x' }), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('expected a model input named "features", found "x"');
    expect(e.details).toEqual({ expected: 'features', found: ['x'] });
  });

  it('missing output', () => {
    const e = refused(admitOnnxBytes(classifier({ outputName: 'probs' }), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('expected a model output named "probabilities", found "probs"');
  });

  it('extra required input: the model needs an input the benchmark does not provide', () => {
    const e = refused(admitOnnxBytes(castModel({ extraInputs: [{ name: 'mask', dtype: 'float32', shape: ['batch', 32] }, { name: 'temp', dtype: 'float32', shape: [1] }] }), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('the model needs inputs the benchmark does not provide: "mask", "temp"; it provides "features"');
    expect(e.details).toEqual({ extra: ['mask', 'temp'] });
  });

  it('extra outputs beyond the contracted one are allowed', () => {
    const r = admitOnnxBytes(castModel({ outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 4] }, { name: 'probabilities', dtype: 'float32', shape: ['batch', 4] }] }), CONTRACT, BATCH);
    expect(r.ok).toBe(true);
  });

  it('a non-tensor input type', () => {
    const m = (admitOnnxBytes(classifier(), CONTRACT, BATCH) as { model: Parameters<typeof encodeModel>[0] }).model;
    (m.graph!.input![0] as Record<string, unknown>).type = { sequenceType: { elemType: { tensorType: { elemType: 1 } } } };
    const e = refused(admitOnnxBytes(encodeModel(m), CONTRACT, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('input "features" must be a tensor, found a non-tensor type');
  });

  it('multiple contracted inputs are each checked', () => {
    const two = ModelContract.parse({
      ...CONTRACT,
      inputs: [...CONTRACT.inputs, { name: 'mask', column: 'mask', dtype: 'int64', shape: ['batch', 32] }],
    });
    expect(admitOnnxBytes(castModel({ extraInputs: [{ name: 'mask', dtype: 'int64', shape: ['batch', 32] }] }), two, BATCH).ok).toBe(true);
    const e = refused(admitOnnxBytes(castModel({ extraInputs: [{ name: 'mask', dtype: 'int32', shape: ['batch', 32] }] }), two, BATCH), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('input "mask" must be int64, found int32');
    const missing = refused(admitOnnxBytes(castModel(), two, BATCH), 'E_MODEL_CONTRACT');
    expect(missing.message).toBe('expected a model input named "mask", found "features"');
  });
});
