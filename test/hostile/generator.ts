// Generator of hostile and broken submissions, made in code from a valid base model with a seeded
// PRNG: truncations, bit flips, wrong dtypes, huge dims, cycles, unknown ops, escaping external
// data, garbage bytes, protobuf bombs, archive bombs, and models that pass the static checks but
// produce NaN / Inf / wrong shapes. The same corpus is meant to be thrown at `arbiter score`.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import type { ErrorCode } from '../../src/errors.ts';
import { buildModel, mulberry32, type ModelSpec, type NodeSpec } from '../../src/models/onnx/builder.ts';
import { decodeModel, encodeModel, ONNX_DTYPE, type OnnxModel } from '../../src/models/onnx/proto.ts';
import { externalModel, goodModel, linearSpec } from '../models/admission/fixtures.ts';
import { tar } from '../models/tar-writer.ts';

export type Outcome = ErrorCode | 'ok';

/**
 * The admission rules the corpus is made for (small limits keep the bombs cheap to build): 1 MiB
 * models, 64 KiB external data, 10 000 nodes, constant outputs refused; everything else at its default.
 */
export const HOSTILE_RULES_INPUT = { maxBytes: 1 << 20, maxExternalBytes: 64 << 10, maxNodes: 10_000, sanity: { rejectConstant: true } } as const;

export interface HostileCase {
  name: string;
  family: string;
  /** Files of the submission folder (relative path -> bytes). */
  files: Record<string, Uint8Array>;
  /** Symlinks to create in the folder (relative path -> target). */
  symlinks?: Record<string, string>;
  /** The submitted file, relative to the folder. */
  entry: string;
  /** Acceptable pipeline outcomes (admission, then sanity); undefined = any stable code or ok. */
  expect?: Outcome[];
}

