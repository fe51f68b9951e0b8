// Static admission of an ONNX submission against the benchmark's model contract: size, parse,
// input and output names, element types, ranks and fixed dimensions. Pure JS on the bytes, so a
// hostile file is judged before any native code sees it.
import type { ErrorData } from '../../errors.ts';
import type { ModelContractData } from '../../benchmark/schema.ts';
import { decodeModel, dtypeName, ONNX_DTYPE, type OnnxModel, type OnnxValueInfo } from './proto.ts';

export interface OnnxAdmission { ok: true; model: OnnxModel }
export type AdmissionResult = OnnxAdmission | { ok: false; error: ErrorData };

function shapeText(v: OnnxValueInfo): string {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims) return '(unknown shape)';
  return `[${dims.map((d) => (d.dimValue !== undefined ? String(d.dimValue) : d.dimParam ?? '?')).join(', ')}]`;
}

function checkTensor(
  kind: 'input' | 'output', v: OnnxValueInfo | undefined, want: { name: string; dtype: string; shape: (number | string)[] },
  found: string[], batchSize: number, fixedBatchOk: boolean,
): ErrorData | null {
  if (!v) {
    return { code: 'E_MODEL_CONTRACT', message: `expected a model ${kind} named "${want.name}", found ${found.length ? found.map((n) => `"${n}"`).join(', ') : 'none'}`, details: { expected: want.name, found } };
  }
  const tt = v.type?.tensorType;
  if (!tt) return { code: 'E_MODEL_CONTRACT', message: `${kind} "${want.name}" must be a tensor, found a non-tensor type`, details: {} };
  const elem = tt.elemType ?? 0;
  if (elem !== ONNX_DTYPE[want.dtype as keyof typeof ONNX_DTYPE]) {
    return { code: 'E_MODEL_CONTRACT', message: `${kind} "${want.name}" must be ${want.dtype}, found ${dtypeName(elem)}`, details: { expected: want.dtype, found: dtypeName(elem) } };
  }
  const dims = tt.shape?.dim;
  if (dims === undefined) return null; // rank unknown: checked on the first batch at run time
  const wantShape = want.shape;
  const rankOk = dims.length === wantShape.length || (kind === 'output' && wantShape.length === 1 && dims.length === 2 && dims[1]?.dimValue === 1);
  if (!rankOk) {
    return { code: 'E_MODEL_CONTRACT', message: `${kind} "${want.name}" must have shape [${wantShape.join(', ')}], found ${shapeText(v)}`, details: { expected: wantShape, found: shapeText(v) } };
  }
  for (let i = 0; i < wantShape.length; i++) {
    const d = dims[i];
    const w = wantShape[i]!;
    const fixed = d?.dimValue;
    if (fixed === undefined) continue; // symbolic in the model: accepted, checked at run time
    if (typeof w === 'number' ? fixed !== w : !fixedBatchOk || fixed !== batchSize) {
      const expected = typeof w === 'number' ? String(w)
        : fixedBatchOk ? `a symbolic batch axis (or exactly ${batchSize}, the batch size)`
          : `a symbolic batch axis (the last batch of this benchmark has fewer rows; a fixed batch of ${batchSize} needs batching.last: pad)`;
      return { code: 'E_MODEL_CONTRACT', message: `${kind} "${want.name}" axis ${i} must be ${expected}, found ${fixed} (shape ${shapeText(v)}; contract [${wantShape.join(', ')}])`, details: { axis: i, expected: w, found: fixed } };
    }
  }
  return null;
}

/** What bytes that are not an ONNX protobuf look like, in words (the parser's own message is protobuf internals). */
function notOnnx(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty file';
  const head = Buffer.from(bytes.subarray(0, 512)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  const printable = !/[\u0000-\u0008\u000E-\u001F\uFFFD]/.test(head);
  if (printable && (head.startsWith('{') || head.startsWith('['))) return 'JSON text (give the .onnx file itself; a prediction file goes in a .csv or .arrow)';
  if (printable && head.length > 0) return 'text, not a binary ONNX model';
  return `${bytes.length} bytes that do not parse as an ONNX protobuf (a truncated or foreign binary file)`;
}

/**
 * `padLast`: whether the benchmark pads its last batch to `batchSize` (`batching.last: pad`); only
 * then can a model fix its batch axis to exactly the batch size.
 */
export function admitOnnxBytes(bytes: Uint8Array, contract: ModelContractData, batchSize: number, padLast = true): AdmissionResult {
  if (bytes.length > contract.maxBytes) {
    return { ok: false, error: { code: 'E_MODEL_TOO_LARGE', message: `the benchmark accepts models up to ${contract.maxBytes} bytes, this one has ${bytes.length}`, details: { limit: contract.maxBytes, size: bytes.length } } };
  }
  let model: OnnxModel;
  try {
    if (bytes.length === 0) throw new Error('the file is empty');
    model = decodeModel(bytes);
  } catch (err) {
    return { ok: false, error: { code: 'E_MODEL_FORMAT', message: `expected an ONNX model (protobuf ModelProto), found ${notOnnx(bytes)}`, details: { parser: (err as Error).message } } };
  }
  const g = model.graph;
  if (!g || !g.node || g.node.length === 0 || !g.output || g.output.length === 0) {
    return { ok: false, error: { code: 'E_MODEL_FORMAT', message: `expected an ONNX model with a graph of nodes and outputs, found ${!g ? 'no graph' : !g.node?.length ? 'a graph with no nodes' : 'a graph with no outputs'}`, details: {} } };
  }
  // ONNX requires at least one opset_import (onnxruntime refuses the model without it); a file
  // cut at a protobuf field boundary parses fine but loses it.
  if (!model.opsetImport || model.opsetImport.length === 0) {
    return { ok: false, error: { code: 'E_MODEL_FORMAT', message: 'expected an ONNX model that imports an operator set (opset_import), found none', details: {} } };
  }
  const initNames = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = (g.input ?? []).filter((i) => !initNames.has(i.name));
  const inputNames = inputs.map((i) => i.name ?? '');
  for (const want of contract.inputs) {
    const err = checkTensor('input', inputs.find((i) => i.name === want.name), want, inputNames, batchSize, padLast);
    if (err) return { ok: false, error: err };
  }
  const extra = inputNames.filter((n) => !contract.inputs.some((w) => w.name === n));
  if (extra.length > 0) {
    return { ok: false, error: { code: 'E_MODEL_CONTRACT', message: `the model needs inputs the benchmark does not provide: ${extra.map((n) => `"${n}"`).join(', ')}; it provides ${contract.inputs.map((w) => `"${w.name}"`).join(', ')}`, details: { extra } } };
  }
  const outNames = g.output.map((o) => o.name ?? '');
  const want = contract.outputs[0]!;
  const err = checkTensor('output', g.output.find((o) => o.name === want.name), want, outNames, batchSize, padLast);
  if (err) return { ok: false, error: err };
  return { ok: true, model };
}
