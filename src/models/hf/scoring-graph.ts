// The scoring graph of a causal LM: the submitted ONNX graph plus a few nodes that compute, inside
// onnxruntime, the float64 log-probability of given target tokens at given positions. The full
// logits [batch, seq, vocab] stay in the runtime; a forward hands back one float64 per scored token.
//
// Added nodes (names prefixed arbiter_score_, so they cannot collide with a submission's):
//   rows   = Gather(Flatten(logits, axis 2), positions, axis 0)   [n, V] float32  (only scored positions;
//            elementwise ops at the end of the graph, e.g. a bias or a vocabulary Gather, are moved after it)
//   rows64 = Cast(rows, double)                                    [n, V] float64
//   lse    = ReduceLogSumExp(rows64, axis 1, keepdims)             [n, 1]
//   tl     = GatherElements(rows64, targets, axis 1)               [n, 1]
//   logprobs = tl - lse                                            [n, 1] float64 (the only output)
// positions are flat indices b * seq + j into the batch, targets the token each position predicts.
// This is the float64 log-sum-exp over float32 logits the JS path computed (src/tasks/lm/nll.ts), in
// the runtime's summation order instead of a left-to-right loop (agreement pinned in tests to 1e-12).
//
// The derived graph is written once per submission content into a cache folder (never into the
// submission), keyed by the sha256 of onnx/model.onnx and SCORING_GRAPH_VERSION. External data
// files are not copied: the session is created from the derived bytes and told to read them from
// the submission's onnx/ folder (load.ts).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { ArbiterError } from '../../errors.ts';
import { decodeModel, encodeModel, ONNX_DTYPE, type OnnxAttribute, type OnnxGraph, type OnnxModel, type OnnxNode } from '../onnx/proto.ts';

/** Bump when the added nodes change: it is part of the cache key. */
export const SCORING_GRAPH_VERSION = 2;
export const POSITIONS_INPUT = 'arbiter_score_positions';
export const TARGETS_INPUT = 'arbiter_score_targets';
export const LOGPROBS_OUTPUT = 'arbiter_score_logprobs';

