// The entry of an inference child process: loads one ONNX model into an ORT session (one
// intra-op and one inter-op thread, sequential, fixed optimization level) and runs the batches
// the engine sends over IPC, one at a time. It holds no secret data (labels stay with the
// engine) and may be killed at any moment: that is the point of running it as a process.
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import type { ErrorData } from '../../errors.ts';
import type { FromChild, ToChild, WireFeeds, WireTensor } from './protocol.ts';
import { sanitizeMessage } from '../../messages.ts';

let session: ort.InferenceSession | null = null;

function send(msg: FromChild): void {
  process.send?.(msg);
}

// ORT reports allocation failures (from its arena or a std::bad_alloc under RLIMIT_AS) as
// ordinary errors; they are the memory limit doing its job, not a model bug.
const MEMORY_PATTERN = /Failed to allocate|bad_alloc|out of memory|Cannot allocate memory/i;

function classify(err: unknown, fallback: ErrorData['code']): ErrorData {
  // onnxruntime quotes the model's path (a blob in the validator's store): published messages never do.
  const message = sanitizeMessage(err instanceof Error ? err.message : String(err));
  if (MEMORY_PATTERN.test(message)) {
    return { code: 'E_MEMORY_LIMIT', message: `the model ran out of memory under its limit: ${message.slice(0, 500)}` };
  }
  return { code: fallback, message: message.slice(0, 2000) };
}

function procStatusKb(field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function toWire(t: ort.Tensor): WireTensor {
  return { type: t.type as WireTensor['type'], dims: [...t.dims], data: t.data as WireTensor['data'] };
}

async function handle(msg: ToChild): Promise<void> {
  if (msg.kind === 'load') {
    try {
      const bytes = typeof msg.model === 'string' ? readFileSync(msg.model) : msg.model;
      // A warm child is reused for the next submission: drop the previous model first.
      if (session) {
        const old = session;
        session = null;
        await old.release();
      }
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: msg.graphOptimizationLevel,
      });
      send({
        kind: 'loaded',
        inputNames: [...session.inputNames],
        outputNames: [...session.outputNames],
        vmSizeKb: procStatusKb('VmSize'),
        rssKb: procStatusKb('VmRSS'),
      });
    } catch (err) {
      send({ kind: 'error', id: null, error: classify(err, 'E_MODEL_FORMAT') });
    }
    return;
  }
  if (!session) {
    send({ kind: 'error', id: msg.id, error: { code: 'E_INTERNAL', message: 'run before load in the inference child' } });
    return;
  }
  const outputs: WireFeeds[] = [];
  for (let j = 0; j < msg.feeds.length; j++) {
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(msg.feeds[j]!)) feeds[name] = new ort.Tensor(t.type, t.data as never, t.dims);
      const out = msg.fetches ? await session.run(feeds, msg.fetches) : await session.run(feeds);
      const wire: WireFeeds = {};
      for (const name of Object.keys(out)) wire[name] = toWire(out[name]!);
      outputs.push(wire);
    } catch (err) {
      const error = classify(err, 'E_MODEL_RUNTIME');
      send({ kind: 'error', id: msg.id, error: { ...error, details: { ...error.details, batchInGroup: j } } });
      return;
    }
  }
  send({ kind: 'result', id: msg.id, outputs });
}

// Messages are handled strictly one after another: the engine never pipelines, but a queue
// keeps the order even if it did.
let chain: Promise<void> = Promise.resolve();
process.on('message', (msg: ToChild) => {
  chain = chain.then(() => handle(msg));
});
// If the engine dies (kill -9), this process must not outlive it. ORT's run blocks this thread
// (a model that never finishes blocks it forever), so the 'disconnect' event alone is not
// enough. The runner starts us through `setpriv --pdeathsig KILL`, so the kernel SIGKILLs us
// when the engine dies; the check below closes the window where the engine died before that
// was set. Without setpriv, a tiny sh loop outside this process does the same job. (A watchdog
// worker thread is not an option: its V8 isolate needs address space that RLIMIT_AS denies.)
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
const enginePid = Number(process.env.ARBITER_ENGINE_PID ?? process.ppid);
if (process.ppid !== enginePid) process.kill(process.pid, 'SIGKILL');
if (process.env.ARBITER_PDEATHSIG !== '1') {
  spawn('sh', ['-c', `while kill -0 ${enginePid} 2>/dev/null && kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${process.pid} 2>/dev/null`], {
    stdio: 'ignore',
  }).unref();
}
// Up and listening: the engine starts the submission's clock now and sends the model.
send({ kind: 'ready' });
