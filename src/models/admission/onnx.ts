// Static admission of an ONNX submission, before any native code sees its bytes: size, protobuf
// structure, IR version and opsets, operator allowlist, graph well-formedness (undefined inputs,
// cycles, SSA), the contract, stored tensor consistency, parameter count, external data, and the
// hashes used for duplicate detection. Every refusal is a stable code with expected vs found.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ErrorCode, type ErrorData } from '../../errors.ts';
import { decodeModel, dtypeName, ONNX_DTYPE, type OnnxGraph, type OnnxModel, type OnnxValueInfo } from '../onnx/proto.ts';
import { externalRef, readSlice, resolveInside, unsafeLocation } from './external.ts';
import { NONDETERMINISTIC_OPS, STANDARD_DOMAINS, STANDARD_OPS } from './ops.ts';
import type { AdmissionRules, ModelContract, TensorContract } from './schema.ts';
import {
  canonicalTensorBytes, dataMismatch, elementCount, expectedRawBytes, isExternal, knownDtype, storedTensors, tensorContentHash, weightsHash,
} from './tensors.ts';

export interface AdmissionInfo {
  /** sha256 of the .onnx bytes (hex). */
  sha256: string;
  /** Hash of the sorted content hashes of every stored tensor (names and graph ignored). */
  weightsHash: string;
  paramCount: number;
  /** Imported opsets, domain ('' for the default domain) -> version, sorted by domain. */
  opsets: Record<string, number>;
  irVersion: number;
  /** Operators used, sorted: `Op` for the standard domain, `domain:Op` otherwise. */
  ops: string[];
  nodeCount: number;
  bytes: number;
  /** External data files the model reads (relative to the submission folder), sorted. */
  externalFiles: string[];
  externalBytes: number;
}

export type AdmissionResult = { ok: true; info: AdmissionInfo } | { ok: false; error: ErrorData };

export interface AdmitOptions {
  /** Submission folder that external data must stay inside. Default: the model file's folder; none for bytes. */
  folder?: string;
  /** Name used in messages (default: the path, or 'submission'). */
  name?: string;
}

class Refusal extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: Record<string, unknown>) { super(message); }
}
const refuse = (code: ErrorCode, message: string, details?: Record<string, unknown>): never => { throw new Refusal(code, message, details); };

const fmtBytes = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB (${n} bytes)` : `${n} bytes`);

/** Read at most `limit + 1` bytes of a file, so an oversized file is refused without loading it. */
function readCapped(path: string, limit: number, name: string): Uint8Array {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (e) {
    return refuse('E_SUBMISSION_NOT_FOUND', `${name}: cannot open the model file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) refuse('E_SUBMISSION_NOT_FOUND', `${name} is not a regular file`);
    if (st.size > limit) refuse('E_MODEL_TOO_LARGE', `${name} is ${fmtBytes(st.size)}: the benchmark allows at most ${fmtBytes(limit)}`, { bytes: st.size, maxBytes: limit });
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally { closeSync(fd); }
}

/**
 * Admit an ONNX model (bytes, or a path whose folder is the submission folder). Never throws for
 * anything in the model: every problem is `{ ok: false, error }`.
 */
export async function admitOnnx(model: Uint8Array | string, rules: AdmissionRules, contract: ModelContract, opts: AdmitOptions = {}): Promise<AdmissionResult> {
  try {
    return { ok: true, info: admitSync(model, rules, contract, opts) };
  } catch (e) {
    if (e instanceof Refusal) {
      return { ok: false, error: e.details ? { code: e.code, message: e.message, details: e.details } : { code: e.code, message: e.message } };
    }
    // Anything else is a bug in admission, but it must not take the job down either.
    return { ok: false, error: { code: 'E_INTERNAL', message: `admission failed unexpectedly: ${(e as Error)?.message ?? String(e)}` } };
  }
}