/** Default-domain opset the graph imports (0 when none). */
function defaultOpset(model: OnnxModel): number {
  return (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0;
}

const ints = (name: string, v: number[]): OnnxAttribute => ({ name, type: 7, ints: v });
const int = (name: string, v: number): OnnxAttribute => ({ name, type: 2, i: v });

/**
 * The declared vocabulary size of the graph's logits (null when symbolic). Throws E_MODEL_CONTRACT
 * when the graph has no float32 `logits` output of rank 3 (an undeclared shape is accepted: the
 * runtime checks it on the first batch).
 */
export function checkLogitsOutput(model: OnnxModel): { vocab: number | null } {
  const outs = model.graph?.output ?? [];
  const out = outs.find((o) => o.name === 'logits');
  if (!out) throw new ArbiterError('E_MODEL_CONTRACT', `a causal LM graph must have an output named "logits"; found outputs: ${outs.map((o) => o.name).join(', ') || 'none'}`);
  const tt = out.type?.tensorType;
  if (tt?.elemType !== undefined && tt.elemType !== ONNX_DTYPE.float32) {
    throw new ArbiterError('E_MODEL_CONTRACT', `expected the causal LM output "logits" to be float32, found ONNX element type ${tt.elemType}`);
  }
  const dims = tt?.shape?.dim;
  if (dims !== undefined && dims.length !== 3) {
    throw new ArbiterError('E_MODEL_CONTRACT', `expected the causal LM output logits [batch, seq, vocab] (rank 3), found rank ${dims.length}`);
  }
  const v = dims?.[2]?.dimValue;
  return { vocab: typeof v === 'number' && v > 0 ? v : null };
}

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div']);
const UNARY = new Set(['Tanh', 'Relu', 'Sigmoid', 'Neg', 'Identity', 'Cast', 'Softplus', 'Erf']);

/**
 * The tail of the graph that acts on each (batch, position) row on its own, element by element:
 * starting at `logits`, walk back through elementwise ops with an initializer of rank <= 1 (a bias,
 * a logit scale or soft-cap), unary ops and Gather along the last axis with initializer indices.
 * Returns the nodes in execution order and the tensor that feeds the first of them. Selecting the
 * scored rows before these nodes computes bit-identical row values for n rows instead of batch x seq.
 */
function rowwiseTail(g: NonNullable<OnnxModel['graph']>): { source: string; chain: OnnxNode[] } {
  const producer = new Map<string, OnnxNode>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producer.set(o, n);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  // a rank-2 weight: an initializer, or Transpose(perm 1,0) of one (tied input embeddings)
  const constantMatrix = (name: string): boolean => {
    const t = inits.get(name);
    if (t) return (t.dims ?? []).length === 2;
    const n = producer.get(name);
    if (!n || n.opType !== 'Transpose' || (n.domain && n.domain !== 'ai.onnx') || (n.input ?? []).length !== 1) return false;
    const perm = n.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
    const src = inits.get(n.input![0]!);
    return !!src && (src.dims ?? []).length === 2 && (perm === undefined || (perm[0] === 1 && perm[1] === 0));
  };
  const chain: OnnxNode[] = [];
  let cur = 'logits';
  for (;;) {
    const n = producer.get(cur);
    if (!n || (n.domain && n.domain !== 'ai.onnx') || (n.output ?? []).length !== 1) break;
    const ins = n.input ?? [];
    const op = n.opType ?? '';
    let next: string | null = null;
    if (op === 'MatMul' && ins.length === 2 && constantMatrix(ins[1]!) && !constantMatrix(ins[0]!)) {
      // the LM head: x [batch, seq, H] times a constant [H, V] acts on each row on its own
      next = ins[0]!;
    } else if (ELEMENTWISE.has(op) && ins.length === 2) {
      const [a, b] = ins as [string, string];
      if (inits.has(b) && !inits.has(a) && (inits.get(b)!.dims ?? []).length <= 1) next = a;
      else if (inits.has(a) && !inits.has(b) && (inits.get(a)!.dims ?? []).length <= 1) next = b;
    } else if (UNARY.has(op) && ins.length === 1) next = ins[0]!;
    else if (op === 'Gather' && ins.length === 2 && inits.has(ins[1]!) && !inits.has(ins[0]!)) {
      const axis = n.attribute?.find((a) => a.name === 'axis')?.i ?? 0;
      const idxRank = (inits.get(ins[1]!)!.dims ?? []).length;
      if ((axis === 2 || axis === -1) && idxRank === 1) next = ins[0]!;
    }
    if (next === null || (g.input ?? []).some((i) => i.name === next)) break;
    chain.unshift(n);
    // nothing before the head is walked: onnxruntime fuses the final norm (e.g. RMSNorm into
    // SimplifiedLayerNormalization) only while its nodes stay together, and moving its last Mul
    // after the selection changed logits by ~5e-8 relative on a Qwen3-shaped graph (measured)
    if (op === 'MatMul') { cur = next; break; }
    // tensors on the way that other nodes also read are not changed: the tail is copied, not moved
    cur = next;
  }
  return { source: cur, chain };
}

/** Names a node reads, including the outer-scope names its subgraphs (If / Loop / Scan bodies) read. */
function readsOf(n: OnnxNode): string[] {
  const out = [...(n.input ?? [])];
  const walk = (g: OnnxGraph | undefined) => { for (const m of g?.node ?? []) out.push(...readsOf(m)); };
  for (const a of n.attribute ?? []) { walk(a.g); for (const sg of a.graphs ?? []) walk(sg); }
  return out;
}

/** The scoring graph of a decoded causal LM (pure: the input object is not modified). */
export function scoringGraphOf(model: OnnxModel): OnnxModel {
  checkLogitsOutput(model);
  const opset = defaultOpset(model);
  if (opset < 11) throw new ArbiterError('E_MODEL_CONTRACT', `scoring a causal LM needs a graph importing default-domain opset 11 or later (GatherElements), found ${opset || 'none'}`);
  const g = model.graph!;
  const p = 'arbiter_score_';
  const { source, chain } = rowwiseTail(g);
  const nodes: OnnxNode[] = [
    { name: `${p}flatten`, opType: 'Flatten', input: [source], output: [`${p}flat`], attribute: [int('axis', 2)] },
    { name: `${p}gather_rows`, opType: 'Gather', input: [`${p}flat`, POSITIONS_INPUT], output: [`${p}rows_in`], attribute: [int('axis', 0)] },
  ];
  // the row-wise tail again, on the selected rows only ([n, ...] instead of [batch, seq, ...])
  let cur = `${p}rows_in`;
  let prev = source;
  chain.forEach((n, k) => {
    const out = `${p}tail${k}`;
    if (n.opType === 'Gather') {
      // Gather along the vocabulary (axis 2 of [b, s, C], the last axis of [n, C]) as Gather along
      // axis 0 of the transposed rows: the same values moved, but n contiguous floats per index
      // instead of one, 3-4x faster over a 151,669-entry vocabulary (docs/language-models.md §7)
      nodes.push(
        { name: `${p}tail${k}_t_in`, opType: 'Transpose', input: [cur], output: [`${out}_t_in`], attribute: [ints('perm', [1, 0])] },
        { name: `${p}tail${k}_Gather`, opType: 'Gather', input: [`${out}_t_in`, n.input![1]!], output: [`${out}_t`], attribute: [int('axis', 0)] },
        { name: `${p}tail${k}_t_out`, opType: 'Transpose', input: [`${out}_t`], output: [out], attribute: [ints('perm', [1, 0])] },
      );
    } else {
      nodes.push({ ...n, name: `${p}tail${k}_${n.opType}`, input: (n.input ?? []).map((i) => (i === prev ? cur : i)), output: [out] });
    }
    prev = (n.output ?? [])[0]!;
    cur = out;
  });
  nodes.push({ name: `${p}cast`, opType: 'Cast', input: [cur], output: [`${p}rows64`], attribute: [int('to', ONNX_DTYPE.float64)] });
  const initializer = [...(g.initializer ?? [])];
  if (opset >= 18) {
    initializer.push({ name: `${p}axis1`, dims: [1], dataType: ONNX_DTYPE.int64, int64Data: [1] });
    nodes.push({ name: `${p}lse`, opType: 'ReduceLogSumExp', input: [`${p}rows64`, `${p}axis1`], output: [`${p}lse`], attribute: [int('keepdims', 1)] });
  } else {
    nodes.push({ name: `${p}lse`, opType: 'ReduceLogSumExp', input: [`${p}rows64`], output: [`${p}lse`], attribute: [ints('axes', [1]), int('keepdims', 1)] });
  }
  nodes.push(
    { name: `${p}gather_target`, opType: 'GatherElements', input: [`${p}rows64`, TARGETS_INPUT], output: [`${p}target_logit`], attribute: [int('axis', 1)] },
    { name: `${p}sub`, opType: 'Sub', input: [`${p}target_logit`, `${p}lse`], output: [LOGPROBS_OUTPUT] },
  );
  // keep only what the log-probabilities need (the full logits among what goes)
  const all = [...(g.node ?? []), ...nodes];
  const needed = new Set<string>([LOGPROBS_OUTPUT]);
  const kept: OnnxNode[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const n = all[i]!;
    if (!(n.output ?? []).some((o) => needed.has(o))) continue;
    kept.unshift(n);
    for (const r of readsOf(n)) needed.add(r);
  }
  const initNames = new Set(initializer.map((t) => t.name ?? ''));
  const i64 = (name: string, shape: Array<string | number>) => ({
    name, type: { tensorType: { elemType: ONNX_DTYPE.int64, shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
  return {
    ...model,
    graph: {
      ...g,
      node: kept,
      initializer: initializer.filter((t) => needed.has(t.name ?? '')),
      // graph inputs stay as declared (a pruned one is still fed, and simply unused), except
      // initializers listed as inputs (IR < 4 style) whose initializer was pruned
      input: [...(g.input ?? []).filter((i) => !initNames.has(i.name ?? '') || needed.has(i.name ?? '')), i64(POSITIONS_INPUT, ['arbiter_n']), i64(TARGETS_INPUT, ['arbiter_n', 1])],
      output: [{ name: LOGPROBS_OUTPUT, type: { tensorType: { elemType: ONNX_DTYPE.float64, shape: { dim: [{ dimParam: 'arbiter_n' }, { dimValue: 1 }] } } } }],
      valueInfo: (g.valueInfo ?? []).filter((v) => needed.has(v.name ?? '')),
    },
  };
}

/** Where derived graphs are cached: $ARBITER_CACHE_DIR/scoring-graphs, else <tmpdir>/arbiter-cache/scoring-graphs. */
export function scoringCacheDir(): string {
  const base = process.env.ARBITER_CACHE_DIR ?? path.join(os.tmpdir(), 'arbiter-cache');
  return path.join(base, 'scoring-graphs');
}

export interface ScoringGraphFile {
  /** path of the derived model.onnx in the cache (its external data, if any, stays in the submission's onnx/) */
  path: string;
  /** declared vocabulary size of the logits, null when symbolic */
  vocab: number | null;
  /** whether the graph keeps weights in external data files (in the submission's onnx/) */
  externalData: boolean;
  /** the submitted graph's inputs (name, ONNX element type, declared dims) */
  inputs: Array<{ name: string; elemType: number; dims: Array<number | string | null> }>;
}

/**
 * Derive (or find in the cache) the scoring graph of a model folder's onnx/model.onnx. The folder
 * is only read. Throws E_MODEL_FORMAT for a file that does not decode, E_MODEL_CONTRACT for a graph
 * that cannot be extended.
 */
export function scoringGraphFile(folder: string, cacheDir = scoringCacheDir(), decoded?: OnnxModel): ScoringGraphFile {
  const onnxDir = path.join(folder, 'onnx');
  const bytes = readFileSync(path.join(onnxDir, 'model.onnx'));
  let model: OnnxModel;
  // the caller may pass the graph it already decoded from these bytes (one decode of a large model, not two)
  try { model = decoded ?? decodeModel(bytes); } catch (e) {
    throw new ArbiterError('E_MODEL_FORMAT', `onnx/model.onnx is not an ONNX ModelProto: ${(e as Error).message}`, { file: 'onnx/model.onnx' });
  }
  const { vocab } = checkLogitsOutput(model);
  const inputs = (model.graph?.input ?? []).filter((i) => !(model.graph?.initializer ?? []).some((t) => t.name === i.name)).map((i) => ({
    name: i.name ?? '',
    elemType: i.type?.tensorType?.elemType ?? 0,
    dims: (i.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimValue ?? d.dimParam ?? null),
  }));
  const hash = createHash('sha256').update(bytes).digest('hex');
  const dir = path.join(cacheDir, `${hash}-v${SCORING_GRAPH_VERSION}`);
  const file = path.join(dir, 'model.onnx');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    // another worker may derive the same graph at the same time: write aside, then rename (atomic)
    const tmp = `${file}.${process.pid}-${threadId}.tmp`;
    writeFileSync(tmp, encodeModel(scoringGraphOf(model)));
    renameSync(tmp, file);
  }
  return { path: file, vocab, inputs, externalData: (model.graph?.initializer ?? []).some((t) => t.dataLocation === 1) };
}
