// Writes ONNX models from code: the demo submissions, the bench models and every test model are
// built here, so that nothing is downloaded and every weight comes from a seeded generator.
import { encodeModel, ONNX_DTYPE, type OnnxAttribute, type OnnxGraph, type OnnxDtypeName, type OnnxTensor, type OnnxValueInfo } from './proto.ts';

export type Dim = number | string;
export interface TensorSpec { name: string; dtype: OnnxDtypeName; shape: Dim[] }
export type AttrValue = number | number[] | string | { floats: number[] } | { tensor: InitTensor } | { graph: GraphSpec };
/** A subgraph (the body of Loop / If / Scan): same shape as a model's graph, without opset or IR version. */
export interface GraphSpec { name?: string; inputs: TensorSpec[]; outputs: TensorSpec[]; nodes: NodeSpec[]; initializers?: InitTensor[] }
export interface NodeSpec { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, AttrValue>; domain?: string; name?: string }
export interface InitTensor { name: string; dtype: OnnxDtypeName; dims: number[]; data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array }
export interface ModelSpec {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  nodes: NodeSpec[];
  initializers?: InitTensor[];
  opset?: number;
  irVersion?: number;
  producer?: string;
  graphName?: string;
}

function valueInfo(t: TensorSpec): OnnxValueInfo {
  return {
    name: t.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[t.dtype],
        shape: { dim: t.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export function tensorProto(t: InitTensor): OnnxTensor {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name: t.name, dims: t.dims, dataType: ONNX_DTYPE[t.dtype], rawData: bytes.slice() };
}

function attribute(name: string, v: AttrValue): OnnxAttribute & Record<string, unknown> {
  // AttributeProto.AttributeType: FLOAT=1, INT=2, STRING=3, TENSOR=4, FLOATS=6, INTS=7
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: 2, i: v } : { name, type: 1, f: v };
  }
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if ('floats' in v) return { name, type: 6, floats: v.floats };
  if ('graph' in v) return { name, type: 5, g: graphProto(v.graph) };
  return { name, type: 4, t: tensorProto(v.tensor) };
}

function graphProto(g: GraphSpec): OnnxGraph {
  return {
    name: g.name ?? 'graph',
    node: g.nodes.map((n, i) => ({
      name: n.name ?? `${n.op}_${i}`,
      opType: n.op,
      domain: n.domain ?? '',
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    })),
    initializer: (g.initializers ?? []).map(tensorProto),
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
  };
}

/** Encode a model spec as ONNX bytes (IR 8, opset 17 unless given). */
export function buildModel(spec: ModelSpec): Uint8Array {
  return encodeModel({
    irVersion: spec.irVersion ?? 8,
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }],
    producerName: spec.producer ?? 'arbiter',
    graph: {
      name: spec.graphName ?? 'graph',
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: (spec.initializers ?? []).map(tensorProto),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  });
}

/** Mulberry32: a small seeded PRNG; every generated weight and row in arbiter comes from one. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples from a seeded uniform source (Box-Muller). */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** A dense classifier/regressor: input [batch, inF] -> hidden layers (ReLU) -> [batch, outF], optional softmax. */
export function mlpModel(opts: {
  inputName: string; outputName: string; weights: Array<{ w: Float32Array; b: Float32Array; inF: number; outF: number }>;
  softmax: boolean; batchDim?: Dim; outputShape?: Dim[];
}): Uint8Array {
  const nodes: NodeSpec[] = [];
  const inits: InitTensor[] = [];
  let cur = opts.inputName;
  opts.weights.forEach((layer, i) => {
    inits.push({ name: `W${i}`, dtype: 'float32', dims: [layer.inF, layer.outF], data: layer.w });
    inits.push({ name: `B${i}`, dtype: 'float32', dims: [layer.outF], data: layer.b });
    const last = i === opts.weights.length - 1;
    nodes.push({ op: 'MatMul', inputs: [cur, `W${i}`], outputs: [`mm${i}`] });
    const addOut = last ? (opts.softmax ? 'logits' : opts.outputName) : `add${i}`;
    nodes.push({ op: 'Add', inputs: [`mm${i}`, `B${i}`], outputs: [addOut] });
    if (!last) {
      nodes.push({ op: 'Relu', inputs: [addOut], outputs: [`h${i}`] });
      cur = `h${i}`;
    }
  });
  if (opts.softmax) nodes.push({ op: 'Softmax', inputs: ['logits'], outputs: [opts.outputName], attrs: { axis: -1 } });
  const first = opts.weights[0]!;
  const last = opts.weights[opts.weights.length - 1]!;
  const batch = opts.batchDim ?? 'batch';
  return buildModel({
    inputs: [{ name: opts.inputName, dtype: 'float32', shape: [batch, first.inF] }],
    outputs: [{ name: opts.outputName, dtype: 'float32', shape: opts.outputShape ?? [batch, last.outF] }],
    nodes,
    initializers: inits,
  });
}