function admitSync(input: Uint8Array | string, rules: AdmissionRules, contract: ModelContract, opts: AdmitOptions): AdmissionInfo {
  const name = opts.name ?? (typeof input === 'string' ? input : 'submission');
  const folder = opts.folder ?? (typeof input === 'string' ? dirname(input) : undefined);
  const bytes = typeof input === 'string' ? readCapped(input, rules.maxBytes, name) : input;

  // 1. Size.
  if (bytes.length > rules.maxBytes) refuse('E_MODEL_TOO_LARGE', `${name} is ${fmtBytes(bytes.length)}: the benchmark allows at most ${fmtBytes(rules.maxBytes)}`, { bytes: bytes.length, maxBytes: rules.maxBytes });
  if (bytes.length === 0) refuse('E_MODEL_FORMAT', `${name} is empty: expected an ONNX ModelProto`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  // 2. Protobuf structure (pure JS: nothing native has seen the bytes yet).
  let model: OnnxModel;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    const why = e instanceof RangeError ? 'nesting too deep or a length past the end of the file' : (e as Error).message;
    return refuse('E_MODEL_FORMAT', `${name} is not a valid ONNX protobuf: ${why.slice(0, 200)}`);
  }
  const graph = model.graph;
  if (!graph || !(graph.node?.length || graph.output?.length)) refuse('E_MODEL_FORMAT', `${name} has no graph: expected an ONNX ModelProto with a graph, found ${graph ? 'an empty graph' : 'no graph field'}`);

  // 3. IR version and opsets.
  const ir = model.irVersion ?? 0;
  if (!rules.irVersions.includes(ir)) refuse('E_MODEL_OPSET', `${name} has ONNX IR version ${ir}: the benchmark allows IR versions [${rules.irVersions.join(', ')}]`, { irVersion: ir });
  const opsets = new Map<string, number>();
  for (const o of model.opsetImport ?? []) {
    const d = o.domain === 'ai.onnx' ? '' : (o.domain ?? '');
    if (opsets.has(d)) refuse('E_MODEL_FORMAT', `${name} imports the opset of domain '${d}' twice`);
    opsets.set(d, o.version ?? 0);
  }
  const defaultOpset = opsets.get('');
  if (defaultOpset === undefined) refuse('E_MODEL_OPSET', `${name} imports no default ONNX opset: expected one between ${rules.allowedOpsets.min} and ${rules.allowedOpsets.max}`);
  else if (defaultOpset < rules.allowedOpsets.min || defaultOpset > rules.allowedOpsets.max) {
    refuse('E_MODEL_OPSET', `${name} uses ONNX opset ${defaultOpset}: the benchmark allows opsets ${rules.allowedOpsets.min} to ${rules.allowedOpsets.max}`, { opset: defaultOpset });
  }

  // 4. Operators (every node, subgraphs included) and graph size.
  if ((model.functions?.length ?? 0) > 0) refuse('E_MODEL_OPERATOR', `${name} defines ${model.functions!.length} model-local functions: the benchmark allows standard operators only, no function definitions`);
  const ops = new Set<string>();
  let nodeCount = 0;
  const allow = rules.opAllowlist;
  const visitOps = (g: OnnxGraph, depth: number): void => {
    if (depth > rules.maxGraphDepth) refuse('E_MODEL_FORMAT', `${name} nests subgraphs ${depth} deep: the benchmark allows at most ${rules.maxGraphDepth}`);
    for (const n of g.node ?? []) {
      nodeCount++;
      if (nodeCount > rules.maxNodes) refuse('E_MODEL_FORMAT', `${name} has more than ${rules.maxNodes} nodes: the benchmark allows at most ${rules.maxNodes}`);
      const domain = n.domain === 'ai.onnx' ? '' : (n.domain ?? '');
      const op = n.opType ?? '';
      const key = domain === '' ? op : `${domain}:${op}`;
      const allowed = allow
        ? allow.includes(key) || allow.includes(`${domain}:*`) || (domain === '' && allow.includes(`ai.onnx:${op}`))
        : STANDARD_DOMAINS.has(domain) && STANDARD_OPS.has(op) && !NONDETERMINISTIC_OPS.has(op);
      if (!allowed) {
        const what = allow ? `the benchmark's allowlist [${allow.slice(0, 20).join(', ')}${allow.length > 20 ? ', ...' : ''}]`
          : NONDETERMINISTIC_OPS.has(op) && domain === '' ? 'deterministic standard ONNX operators (random generators are refused)'
          : 'standard ONNX operators of the default domain only';
        refuse('E_MODEL_OPERATOR', `${name} uses operator '${key.slice(0, 120)}' (node '${(n.name ?? '').slice(0, 80)}'): the benchmark allows ${what}`, { op: key.slice(0, 120) });
      }
      if (domain !== '' && !opsets.has(domain)) refuse('E_MODEL_FORMAT', `${name} uses domain '${domain}' without importing its opset`);
      ops.add(key);
      for (const a of n.attribute ?? []) {
        if (a.g) visitOps(a.g, depth + 1);
        for (const sg of a.graphs ?? []) visitOps(sg, depth + 1);
      }
    }
  };
  visitOps(graph!, 0);

  // 5. Well-formed graph: inputs defined before use (which also rules out cycles), one producer per value.
  checkGraph(graph!, new Set(), name, 0);

  // 6. Contract.
  checkContract(graph!, contract, name);

  // 7. Stored tensors: dims and dtype, parameter count, data consistency.
  const tensors = storedTensors(model);
  let params = 0;
  const counts: number[] = [];
  for (const { tensor, where } of tensors) {
    if (!knownDtype(tensor.dataType)) refuse('E_MODEL_FORMAT', `${name}: ${where.slice(0, 120)} has unknown element type ${tensor.dataType ?? 'none'}`);
    const c = elementCount(tensor.dims);
    if (typeof c === 'string') refuse('E_MODEL_FORMAT', `${name}: ${where.slice(0, 120)} has invalid dims: ${c.slice(0, 160)}`);
    counts.push(c as number);
    params += c as number;
  }
  if (rules.maxParams !== undefined && params > rules.maxParams) {
    refuse('E_MODEL_PARAMS', `${name} has ${params} parameters: the benchmark allows at most ${rules.maxParams}`, { paramCount: params, maxParams: rules.maxParams });
  }
  const hashes: string[] = [];
  const externalFiles = new Set<string>();
  let externalBytes = 0;
  tensors.forEach(({ tensor, where }, i) => {
    const count = counts[i]!;
    let data: Uint8Array | null;
    if (isExternal(tensor)) {
      const ext = readExternal(tensor, count, where, name, folder, rules, externalBytes);
      data = ext.data;
      externalBytes += ext.data.length;
      externalFiles.add(ext.location);
    } else {
      const bad = dataMismatch(tensor, count);
      if (bad) refuse('E_MODEL_FORMAT', `${name}: ${where.slice(0, 120)} ${bad}`);
      data = canonicalTensorBytes(tensor);
    }
    hashes.push(tensorContentHash(tensor, data ?? new Uint8Array()));
  });

  return {
    sha256, weightsHash: weightsHash(hashes), paramCount: params,
    opsets: Object.fromEntries([...opsets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    irVersion: ir, ops: [...ops].sort(), nodeCount, bytes: bytes.length,
    externalFiles: [...externalFiles].sort(), externalBytes,
  };
}

function readExternal(t: Parameters<typeof externalRef>[0], count: number, where: string, name: string, folder: string | undefined, rules: AdmissionRules, usedSoFar: number): { data: Uint8Array; location: string } {
  const ref = externalRef(t);
  const w = where.slice(0, 120);
  if (typeof ref === 'string') return refuse('E_MODEL_EXTERNAL_DATA', `${name}: ${w}: ${ref}`);
  // Control characters (a NUL that truncates C strings, terminal escapes) are shown escaped.
  const loc = JSON.stringify(ref.location.slice(0, 200)).slice(1, -1);
  const unsafe = unsafeLocation(ref.location);
  if (unsafe) return refuse('E_MODEL_EXTERNAL_DATA', `${name}: ${w} reads external data from '${loc}', which ${unsafe}: external data must be a relative path inside the submission folder`, { location: loc });
  if (rules.maxExternalBytes === 0) return refuse('E_MODEL_EXTERNAL_DATA', `${name}: ${w} stores its data in external file '${loc}': the benchmark allows no external data (maxExternalBytes is 0)`, { location: loc });
  if (folder === undefined) return refuse('E_MODEL_EXTERNAL_DATA', `${name}: ${w} stores its data in external file '${loc}', but the submission was given as bytes without a folder`);
  const resolved = resolveInside(folder, ref.location);
  if (typeof resolved === 'string') return refuse('E_MODEL_EXTERNAL_DATA', `${name}: ${w} reads external data from '${loc}', which ${resolved}: external data must be a regular file inside the submission folder`, { location: loc });
  const want = expectedRawBytes(t, count);
  const length = ref.length ?? resolved.size - ref.offset;
  if (length !== want) return refuse('E_MODEL_EXTERNAL_DATA', `${name}: ${w} declares ${count} elements (${want} bytes) but its external data length is ${length} bytes`, { location: loc });
  if (ref.offset + length > resolved.size) return refuse('E_MODEL_EXTERNAL_DATA', `${name}: ${w} reads bytes ${ref.offset}..${ref.offset + length} of '${loc}', which has only ${resolved.size} bytes`, { location: loc });
  if (usedSoFar + length > rules.maxExternalBytes) return refuse('E_MODEL_EXTERNAL_DATA', `${name}: external data totals more than ${fmtBytes(rules.maxExternalBytes)}, the benchmark's limit`, { maxExternalBytes: rules.maxExternalBytes });
  return { data: readSlice(resolved.path, ref.offset, length), location: ref.location };
}

function checkGraph(g: OnnxGraph, outer: ReadonlySet<string>, name: string, depth: number): void {
  const defined = new Set<string>(outer);
  const produced = new Set<string>();
  const where = depth === 0 ? 'the main graph' : `subgraph '${(g.name ?? '').slice(0, 60)}'`;
  for (const v of g.input ?? []) defined.add(v.name ?? '');
  for (const t of g.initializer ?? []) defined.add(t.name ?? '');
  for (const s of (g.sparseInitializer ?? []) as Array<{ values?: { name?: string } }>) defined.add(s.values?.name ?? '');
  for (const n of g.node ?? []) {
    for (const inp of n.input ?? []) {
      if (inp !== '' && !defined.has(inp)) {
        refuse('E_MODEL_FORMAT', `${name}: node '${(n.name ?? '').slice(0, 80)}' in ${where} reads '${inp.slice(0, 80)}' before any node produces it: expected a topologically sorted graph without cycles or undefined values`);
      }
    }
    for (const a of n.attribute ?? []) {
      if (a.g) checkGraph(a.g, defined, name, depth + 1);
      for (const sg of a.graphs ?? []) checkGraph(sg, defined, name, depth + 1);
    }
    for (const out of n.output ?? []) {
      if (out === '') continue;
      if (produced.has(out) || (defined.has(out) && !outer.has(out))) {
        refuse('E_MODEL_FORMAT', `${name}: value '${out.slice(0, 80)}' in ${where} is produced twice: expected each value to have one producer`);
      }
      produced.add(out);
      defined.add(out);
    }
  }
  for (const o of g.output ?? []) {
    if (!defined.has(o.name ?? '')) refuse('E_MODEL_FORMAT', `${name}: output '${(o.name ?? '').slice(0, 80)}' of ${where} is never produced`);
  }
}

const fmtShape = (s: ReadonlyArray<number | string>): string => `[${s.map((d) => (typeof d === 'string' ? d : String(d))).join(', ')}]`;

function modelTensor(v: OnnxValueInfo): { dtype: string; shape: Array<number | string> | undefined } {
  const tt = v.type?.tensorType;
  const dims = tt?.shape?.dim;
  return {
    dtype: tt ? dtypeName(tt.elemType ?? 0) : 'non-tensor',
    shape: dims ? dims.map((d) => (d.dimValue !== undefined ? d.dimValue : d.dimParam ?? '?')) : undefined,
  };
}

function checkTensor(kind: 'input' | 'output', want: TensorContract, have: OnnxValueInfo, name: string): void {
  const m = modelTensor(have);
  const wantCode = ONNX_DTYPE[want.dtype as keyof typeof ONNX_DTYPE];
  if (m.dtype !== want.dtype && dtypeName(wantCode) !== m.dtype) {
    refuse('E_MODEL_CONTRACT', `${name}: ${kind} '${want.name}' has type ${m.dtype}: the contract expects ${want.dtype}`);
  }
  if (!m.shape) return; // no declared shape: checked by the sanity run
  if (m.shape.length !== want.shape.length) {
    refuse('E_MODEL_CONTRACT', `${name}: ${kind} '${want.name}' has shape ${fmtShape(m.shape).slice(0, 120)} (rank ${m.shape.length}): the contract expects ${fmtShape(want.shape)} (rank ${want.shape.length})`);
  }
  want.shape.forEach((wd, i) => {
    const md = m.shape![i]!;
    // A fixed model dim must equal a fixed contract dim; a symbolic contract dim (e.g. batch) must be symbolic in the model too.
    if (typeof md === 'number' && md !== wd) {
      refuse('E_MODEL_CONTRACT', `${name}: ${kind} '${want.name}' has shape ${fmtShape(m.shape!).slice(0, 120)}: the contract expects ${fmtShape(want.shape)} (dim ${i} is ${md}, expected ${wd})`);
    }
  });
}

function checkContract(g: OnnxGraph, contract: ModelContract, name: string): void {
  const inits = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  const inputs = new Map((g.input ?? []).filter((v) => !inits.has(v.name ?? '')).map((v) => [v.name ?? '', v]));
  const outputs = new Map((g.output ?? []).map((v) => [v.name ?? '', v]));
  for (const want of contract.inputs) {
    const have = inputs.get(want.name);
    if (!have) refuse('E_MODEL_CONTRACT', `${name} has no input '${want.name}': the contract expects inputs [${contract.inputs.map((i) => i.name).join(', ')}], the model has [${[...inputs.keys()].slice(0, 20).join(', ')}]`);
    checkTensor('input', want, have!, name);
  }
  const extra = [...inputs.keys()].filter((k) => !contract.inputs.some((i) => i.name === k));
  if (extra.length > 0) refuse('E_MODEL_CONTRACT', `${name} requires inputs the contract does not provide: [${extra.slice(0, 10).map((s) => s.slice(0, 60)).join(', ')}]; the contract provides [${contract.inputs.map((i) => i.name).join(', ')}]`);
  for (const want of contract.outputs) {
    const have = outputs.get(want.name);
    if (!have) refuse('E_MODEL_CONTRACT', `${name} has no output '${want.name}': the contract expects outputs [${contract.outputs.map((o) => o.name).join(', ')}], the model has [${[...outputs.keys()].slice(0, 20).join(', ')}]`);
    checkTensor('output', want, have!, name);
  }
}
