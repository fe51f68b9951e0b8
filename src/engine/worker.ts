// Inference worker (piscina). Runs one chunk of rows through an ONNX model in the fixed batches
// of the benchmark and returns the output tensor rows. Sessions use one intra-op and one
// inter-op thread: parallelism comes from workers, never from threads inside a session.
// Every failure comes back as data; nothing a model does may throw out of this function.
import * as ort from 'onnxruntime-node';
import { move, Piscina } from 'piscina';
import { toErrorData, type ErrorData } from '../errors.ts';
import { GRAPH_OPTIMIZATION_LEVEL, type InferenceInput, type InferenceResult, type InferenceTask } from './task.ts';

const SESSION_CACHE_SIZE = 4;
const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(task: InferenceTask): Promise<ort.InferenceSession> {
  const cached = sessions.get(task.modelSha256);
  if (cached) {
    sessions.delete(task.modelSha256);
    sessions.set(task.modelSha256, cached); // most recently used last
    return cached;
  }
  const created = ort.InferenceSession.create(task.modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: GRAPH_OPTIMIZATION_LEVEL,
    logSeverityLevel: 4,
  });
  created.catch(() => sessions.delete(task.modelSha256));
  sessions.set(task.modelSha256, created);
  while (sessions.size > SESSION_CACHE_SIZE) {
    const oldest = sessions.keys().next().value as string;
    const evicted = sessions.get(oldest)!;
    sessions.delete(oldest);
    void evicted.then((s) => s.release()).catch(() => undefined);
  }
  return created;
}

function fail(code: ErrorData['code'], message: string, details?: Record<string, unknown>): InferenceResult {
  return { ok: false, error: details ? { code, message, details } : { code, message } };
}

function batchTensor(inp: InferenceInput, start: number, rows: number, padTo: number): ort.Tensor {
  const width = inp.rowShape.reduce((a, d) => a * d, 1);
  let view = inp.data.subarray(start * width, (start + rows) * width);
  if (padTo > rows) {
    const padded = new (view.constructor as new (n: number) => typeof view)(padTo * width);
    padded.set(view as never);
    view = padded;
  }
  return new ort.Tensor(inp.dtype, view as never, [Math.max(rows, padTo), ...inp.rowShape]);
}

export default async function runInference(task: InferenceTask): Promise<InferenceResult> {
  let s: ort.InferenceSession;
  try {
    s = await session(task);
  } catch (err) {
    return fail('E_MODEL_FORMAT', `onnxruntime could not load the model: ${toErrorData(err).message}`);
  }
  const width = task.output.rowShape.reduce((a, d) => a * d, 1);
  let out: Float32Array | Float64Array | undefined;
  for (let start = 0; start < task.rows; start += task.batchSize) {
    const rows = Math.min(task.batchSize, task.rows - start);
    const padTo = task.padLast ? task.batchSize : rows;
    const feeds: Record<string, ort.Tensor> = {};
    for (const inp of task.inputs) feeds[inp.name] = batchTensor(inp, start, rows, padTo);
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await s.run(feeds, [task.output.name]);
    } catch (err) {
      return fail('E_MODEL_RUNTIME', `onnxruntime failed on rows ${start}..${start + rows - 1} of a chunk: ${toErrorData(err).message}`);
    }
    const t = result[task.output.name];
    if (!t) return fail('E_MODEL_CONTRACT', `expected an output named "${task.output.name}", the model gave ${Object.keys(result).join(', ') || 'none'}`);
    const want = [padTo, ...task.output.rowShape];
    const dimsOk = t.dims.length === want.length && t.dims.every((d, i) => d === want[i])
      || (task.output.rowShape.length === 0 && t.dims.length === 2 && t.dims[0] === padTo && t.dims[1] === 1);
    if (!dimsOk) {
      return fail('E_MODEL_CONTRACT', `output "${task.output.name}" must have shape [${want.join(', ')}] for a batch of ${padTo} rows, found [${t.dims.join(', ')}]`, { expected: want, found: [...t.dims] });
    }
    if (t.type !== 'float32' && t.type !== 'float64') {
      return fail('E_MODEL_CONTRACT', `output "${task.output.name}" must be float32 or float64, found ${t.type}`);
    }
    const data = t.data as Float32Array | Float64Array;
    if (!out) out = t.type === 'float32' ? new Float32Array(task.rows * width) : new Float64Array(task.rows * width);
    else if ((t.type === 'float32') !== (out instanceof Float32Array)) {
      return fail('E_MODEL_CONTRACT', `output "${task.output.name}" changed dtype between batches`);
    }
    out.set(data.subarray(0, rows * width) as never, start * width);
    t.dispose();
  }
  const output = out ?? new Float32Array(0);
  // Transfer the output buffer instead of copying it back to the main thread.
  return move({ [Piscina.transferableSymbol]: [output.buffer], [Piscina.valueSymbol]: { ok: true, output } } as never) as never;
}
