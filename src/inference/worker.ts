// Inference worker (piscina), the thread executor. Runs one chunk of rows (a row range of the
// shared input window it is handed) through an ONNX model in the fixed batches of the benchmark
// and writes the outputs into the chunk's shared output slab; only a small result goes back. Sessions use one intra-op
// and one inter-op thread: parallelism comes from workers, never from threads inside a session.
// Every failure comes back as data; nothing a model does may throw out of this function.
import * as ort from 'onnxruntime-node';
import { toErrorData } from '../errors.ts';
import { batchCount, BatchFeeder, batchRange, ChunkOutputBuilder } from './batch.ts';
import { GRAPH_OPTIMIZATION_LEVEL, HIDDEN_BATCH_FAILURE, type InferenceResult, type InferenceTask } from './task.ts';

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

// A worker holds up to two tasks (pool.ts); they run one after the other, never interleaved, so
// the first one's result goes back while the second runs and the main thread can send the next.
let queue: Promise<unknown> = Promise.resolve();
// Batch input buffers, reused across batches and tasks (tasks run one at a time, above).
const feeder = new BatchFeeder();

export default function runInference(task: InferenceTask): Promise<InferenceResult> {
  const run = queue.then(() => runTask(task));
  queue = run.catch(() => undefined);
  return run;
}

async function runTask(task: InferenceTask): Promise<InferenceResult> {
  let s: ort.InferenceSession;
  try {
    s = await session(task);
  } catch (err) {
    return { ok: false, error: { code: 'E_MODEL_FORMAT', message: `onnxruntime could not load the model: ${toErrorData(err).message}` } };
  }
  const out = new ChunkOutputBuilder(task);
  for (let i = 0; i < batchCount(task); i++) {
    const feeds: Record<string, ort.Tensor> = {};
    for (const b of feeder.inputs(task, i)) feeds[b.name] = new ort.Tensor(b.dtype, b.data as never, b.dims);
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await s.run(feeds, [task.output.name]);
    } catch (err) {
      const { start, rows } = batchRange(task, i);
      const message = toErrorData(err).message;
      if (/Failed to allocate|bad_alloc|out of memory|Cannot allocate memory/i.test(message)) return { ok: false, error: { code: 'E_MEMORY_LIMIT', message: 'the model ran out of memory while running a batch' } };
      return { ok: false, error: { code: 'E_MODEL_RUNTIME', message: HIDDEN_BATCH_FAILURE, details: { chunkRows: `${start}..${start + rows - 1}` } } };
    }
    const t = result[task.output.name];
    if (!t) return { ok: false, error: { code: 'E_MODEL_CONTRACT', message: `expected an output named "${task.output.name}", the model gave ${Object.keys(result).join(', ') || 'none'}` } };
    const bad = out.add(i, t.type, t.dims, t.data as Float32Array | Float64Array);
    if (bad) return { ok: false, error: bad };
  }
  // The outputs are in the shared slab already: nothing to transfer.
  return { ok: true, dtype: out.dtype() };
}