/** Write a case into `dir` and return the path of its submission file. */
export function materialize(c: HostileCase, dir: string): string {
  for (const [rel, bytes] of Object.entries(c.files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
  for (const [rel, target] of Object.entries(c.symlinks ?? {})) symlinkSync(target, join(dir, rel));
  return join(dir, c.entry);
}

const edit = (bytes: Uint8Array, f: (m: OnnxModel) => void): Uint8Array => { const m = decodeModel(bytes); f(m); return encodeModel(m); };
const model = (name: string, family: string, bytes: Uint8Array, expect?: Outcome[]): HostileCase => ({ name, family, files: { 'model.onnx': bytes }, entry: 'model.onnx', ...(expect ? { expect } : {}) });

/** Protobuf varint. */
function varint(n: bigint): number[] {
  const out: number[] = [];
  do { let b = Number(n & 0x7fn); n >>= 7n; if (n > 0n) b |= 0x80; out.push(b); } while (n > 0n);
  return out;
}
const field = (num: number, wire: number): number[] => varint(BigInt((num << 3) | wire));

export interface CorpusEntry { name: string; family: string; submission: string; expect: Outcome[] | null }

/**
 * Write every case into `dir/<index>-<name>/` and a `manifest.json` listing the submission paths and
 * acceptable outcomes, so the same corpus can be run through `arbiter score` (with HOSTILE_RULES_INPUT
 * as the benchmark's admission rules and the base contract x[batch,4] -> probs[batch,3]).
 */
export function writeHostileCorpus(dir: string): CorpusEntry[] {
  const entries = hostileCases().map((c, i) => {
    const sub = join(dir, `${String(i).padStart(3, '0')}-${c.name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
    mkdirSync(sub, { recursive: true });
    return { name: c.name, family: c.family, submission: materialize(c, sub), expect: c.expect ?? null };
  });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ rules: HOSTILE_RULES_INPUT, entries }, null, 2));
  return entries;
}

export function hostileCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  const base = goodModel();
  const lin = buildModel(linearSpec());
  const rand = mulberry32(20261129);
  const FORMAT: Outcome[] = ['E_MODEL_FORMAT'];

  // 1. Truncated at 40 points (every prefix fails to parse or loses the graph / a tensor).
  for (let i = 0; i < 40; i++) {
    const cut = Math.floor((base.length * i) / 40);
    cases.push(model(`truncated-${cut}`, 'truncated', base.subarray(0, cut), ['E_MODEL_FORMAT', 'E_MODEL_OPSET', 'E_MODEL_CONTRACT']));
  }

  // 2. Bit flips: 60 single flips and 20 bursts at seeded positions. Some still decode as a valid
  // model (a flipped weight bit), so any stable outcome is acceptable: the point is no crash.
  for (let i = 0; i < 60; i++) {
    const b = Uint8Array.from(base);
    const pos = Math.floor(rand() * b.length);
    b[pos]! ^= 1 << Math.floor(rand() * 8);
    cases.push(model(`bitflip-${i}-at-${pos}`, 'bitflip', b));
  }
  for (let i = 0; i < 20; i++) {
    const b = Uint8Array.from(base);
    for (let k = 0; k < 8; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    cases.push(model(`burst-${i}`, 'bitflip', b));
  }

  // 3. Wrong dtypes: every other dtype on the input and the output, and initializers retyped.
  for (const dt of Object.keys(ONNX_DTYPE).filter((d) => d !== 'float32') as Array<keyof typeof ONNX_DTYPE>) {
    cases.push(model(`input-dtype-${dt}`, 'dtype', buildModel(linearSpec(2, { inputs: [{ name: 'x', dtype: dt, shape: ['batch', 4] }] })), ['E_MODEL_CONTRACT']));
    cases.push(model(`output-dtype-${dt}`, 'dtype', buildModel(linearSpec(2, { outputs: [{ name: 'probs', dtype: dt, shape: ['batch', 3] }] })), ['E_MODEL_CONTRACT']));
  }
  for (const code of [6, 7, 11, 10, 2, 9, 8, 0, 23, 999]) {
    cases.push(model(`initializer-dtype-${code}`, 'dtype', edit(lin, (m) => { m.graph!.initializer![0]!.dataType = code; }), FORMAT));
  }

  // 4. Huge or invalid declared dims.
  for (const d of [2 ** 31, 2 ** 40, 2 ** 53, 0, 1e15]) {
    cases.push(model(`input-dim-${d}`, 'dims', buildModel(linearSpec(2, { inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', d] }] })), ['E_MODEL_CONTRACT']));
    cases.push(model(`output-dim-${d}`, 'dims', buildModel(linearSpec(2, { outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', d] }] })), ['E_MODEL_CONTRACT']));
    cases.push(model(`init-dim-${d}`, 'dims', edit(lin, (m) => { m.graph!.initializer![0]!.dims = [4, d]; }), ['E_MODEL_FORMAT', 'E_MODEL_PARAMS']));
  }
  cases.push(model('init-dim-negative', 'dims', edit(lin, (m) => { m.graph!.initializer![0]!.dims = [-4, -3]; }), FORMAT));
  cases.push(model('init-dims-overflow', 'dims', edit(lin, (m) => { m.graph!.initializer![0]!.dims = [2 ** 30, 2 ** 30, 2 ** 30]; }), FORMAT));
  cases.push(model('init-rank-100', 'dims', edit(lin, (m) => { m.graph!.initializer![0]!.dims = Array(100).fill(1); }), FORMAT));
  {
    // ConstantOfShape with a 2^40-element shape: statically fine, asks the runtime for 4 TiB.
    const spec = linearSpec();
    spec.initializers!.push({ name: 'big', dtype: 'int64', dims: [2], data: BigInt64Array.of(1n << 20n, 1n << 20n) });
    spec.nodes.splice(2, 0, { op: 'ConstantOfShape', inputs: ['big'], outputs: ['huge'] }, { op: 'ReduceSum', inputs: ['huge'], outputs: ['s'], attrs: { keepdims: 0 } }, { op: 'Add', inputs: ['logits', 's'], outputs: ['logits2'] });
    spec.nodes[spec.nodes.length - 1] = { op: 'Softmax', inputs: ['logits2'], outputs: ['probs'], attrs: { axis: -1 } };
    cases.push(model('constant-of-shape-4TiB', 'dims', buildModel(spec), ['E_MODEL_RUNTIME', 'E_MODEL_FORMAT']));
    const exp = linearSpec();
    exp.initializers!.push({ name: 'shape', dtype: 'int64', dims: [3], data: BigInt64Array.of(1n << 16n, 1n << 16n, 3n) });
    exp.nodes.splice(2, 0, { op: 'Expand', inputs: ['logits', 'shape'], outputs: ['big'] }, { op: 'ReduceMean', inputs: ['big'], outputs: ['logits2'], attrs: { axes: [0], keepdims: 0 } });
    exp.nodes[exp.nodes.length - 1] = { op: 'Softmax', inputs: ['logits2'], outputs: ['probs'], attrs: { axis: -1 } };
    cases.push(model('expand-to-2^32-rows', 'dims', buildModel(exp)));
  }

  // 5. Cycles and unsorted graphs.
  const cyc = (name: string, nodes: NodeSpec[]) => cases.push(model(name, 'cycle', buildModel(linearSpec(2, { nodes })), FORMAT));
  cyc('self-loop', [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['mm'] }, { op: 'Add', inputs: ['logits', 'B'], outputs: ['logits'] }, { op: 'Softmax', inputs: ['logits'], outputs: ['probs'] }]);
  cyc('two-cycle', [{ op: 'Add', inputs: ['b', 'B'], outputs: ['a'] }, { op: 'Add', inputs: ['a', 'B'], outputs: ['b'] }, { op: 'MatMul', inputs: ['x', 'W'], outputs: ['mm'] }, { op: 'Add', inputs: ['mm', 'a'], outputs: ['logits'] }, { op: 'Softmax', inputs: ['logits'], outputs: ['probs'] }]);
  cyc('three-cycle', [{ op: 'Identity', inputs: ['c'], outputs: ['a'] }, { op: 'Identity', inputs: ['a'], outputs: ['b'] }, { op: 'Identity', inputs: ['b'], outputs: ['c'] }, { op: 'MatMul', inputs: ['x', 'W'], outputs: ['mm'] }, { op: 'Add', inputs: ['mm', 'B'], outputs: ['logits'] }, { op: 'Softmax', inputs: ['logits'], outputs: ['probs'] }]);
  cyc('reversed-order', [...linearSpec().nodes].reverse());
  cyc('undefined-input', [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['mm'] }, { op: 'Add', inputs: ['mm', 'ghost'], outputs: ['logits'] }, { op: 'Softmax', inputs: ['logits'], outputs: ['probs'] }]);
  cyc('double-producer', [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['mm'] }, { op: 'Identity', inputs: ['x'], outputs: ['mm'] }, { op: 'Add', inputs: ['mm', 'B'], outputs: ['logits'] }, { op: 'Softmax', inputs: ['logits'], outputs: ['probs'] }]);
  cyc('overwrite-input', [{ op: 'Identity', inputs: ['W'], outputs: ['x'] }, ...linearSpec().nodes]);
  cyc('output-never-made', linearSpec().nodes.slice(0, 2));

  // 6. Operators outside the allowlist.
  const withOp = (op: string, domain: string | undefined, extra: Partial<NodeSpec> = {}): Uint8Array => {
    const spec = linearSpec();
    spec.nodes.splice(2, 0, { op, inputs: ['logits'], outputs: ['l2'], ...(domain !== undefined ? { domain } : {}), ...extra });
    spec.nodes[3] = { op: 'Softmax', inputs: ['l2'], outputs: ['probs'], attrs: { axis: -1 } };
    const m = decodeModel(buildModel(spec));
    if (domain) m.opsetImport!.push({ domain, version: 1 });
    return encodeModel(m);
  };
  const OPERATOR: Outcome[] = ['E_MODEL_OPERATOR'];
  for (const [op, dom] of [
    ['NotARealOp', ''], ['matmul', ''], ['', ''], ['ReadFile', 'evil.io'], ['FusedGemm', 'com.microsoft'], ['Attention', 'com.microsoft'],
    ['Inverse', 'com.microsoft'], ['PythonOp', 'com.microsoft.extensions'], ['TreeEnsembleClassifier', 'ai.onnx.ml'], ['Scaler', 'ai.onnx.ml'],
    ['RandomNormalLike', ''], ['RandomUniformLike', ''], ['Bernoulli', ''], ['Multinomial', ''], ['Identity', 'ai.onnx.preview.training'],
  ] as const) cases.push(model(`op-${dom || 'std'}-${op || 'empty'}`, 'operator', withOp(op, dom || undefined), OPERATOR));
  cases.push(model('op-domain-not-imported', 'operator', (() => { const s = linearSpec(); s.nodes[2] = { op: 'Softmax', inputs: ['logits'], outputs: ['probs'], domain: 'custom.x' }; return buildModel(s); })(), OPERATOR));
  cases.push(model('local-function', 'operator', edit(lin, (m) => { m.functions = [{ name: 'F', domain: 'local' } as never]; }), OPERATOR));
  {
    const m = decodeModel(lin);
    const evil = { name: 'b', node: [{ opType: 'ReadFile', domain: 'evil.io', input: [], output: ['o'] }], output: [{ name: 'o' }] };
    m.graph!.initializer!.push({ name: 'cond', dims: [], dataType: 9, rawData: Uint8Array.of(1) });
    m.graph!.node!.push({ opType: 'If', input: ['cond'], output: ['u'], attribute: [{ name: 'then_branch', type: 5, g: evil }, { name: 'else_branch', type: 5, g: evil }] } as never);
    cases.push(model('op-hidden-in-if-branch', 'operator', encodeModel(m), OPERATOR));
  }

  // 7. External data escaping the folder (and other external-data lies).
  const EXT: Outcome[] = ['E_MODEL_EXTERNAL_DATA'];
  const w = linearSpec().initializers![0]!.data;
  const wBytes = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  const ext = (name: string, location: string, extra: Partial<HostileCase> = {}, opts: { length?: number; offset?: number } = {}) =>
    cases.push({ name, family: 'external', entry: 'model.onnx', expect: EXT, ...extra, files: { 'model.onnx': externalModel(location, opts), ...(extra.files ?? {}) } });
  ext('ext-etc-passwd', '/etc/passwd');
  ext('ext-proc-environ', '/proc/self/environ');
  ext('ext-dev-zero', '/dev/zero', {}, { length: 2 ** 40 });
  ext('ext-dotdot', '../secret.bin');
  ext('ext-dotdot-deep', 'a/b/../../../secret.bin');
  ext('ext-dotdot-only', '..');
  ext('ext-windows-drive', 'C:/Windows/win.ini');
  ext('ext-backslash', '..\\secret.bin');
  ext('ext-nul', 'w.bin\0.png', { files: { 'w.bin': wBytes } });
  ext('ext-missing', 'nope.bin');
  ext('ext-symlink-file', 'link.bin', { symlinks: { 'link.bin': '/etc/passwd' } });
  ext('ext-symlink-dir', 'up/passwd', { symlinks: { up: '/etc' } });
  ext('ext-folder', '.');
  ext('ext-short', 'w.bin', { files: { 'w.bin': wBytes.subarray(0, 10) } });
  ext('ext-length-lie', 'w.bin', { files: { 'w.bin': wBytes } }, { length: 2 ** 40 });
  ext('ext-offset-past-end', 'w.bin', { files: { 'w.bin': wBytes } }, { offset: 1 << 20, length: 48 });
  cases.push({ name: 'ext-offset-negative', family: 'external', entry: 'model.onnx', expect: EXT, files: { 'w.bin': wBytes, 'model.onnx': edit(externalModel('w.bin'), (m) => { m.graph!.initializer![0]!.externalData!.push({ key: 'offset', value: '-8' }); }) } });
  cases.push({ name: 'ext-inside-ok', family: 'external', entry: 'model.onnx', expect: ['ok'], files: { 'w.bin': wBytes, 'model.onnx': externalModel('w.bin') } });

  // 8. Not a model at all, and protobuf bombs.
  cases.push(model('zero-bytes', 'garbage', new Uint8Array(), FORMAT));
  cases.push(model('one-byte', 'garbage', Uint8Array.of(0x08), ['E_MODEL_FORMAT', 'E_MODEL_OPSET']));
  cases.push(model('text', 'garbage', Buffer.from('ir_version: 8\ngraph { node { op_type: "Relu" } }\n'), FORMAT));
  cases.push(model('json', 'garbage', Buffer.from(JSON.stringify({ irVersion: 8, graph: {} })), FORMAT));
  cases.push(model('all-zeros-4k', 'garbage', new Uint8Array(4096), FORMAT));
  cases.push(model('all-ff-4k', 'garbage', new Uint8Array(4096).fill(0xff), FORMAT));
  for (let i = 0; i < 8; i++) {
    const len = [1, 7, 64, 512, 1024, 4096, 65536, 300][i]!;
    cases.push(model(`random-${len}`, 'garbage', Uint8Array.from({ length: len }, () => Math.floor(rand() * 256))));
  }
  cases.push(model('gzip-not-model', 'garbage', gzipSync(base), ['E_SUBMISSION_ARCHIVE', 'E_MODEL_FORMAT']));
  // graph field (7) declaring a 2^60-byte length.
  cases.push(model('varint-length-2^60', 'protobuf-bomb', Uint8Array.from([...field(1, 0), 8, ...field(7, 2), ...varint(1n << 60n), 1, 2, 3]), FORMAT));
  cases.push(model('varint-overlong', 'protobuf-bomb', Uint8Array.from([...field(1, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), FORMAT));
  {
    // Attributes nesting graphs 5000 deep: a recursion bomb for a naive decoder.
    let inner = Buffer.alloc(0);
    const wrap = (num: number, body: Buffer) => Buffer.concat([Buffer.from([...field(num, 2), ...varint(BigInt(body.length))]), body]);
    for (let d = 0; d < 5000; d++) inner = wrap(1, wrap(5, wrap(6, inner))); // GraphProto.node > NodeProto.attribute > AttributeProto.g
    cases.push(model('nested-graphs-deep', 'protobuf-bomb', Uint8Array.from([...field(1, 0), 8, ...wrap(7, inner)]), ['E_MODEL_FORMAT', 'E_MODEL_OPSET']));
  }
  cases.push(model('no-graph', 'structure', edit(base, (m) => { delete m.graph; }), FORMAT));
  cases.push(model('empty-graph', 'structure', edit(base, (m) => { m.graph = { name: 'g' }; }), FORMAT));
  cases.push(model('subgraph-depth-20', 'structure', (() => {
    const m = decodeModel(lin);
    const leaf = { name: 'leaf', node: [{ opType: 'Identity', input: ['cond'], output: ['o0'] }], output: [{ name: 'o0' }] };
    let g: Record<string, unknown> = leaf;
    // Only the then-branch nests (both branches nesting would make 2^20 graphs).
    for (let d = 1; d < 20; d++) g = { name: `g${d}`, node: [{ opType: 'If', input: ['cond'], output: [`o${d}`], attribute: [{ name: 'then_branch', type: 5, g }, { name: 'else_branch', type: 5, g: leaf }] }], output: [{ name: `o${d}` }] };
    m.graph!.initializer!.push({ name: 'cond', dims: [], dataType: 9, rawData: Uint8Array.of(1) });
    m.graph!.node!.push({ opType: 'If', input: ['cond'], output: ['deep'], attribute: [{ name: 'then_branch', type: 5, g }, { name: 'else_branch', type: 5, g: leaf }] } as never);
    return encodeModel(m);
  })(), FORMAT));
  cases.push(model('node-bomb-10k', 'structure', (() => {
    const nodes: NodeSpec[] = [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['v0'] }];
    for (let i = 1; i <= 10_001; i++) nodes.push({ op: 'Identity', inputs: [`v${i - 1}`], outputs: [`v${i}`], name: `n${i}` });
    nodes.push({ op: 'Add', inputs: ['v10001', 'B'], outputs: ['logits'] }, { op: 'Softmax', inputs: ['logits'], outputs: ['probs'] });
    return buildModel(linearSpec(2, { nodes }));
  })(), FORMAT));
  cases.push(model('duplicate-opset-import', 'structure', edit(lin, (m) => { m.opsetImport!.push({ domain: '', version: 13 }); }), FORMAT));
  cases.push(model('extra-required-input', 'structure', buildModel(linearSpec(2, { inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }, { name: 'labels', dtype: 'int64', shape: ['batch'] }] })), ['E_MODEL_CONTRACT']));
  cases.push(model('renamed-input', 'structure', edit(lin, (m) => { m.graph!.input![0]!.name = 'X'; m.graph!.node![0]!.input![0] = 'X'; }), ['E_MODEL_CONTRACT']));
  cases.push(model('renamed-output', 'structure', edit(lin, (m) => { m.graph!.output![0]!.name = 'out'; m.graph!.node![2]!.output![0] = 'out'; }), ['E_MODEL_CONTRACT']));
  cases.push(model('raw-data-short', 'structure', edit(lin, (m) => { m.graph!.initializer![0]!.rawData = m.graph!.initializer![0]!.rawData!.subarray(0, 7); }), FORMAT));
  cases.push(model('raw-data-long', 'structure', edit(lin, (m) => { m.graph!.initializer![0]!.rawData = new Uint8Array(4096); }), FORMAT));
  cases.push(model('string-initializer-count', 'structure', edit(lin, (m) => { m.graph!.initializer!.push({ name: 's', dims: [3], dataType: 8, stringData: [Uint8Array.of(1)] }); }), FORMAT));

  // 9. IR versions and opsets.
  for (const ir of [0, 1, 2, 11, 99, -1]) cases.push(model(`ir-${ir}`, 'opset', edit(lin, (m) => { m.irVersion = ir; }), ['E_MODEL_OPSET']));
  for (const op of [1, 6, 22, 1000, -5, 0]) cases.push(model(`opset-${op}`, 'opset', edit(lin, (m) => { m.opsetImport = [{ domain: '', version: op }]; }), ['E_MODEL_OPSET']));
  cases.push(model('opset-missing', 'opset', edit(lin, (m) => { m.opsetImport = [{ domain: 'com.microsoft', version: 1 }]; }), ['E_MODEL_OPSET']));

  // 10. Archives.
  const ARCH: Outcome[] = ['E_SUBMISSION_ARCHIVE'];
  const arch = (name: string, bytes: Uint8Array, expect = ARCH) => cases.push({ name, family: 'archive', files: { 'submission.tar.gz': bytes }, entry: 'submission.tar.gz', expect });
  {
    // A ZIP bomb inside a tar: one stored entry of 16 MiB of zeros, deflated to a few KiB.
    const zipBomb = zipWithDeflatedZeros(16 << 20);
    arch('zip-bomb-in-tar', tar([{ name: 'model.onnx', data: base }, { name: 'weights.zip', data: zipBomb }]));
    arch('zip-bomb-as-tar-gz', gzipSync(tar([{ name: 'model.onnx', data: base }, { name: 'weights.zip', data: zipBomb }])));
    arch('gzip-bomb-tar', gzipSync(tar([{ name: 'model.onnx', data: base }, { name: 'pad.bin', data: new Uint8Array(32 << 20) }]), { level: 9 }));
    arch('tar-symlink', tar([{ name: 'model.onnx', data: base }, { name: 'w.bin', type: '2', linkname: '/etc/passwd' }]));
    arch('tar-hardlink', tar([{ name: 'model.onnx', data: base }, { name: 'w.bin', type: '1', linkname: '/etc/shadow' }]));
    arch('tar-dotdot', tar([{ name: 'model.onnx', data: base }, { name: '../../escape.bin', data: wBytes }]));
    arch('tar-absolute', tar([{ name: '/etc/cron.d/x', data: wBytes }, { name: 'model.onnx', data: base }]));
    arch('tar-fifo', tar([{ name: 'model.onnx', data: base }, { name: 'pipe', type: '6' }]));
    arch('tar-two-models', tar([{ name: 'a.onnx', data: base }, { name: 'b.onnx', data: base }]));
    arch('tar-no-model', tar([{ name: 'readme.txt', data: Buffer.from('hi') }]));
    arch('tar-truncated', tar([{ name: 'model.onnx', data: base }]).subarray(0, 600));
    arch('tar-size-lie', tar([{ name: 'model.onnx', data: base, declaredSize: 2 ** 33 }]));
    arch('tar-ok-external', tar([{ name: 'w.bin', data: wBytes }, { name: 'model.onnx', data: externalModel('w.bin') }]), ['ok']);
    arch('tar-model-escapes', tar([{ name: 'model.onnx', data: externalModel('../../../../etc/passwd') }]), ['E_MODEL_EXTERNAL_DATA']);
  }

  // 11. Statically valid models that misbehave at run time (caught by the sanity run).
  const SANITY: Outcome[] = ['E_MODEL_SANITY'];
  const runtime = (name: string, nodes: NodeSpec[], over: Partial<ModelSpec> = {}, expect = SANITY) => {
    const spec = linearSpec(2, over);
    spec.nodes = [...spec.nodes.slice(0, 2), ...nodes];
    spec.initializers = [...spec.initializers!, { name: 'one', dtype: 'float32', dims: [], data: Float32Array.of(1) }, { name: 'zero', dtype: 'float32', dims: [], data: Float32Array.of(0) }];
    cases.push(model(name, 'runtime', buildModel(spec), expect));
  };
  // The sanity run gives the code scoring would give the same fault (NaN/Inf: E_MODEL_OUTPUT; a
  // shape off the contract: E_MODEL_CONTRACT); only a constant output has a code of its own.
  const OUTPUT: Outcome[] = ['E_MODEL_OUTPUT'];
  const CONTRACT: Outcome[] = ['E_MODEL_CONTRACT'];
  runtime('nan-output', [{ op: 'Abs', inputs: ['logits'], outputs: ['a'] }, { op: 'Add', inputs: ['a', 'one'], outputs: ['b'] }, { op: 'Neg', inputs: ['b'], outputs: ['c'] }, { op: 'Sqrt', inputs: ['c'], outputs: ['probs'] }], {}, OUTPUT);
  runtime('inf-output', [{ op: 'Mul', inputs: ['logits', 'zero'], outputs: ['z'] }, { op: 'Reciprocal', inputs: ['z'], outputs: ['probs'] }], {}, OUTPUT);
  runtime('constant-output', [{ op: 'Mul', inputs: ['logits', 'zero'], outputs: ['z'] }, { op: 'Softmax', inputs: ['z'], outputs: ['probs'] }]);
  runtime('wrong-runtime-shape', [{ op: 'Concat', inputs: ['logits', 'logits'], outputs: ['probs'], attrs: { axis: 1 } }], { outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', 'k'] }] }, CONTRACT);
  runtime('wrong-runtime-batch', [{ op: 'Concat', inputs: ['logits', 'logits'], outputs: ['probs'], attrs: { axis: 0 } }], { outputs: [{ name: 'probs', dtype: 'float32', shape: ['n', 3] }] }, CONTRACT);
  runtime('reshape-fails', [{ op: 'Reshape', inputs: ['logits', 'bad'], outputs: ['probs'] }], {
    outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', 'k'] }],
    initializers: [...linearSpec().initializers!, { name: 'bad', dtype: 'int64', dims: [2], data: BigInt64Array.of(-1n, 7n) }],
  }, ['E_MODEL_RUNTIME']);
  // 12. Standard-operator edge cases that pass admission and reach onnxruntime: out-of-range
  // indices, absurd sizes, bad attributes. Any stable outcome is fine; a native crash is a finding.
  const i64 = (name: string, vals: bigint[]) => ({ name, dtype: 'int64' as const, dims: [vals.length], data: BigInt64Array.from(vals) });
  const edge = (name: string, nodes: NodeSpec[], inits: ReturnType<typeof i64>[] = []) => {
    const spec = linearSpec(2, { outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', 'k'] }] });
    spec.nodes = [...spec.nodes.slice(0, 2), ...nodes];
    spec.initializers = [...spec.initializers!, ...inits];
    cases.push(model(`edge-${name}`, 'op-edge', buildModel(spec)));
  };
  edge('gather-oob', [{ op: 'Gather', inputs: ['logits', 'idx'], outputs: ['probs'], attrs: { axis: 1 } }], [i64('idx', [5n])]);
  edge('gather-neg-oob', [{ op: 'Gather', inputs: ['logits', 'idx'], outputs: ['probs'], attrs: { axis: 1 } }], [i64('idx', [-10n])]);
  edge('gather-elements-oob', [{ op: 'GatherElements', inputs: ['logits', 'idx2'], outputs: ['probs'], attrs: { axis: 1 } }], [{ name: 'idx2', dtype: 'int64', dims: [1, 1], data: BigInt64Array.of(1n << 40n) }]);
  edge('scatter-oob', [{ op: 'ScatterElements', inputs: ['logits', 'sidx', 'upd'], outputs: ['probs'], attrs: { axis: 1 } }], [{ name: 'sidx', dtype: 'int64', dims: [1, 1], data: BigInt64Array.of(99n) }, { name: 'upd', dtype: 'float32', dims: [1, 1], data: Float32Array.of(1) } as never]);
  edge('topk-k-too-big', [{ op: 'TopK', inputs: ['logits', 'k'], outputs: ['probs', 'ix'] }], [i64('k', [10n])]);
  edge('slice-huge-steps', [{ op: 'Slice', inputs: ['logits', 'st', 'en', 'ax', 'sp'], outputs: ['probs'] }], [i64('st', [0n]), i64('en', [1n << 62n]), i64('ax', [1n]), i64('sp', [1n << 62n])]);
  edge('tile-2^31', [{ op: 'Tile', inputs: ['logits', 'rep'], outputs: ['probs'] }], [i64('rep', [1n, 1n << 31n])]);
  edge('pad-2^40', [{ op: 'Pad', inputs: ['logits', 'pads'], outputs: ['probs'] }], [i64('pads', [0n, 0n, 0n, 1n << 40n])]);
  edge('pad-negative', [{ op: 'Pad', inputs: ['logits', 'pads'], outputs: ['probs'] }], [i64('pads', [0n, -10n, 0n, -10n])]);
  edge('range-2^40', [{ op: 'Range', inputs: ['r0', 'r1', 'r2'], outputs: ['probs'] }], [{ name: 'r0', dtype: 'float32', dims: [], data: Float32Array.of(0) } as never, { name: 'r1', dtype: 'float32', dims: [], data: Float32Array.of(2 ** 40) } as never, { name: 'r2', dtype: 'float32', dims: [], data: Float32Array.of(1) } as never]);
  edge('reshape-zero-dim', [{ op: 'Reshape', inputs: ['logits', 'shp'], outputs: ['probs'] }], [i64('shp', [0n, -1n, 0n])]);
  edge('reshape-two-minus-one', [{ op: 'Reshape', inputs: ['logits', 'shp'], outputs: ['probs'] }], [i64('shp', [-1n, -1n])]);
  edge('split-bad-sizes', [{ op: 'Split', inputs: ['logits', 'spl'], outputs: ['probs', 'rest'], attrs: { axis: 1 } }], [i64('spl', [5n, 5n])]);
  edge('cumsum-axis-oob', [{ op: 'CumSum', inputs: ['logits', 'cax'], outputs: ['probs'] }], [{ name: 'cax', dtype: 'int64', dims: [], data: BigInt64Array.of(7n) }]);
  edge('transpose-bad-perm', [{ op: 'Transpose', inputs: ['logits'], outputs: ['probs'], attrs: { perm: [0, 0] } }]);
  edge('softmax-axis-oob', [{ op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: 9 } }]);
  edge('einsum-bad-equation', [{ op: 'Einsum', inputs: ['logits'], outputs: ['probs'], attrs: { equation: 'ij,jk->ik' } }]);
  edge('onehot-depth-2^40', [{ op: 'Cast', inputs: ['logits'], outputs: ['li'], attrs: { to: 7 } }, { op: 'OneHot', inputs: ['li', 'depth', 'ohv'], outputs: ['probs'] }], [i64('depth', [1n << 40n]), { name: 'ohv', dtype: 'float32', dims: [2], data: Float32Array.of(0, 1) } as never]);
  edge('conv-on-rank2', [{ op: 'Conv', inputs: ['logits', 'W'], outputs: ['probs'] }]);
  edge('expand-incompatible', [{ op: 'Expand', inputs: ['logits', 'eshape'], outputs: ['probs'] }], [i64('eshape', [7n, 5n])]);
  edge('maxpool-huge-kernel', [{ op: 'Unsqueeze', inputs: ['logits', 'uax'], outputs: ['l3'] }, { op: 'MaxPool', inputs: ['l3'], outputs: ['probs'], attrs: { kernel_shape: [1 << 30] } }], [i64('uax', [1n])]);
  edge('resize-huge-scale', [{ op: 'Resize', inputs: ['logits', '', 'scales'], outputs: ['probs'] }], [{ name: 'scales', dtype: 'float32', dims: [2], data: Float32Array.of(1, 1e9) } as never]);

  runtime('good-control', [{ op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } }], {}, ['ok']);
  return cases;
}

/** A one-entry ZIP whose entry inflates to `size` zero bytes (deflate-compressed; a classic bomb). */
function zipWithDeflatedZeros(size: number): Uint8Array {
  const data = deflateRawSync(Buffer.alloc(size), { level: 9 });
  const crc = crc32zeros(size);
  const name = Buffer.from('weights.bin');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(size, 22); local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(size, 24); central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  const cdOffset = local.length + name.length + data.length;
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12); end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}


function crc32zeros(n: number): number {
  let c = 0xffffffff;
  const table = new Int32Array(256).map((_, i) => { let x = i; for (let k = 0; k < 8; k++) x = x & 1 ? 0xedb88320 ^ (x >>> 1) : x >>> 1; return x; });
  for (let i = 0; i < n; i++) c = table[c & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
