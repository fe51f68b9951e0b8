// Structure-aware ONNX mutations: decode a valid seed model into its proto object, change fields a
// hostile author controls (dims, element and data types, op types, attributes, initializer bytes,
// names, opset and IR versions, nodes, cycles, subgraphs, external data), re-encode, and sometimes
// finish with byte-level edits of the encoding.
import { buildModel, type ModelSpec } from '../../../src/models/onnx/builder.ts';
import { decodeModel, ModelProto, type OnnxAttribute, type OnnxGraph, type OnnxModel, type OnnxTensor, type OnnxValueInfo } from '../../../src/models/onnx/proto.ts';
import { externalModel, goodModel, linearSpec } from '../../models/admission/fixtures.ts';
import { mutateBytes, NASTY_STRINGS } from './generic.ts';
import type { Rng } from './rng.ts';

/** The external-data file every ONNX case folder holds (the linear model's W: 4x3 float32). */
export const EXTERNAL_FILE = 'weights.bin';
export const EXTERNAL_BYTES = new Uint8Array(new Float32Array(12).fill(0.25).buffer);

function ifModel(): Uint8Array {
  // probs = If(cond, then: Softmax(logits), else: Identity(softmax)) exercises subgraph attributes.
  const spec = linearSpec(3);
  const branch = (op: string) => ({ graph: { name: `${op}-branch`, inputs: [], outputs: [{ name: `${op}_out`, dtype: 'float32' as const, shape: ['batch', 3] }], nodes: [{ op, inputs: ['sm'], outputs: [`${op}_out`] }] } });
  spec.initializers!.push({ name: 'cond', dtype: 'bool', dims: [], data: Uint8Array.of(1) });
  spec.nodes = [
    { op: 'MatMul', inputs: ['x', 'W'], outputs: ['mm'] },
    { op: 'Add', inputs: ['mm', 'B'], outputs: ['logits'] },
    { op: 'Softmax', inputs: ['logits'], outputs: ['sm'], attrs: { axis: -1 } },
    { op: 'If', inputs: ['cond'], outputs: ['probs'], attrs: { then_branch: branch('Identity'), else_branch: branch('Relu') } },
  ];
  return buildModel(spec as ModelSpec);
}

let seeds: Uint8Array[] | undefined;
/** The valid seed models: MLP, linear, linear with an If subgraph, linear with external weights. */
export function onnxSeeds(): Uint8Array[] {
  seeds ??= [goodModel(), buildModel(linearSpec()), ifModel(), externalModel(EXTERNAL_FILE, { length: EXTERNAL_BYTES.length })];
  return seeds;
}

const OPS = ['MatMul', 'Add', 'Softmax', 'Relu', 'Identity', 'Loop', 'If', 'Scan', 'Reshape', 'ConstantOfShape', 'Expand', 'Gather', 'Tile',
  'RandomNormal', 'Multinomial', 'NoSuchOp', '', 'Conv', 'TopK', 'Range', 'Resize', 'Pad', 'Concat', 'Split', 'Cast', 'Einsum', 'NonZero'];
const DOMAINS = ['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft', 'evil.domain', 'ai.onnx.preview.training'];
const DTYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 99, -1, 2 ** 31 - 1];
const DIMS = [0, 1, -1, -(2 ** 31), 3, 4, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 1e15, 7];
const INTS = [0, 1, -1, 2, 17, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, -(2 ** 53), 1e15];

function allGraphs(g: OnnxGraph, out: OnnxGraph[] = []): OnnxGraph[] {
  out.push(g);
  for (const n of g.node ?? []) for (const a of n.attribute ?? []) { if (a.g) allGraphs(a.g, out); for (const s of a.graphs ?? []) allGraphs(s, out); }
  return out;
}

function valueInfos(g: OnnxGraph): OnnxValueInfo[] { return [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]; }
function names(g: OnnxGraph): string[] {
  return [...(g.input ?? []).map((v) => v.name ?? ''), ...(g.initializer ?? []).map((t) => t.name ?? ''), ...(g.node ?? []).flatMap((n) => n.output ?? [])];
}

function randomTensor(r: Rng): OnnxTensor {
  const t: OnnxTensor = { name: r.pick(['T', 'W', 'x', '']), dims: Array.from({ length: r.int(4) }, () => r.pick(DIMS)), dataType: r.pick(DTYPES) };
  switch (r.int(5)) {
    case 0: t.rawData = r.bytes(r.pick([0, 1, 4, 12, 48, 4096])); break;
    case 1: t.floatData = Array.from({ length: r.pick([0, 1, 12]) }, () => r.pick([0, 1.5, NaN, Infinity, -1e38])); break;
    case 2: t.int64Data = Array.from({ length: r.pick([0, 1, 3]) }, () => r.pick(INTS)); break;
    case 3: t.stringData = [new TextEncoder().encode(r.pick(NASTY_STRINGS).slice(0, 100))]; break;
    default: break; // no data at all
  }
  return t;
}

function mutateAttribute(r: Rng, a: OnnxAttribute & Record<string, unknown>, graph: OnnxGraph): void {
  switch (r.int(8)) {
    case 0: a.type = r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 99]); break; // type no longer matches the value
    case 1: a.i = r.pick(INTS); delete a.f; break;
    case 2: a.ints = Array.from({ length: r.pick([0, 1, 5, 100]) }, () => r.pick(INTS)); break;
    case 3: a.f = r.pick([NaN, Infinity, -Infinity, 1e38, -0]); break;
    case 4: a.t = randomTensor(r); break;
    case 5: a.g = structuredClone(graph); a.type = 5; break; // a copy of the enclosing graph: recursion by value
    case 6: a.name = r.pick(['axis', 'perm', 'then_branch', 'body', '', 'x'.repeat(1000)]); break;
    default: a.s = new TextEncoder().encode(r.pick(NASTY_STRINGS).slice(0, 200)); break;
  }
}

/** One structural edit of a decoded model, in place. */
function mutateModelOnce(r: Rng, m: OnnxModel): void {
  const g = m.graph ??= {};
  const graphs = allGraphs(g);
  const sg = r.pick(graphs);
  const nodes = sg.node ??= [];
  const inits = g.initializer ??= [];
  const op = r.int(22);
  switch (op) {
    case 0: { // a declared dim
      const v = r.pick(valueInfos(sg));
      const dims = v?.type?.tensorType?.shape?.dim;
      if (dims && dims.length) {
        const d = dims[r.int(dims.length)]!;
        if (r.chance(0.7)) { delete d.dimParam; d.dimValue = r.pick(DIMS); } else { delete d.dimValue; d.dimParam = r.pick(NASTY_STRINGS).slice(0, 100); }
      } else if (v?.type?.tensorType) v.type.tensorType.shape = { dim: Array.from({ length: r.pick([0, 1, 9, 100]) }, () => ({ dimValue: r.pick(DIMS) })) };
      return;
    }
    case 1: { const v = r.pick(valueInfos(sg)); if (v?.type?.tensorType) v.type.tensorType.elemType = r.pick(DTYPES); else if (v) v.type = {}; return; }
    case 2: { const t = r.pick(inits); if (t) t.dataType = r.pick(DTYPES); return; }
    case 3: { const t = r.pick(inits); if (t) t.dims = r.chance(0.5) ? (t.dims ?? []).map((d) => (r.chance(0.5) ? r.pick(DIMS) : d)) : Array.from({ length: r.pick([0, 1, 3, 64]) }, () => r.pick(DIMS)); return; }
    case 4: { // raw_data length
      const t = r.pick(inits);
      if (t) {
        const len = t.rawData?.length ?? 0;
        t.rawData = r.chance(0.5) ? (t.rawData ?? new Uint8Array()).subarray(0, r.int(len + 1)) : Uint8Array.from([...(t.rawData ?? []), ...r.bytes(r.pick([1, 3, 4, 1024]))]);
      }
      return;
    }
    case 5: { const n = r.pick(nodes); if (n) n.opType = r.pick(OPS); return; }
    case 6: { const n = r.pick(nodes); if (n) n.domain = r.pick(DOMAINS); return; }
    case 7: { // attributes
      const n = r.pick(nodes);
      if (!n) return;
      const attrs = n.attribute ??= [];
      if (attrs.length && r.chance(0.7)) mutateAttribute(r, r.pick(attrs) as OnnxAttribute & Record<string, unknown>, g);
      else attrs.push({ name: r.pick(['axis', 'to', 'perm', 'body', 'value']), type: r.pick([1, 2, 4, 5, 7]), i: r.pick(INTS) });
      return;
    }
    case 8: { // rename a value: dangling, duplicated, empty
      const n = r.pick(nodes);
      if (!n) return;
      const list = r.chance(0.5) ? (n.input ??= []) : (n.output ??= []);
      if (list.length) list[r.int(list.length)] = r.pick([...names(sg), '', 'ghost', r.pick(NASTY_STRINGS).slice(0, 50)]);
      return;
    }
    case 9: { const v = r.pick(valueInfos(sg)); if (v) v.name = r.pick([...names(sg), '', 'ghost', 'x', 'probs']); return; }
    case 10: { // opset
      const o = (m.opsetImport ??= [{ domain: '', version: 17 }]);
      if (r.chance(0.3)) o.push({ domain: r.pick(DOMAINS), version: r.pick(INTS) }); else if (o.length) o[r.int(o.length)]!.version = r.pick([...INTS, 7, 13, 21, 22, 99]);
      if (r.chance(0.1)) m.opsetImport = [];
      return;
    }
    case 11: m.irVersion = r.pick([...INTS, 3, 7, 9, 10, 11, 12]); return;
    case 12: { // add a node wired to existing values
      const ns = names(sg);
      nodes.splice(r.int(nodes.length + 1), 0, { name: 'added', opType: r.pick(OPS), domain: '', input: Array.from({ length: r.int(4) }, () => r.pick([...ns, ''])), output: [r.pick(['new', ...ns])], attribute: [] });
      return;
    }
    case 13: if (nodes.length) nodes.splice(r.int(nodes.length), 1); return;
    case 14: if (nodes.length) { const n = structuredClone(r.pick(nodes)); nodes.splice(r.int(nodes.length + 1), 0, n); } return;
    case 15: { // a cycle: the first node reads the last node's output
      const first = nodes[0]; const last = nodes[nodes.length - 1];
      if (first && last?.output?.[0]) (first.input ??= []).push(last.output[0]);
      return;
    }
    case 16: { // external data entries
      const t = r.pick(inits);
      if (!t) return;
      const ext = t.externalData ??= [];
      const key = r.pick(['location', 'offset', 'length', 'checksum', '', 'location']);
      const value = key === 'location'
        ? r.pick([EXTERNAL_FILE, `./${EXTERNAL_FILE}`, `../${EXTERNAL_FILE}`, '/etc/passwd', '/dev/zero', '/proc/self/mem', 'sub/../../x', '.', '', 'a\0b', 'missing.bin', EXTERNAL_FILE.toUpperCase()])
        : r.pick(['0', '-1', '48', '12', '1e3', 'NaN', 'x', '', '9007199254740993', '18446744073709551616', '  4', '0x10', String(2 ** 40)]);
      if (r.chance(0.5) && ext.length) ext[r.int(ext.length)]!.value = value; else ext.push({ key, value });
      if (r.chance(0.7)) { t.dataLocation = r.pick([1, 1, 0, 2, -1]); if (r.chance(0.6)) delete t.rawData; }
      return;
    }
    case 17: { // nest the graph inside itself N levels
      let inner: OnnxGraph = structuredClone(g);
      for (let d = r.pick([1, 2, 5, 40]); d > 0; d--) {
        inner = { name: `nest${d}`, node: [{ name: `n${d}`, opType: r.pick(['Loop', 'If', 'Scan']), input: [], output: [`o${d}`], attribute: [{ name: 'body', type: 5, g: inner }] }], output: [{ name: `o${d}` }] };
      }
      nodes.push(...(inner.node ?? []));
      return;
    }
    case 18: (m.functions ??= []).push({ name: 'f', node: [], input: [], output: [] }); return;
    case 19: (g.sparseInitializer ??= []).push({ values: randomTensor(r), indices: randomTensor(r), dims: [r.pick(DIMS)] }); return;
    case 20: inits.push(randomTensor(r)); return;
    default: { // huge or many things
      const n = r.pick(nodes);
      if (n && r.chance(0.5)) n.input = Array.from({ length: r.pick([100, 5000]) }, (_, i) => `in${i}`);
      else g.input = [...(g.input ?? []), ...Array.from({ length: r.pick([2, 300]) }, (_, i) => ({ name: `extra${i}`, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } }))];
    }
  }
}

/** A mutated model's bytes. Structural edits re-encode through protobufjs; byte edits follow 1 time in 3. */
export function mutateOnnx(r: Rng): { bytes: Uint8Array; seed: number; structural: number; byteLevel: boolean } {
  const all = onnxSeeds();
  const seed = r.int(all.length);
  let bytes = all[seed]!;
  let structural = 0;
  if (r.chance(0.85)) {
    const m = decodeModel(bytes);
    structural = r.weighted([[5, 1], [3, 2], [2, 3], [1, 6]] as const);
    for (let i = 0; i < structural; i++) mutateModelOnce(r, m);
    // no verify(): values the schema check would refuse (NaN dims, wrong types) are the point
    try { bytes = ModelProto.encode(ModelProto.fromObject(m)).finish(); } catch { bytes = all[seed]!; structural = 0; }
  }
  const byteLevel = structural === 0 || r.chance(0.33);
  if (byteLevel) bytes = mutateBytes(r, bytes);
  return { bytes, seed, structural, byteLevel };
}
