// The entry of an inference child process. It hosts one of two runners, named by the load
// message: 'onnx' loads one ONNX model into an ORT session (one intra-op and one inter-op
// thread, sequential, fixed optimization level) and runs the batches of tensors the engine sends;
// 'lm' loads a transformers.js model folder and scores LM batches (src/tasks/lm/run-task.ts,
// imported only when an LM is loaded). Messages are handled one at a time. It holds no labels
// (they stay with the engine) and may be killed at any moment: that is the point of a process.
// Its stdout is ignored and its stderr is read by the engine only to classify a death, never
// quoted; the LM runner also silences the libraries' logging (they would print hidden inputs).
import * as ort from 'onnxruntime-node';
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { toErrorData, type ErrorData } from '../../errors.ts';
import type { FileFeeds, FileInput, FromChild, OutputMeta, ToChild, WireFeeds, WireTensor } from './protocol.ts';
import { sanitizeMessage } from '../../messages.ts';
import { HIDDEN_BATCH_FAILURE } from '../task.ts';

let session: ort.InferenceSession | null = null;
type LmRunner = typeof import('../../tasks/lm/run-task.ts');
let lm: { runner: LmRunner; folder: string } | null = null;

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

async function releaseModels(): Promise<void> {
  if (session) {
    const old = session;
    session = null;
    await old.release();
  }
  if (lm) {
    await lm.runner.unloadLmRunner();
    lm = null;
  }
}

let lmRunner: Promise<LmRunner> | null = null;
/** The LM runner module (transformers.js), imported once, with the libraries' logging silenced. */
function lmRunnerModule(): Promise<LmRunner> {
  lmRunner ??= import('../../tasks/lm/run-task.ts').then((m) => {
    m.silenceLibraryLogs();
    return m;
  });
  return lmRunner;
}

async function loadLm(folder: string, lmKind: 'causal-lm' | 'sequence-classification'): Promise<void> {
  await releaseModels();
  const runner = await lmRunnerModule();
  try {
    await runner.loadLmRunner(folder, lmKind);
  } catch (err) {
    // no hidden row has been seen yet: the load error (E_MODEL_FORMAT, E_TOKENIZER) is quoted as is
    send({ kind: 'error', id: null, error: err && typeof err === 'object' && 'code' in err ? toErrorData(err) : classify(err, 'E_MODEL_FORMAT') });
    return;
  }
  lm = { runner, folder };
  send({ kind: 'loaded', inputNames: [], outputNames: [], vmSizeKb: procStatusKb('VmSize'), rssKb: procStatusKb('VmRSS') });
}

async function handle(msg: ToChild): Promise<void> {
  if (msg.kind === 'load' && msg.runner === 'lm') {
    await loadLm(msg.folder, msg.lmKind);
    return;
  }
  if (msg.kind === 'lm') {
    if (!lm) {
      send({ kind: 'error', id: msg.id, error: { code: 'E_INTERNAL', message: 'an LM batch before an LM model was loaded in the inference child' } });
      return;
    }
    const r = await lm.runner.runLmTask({ ...msg.task, folder: lm.folder } as Parameters<LmRunner['runLmTask']>[0]);
    send(r.ok ? { kind: 'lm-result', id: msg.id, result: r } : { kind: 'error', id: msg.id, error: r.error });
    return;
  }
  if (msg.kind === 'load') {
    try {
      const bytes = typeof msg.model === 'string' ? readFileSync(msg.model) : msg.model;
      // A warm child is reused for the next submission: drop the previous model first.
      await releaseModels();
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
  const s = session;
  const count = msg.feeds.length;
  const feedsOf = msg.kind === 'run-file'
    ? (j: number) => fileFeeds(msg.feeds[j]!)
    : (j: number) => {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(msg.feeds[j]!)) feeds[name] = new ort.Tensor(t.type, t.data as never, t.dims);
      return feeds;
    };
  // With `out`, outputs go into the engine's outputs file (only their metas come back over IPC);
  // else they travel in the answer, as structured clones.
  let outFd: number | null = null;
  if (msg.kind === 'run-file' && msg.out) {
    try {
      outFd = fileFd(msg.out.file, 'r+');
    } catch {
      outFd = null; // the outputs file cannot be opened: the outputs go over IPC
    }
  }
  let at = 0; // where the next output's bytes go in the outputs file (and in outBuf)
  const outputs: WireFeeds[] = [];
  const metas: OutputMeta[][] = [];
  for (let j = 0; j < count; j++) {
    let feeds: Record<string, ort.Tensor>;
    try {
      feeds = feedsOf(j);
    } catch (err) {
      // the engine's inputs file, not the model: say what was expected and found, no values
      send({ kind: 'error', id: msg.id, error: { code: 'E_INTERNAL', message: `the inference process could not read its inputs: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500) } });
      return;
    }
    let out: ort.InferenceSession.ReturnType;
    try {
      out = msg.fetches ? await s.run(feeds, msg.fetches) : await s.run(feeds);
    } catch (err) {
      // onnxruntime's message can quote values of the batch (a Gather's out-of-range index is a
      // hidden feature value): only its class (memory or not) leaves this process.
      const classified = classify(err, 'E_MODEL_RUNTIME');
      const error: ErrorData = classified.code === 'E_MEMORY_LIMIT' ? classified : { code: 'E_MODEL_RUNTIME', message: HIDDEN_BATCH_FAILURE };
      send({ kind: 'error', id: msg.id, error: { ...error, details: { batchInGroup: j } } });
      return;
    }
    if (outFd === null) {
      const wire: WireFeeds = {};
      for (const name of Object.keys(out)) wire[name] = toWire(out[name]!);
      outputs.push(wire);
      continue;
    }
    const batch: OutputMeta[] = [];
    for (const name of Object.keys(out)) {
      const t = out[name]!;
      const data = t.data;
      if (!ArrayBuffer.isView(data) || !Object.hasOwn(WIRE_VIEW, t.type)) {
        send({ kind: 'error', id: msg.id, error: { code: 'E_MODEL_CONTRACT', message: `output "${name}" must be a tensor of numbers (float, int or bool), found ${t.type}`, details: { batchInGroup: j } } });
        return;
      }
      // gathered in a reused buffer and written once per group: one write instead of one per batch
      outBuf = ensureCapacity(outBuf, at + data.byteLength);
      outBuf.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
      at += data.byteLength;
      batch.push({ name, type: t.type as OutputMeta['type'], dims: [...t.dims] });
    }
    metas.push(batch);
  }
  if (outFd !== null) {
    try {
      for (let done = 0; done < at;) done += writeSync(outFd, outBuf, done, at - done, done);
    } catch {
      // the outputs file cannot take them (tmpfs full): the engine's place, not the model's, so
      // they go over IPC as they did before outputs files
      send({ kind: 'result', id: msg.id, outputs: wireFrom(metas, outBuf) });
      return;
    }
  }
  send(outFd === null ? { kind: 'result', id: msg.id, outputs } : { kind: 'result-file', id: msg.id, outputs: metas });
}

const WIRE_VIEW: Partial<Record<OutputMeta['type'], new (b: ArrayBuffer) => WireTensor['data']>> = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
};

/** The outputs gathered in `buf` (laid out as for the outputs file) as IPC tensors. */
function wireFrom(metas: OutputMeta[][], buf: Buffer): WireFeeds[] {
  let at = 0;
  return metas.map((batch) => {
    const wire: WireFeeds = {};
    for (const m of batch) {
      const View = WIRE_VIEW[m.type]!;
      const n = m.dims.reduce((a, d) => a * d, 1) * (View as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      const copy = new ArrayBuffer(n);
      new Uint8Array(copy).set(buf.subarray(at, at + n));
      at += n;
      wire[m.name] = { type: m.type, dims: m.dims, data: new View(copy) };
    }
    return wire;
  });
}

// A group's outputs, gathered before they go into the outputs file (reused; grows to the largest group).
let outBuf: Buffer = Buffer.alloc(0);
function ensureCapacity(b: Buffer, n: number): Buffer {
  if (n <= b.length) return b;
  const bigger = Buffer.alloc(Math.max(n, b.length * 2));
  bigger.set(b);
  return bigger;
}

// The engine's inputs and outputs files, kept open (a few at a time: a run's windows come one
// after another, and a child has two outputs files), and one read buffer and tensor per input and
// batch size, reused for every batch: a batch costs a read from memory (tmpfs), no message bytes
// and no allocation.
const MAX_OPEN_FILES = 6;
const fds = new Map<string, number>();
const readBuffers = new Map<string, { buf: Buffer; tensor: ort.Tensor }>();
const VIEW: Record<FileInput['type'], new (b: ArrayBufferLike, o: number, n: number) => ort.Tensor['data']> = {
  float32: Float32Array as never, float64: Float64Array as never, int32: Int32Array as never, int64: BigInt64Array as never,
};
const SIZE: Record<FileInput['type'], number> = { float32: 4, float64: 8, int32: 4, int64: 8 };

function fileFd(file: string, flags: 'r' | 'r+'): number {
  const key = `${flags}\0${file}`;
  let fd = fds.get(key);
  if (fd === undefined) {
    fd = openSync(file, flags);
    fds.set(key, fd);
    while (fds.size > MAX_OPEN_FILES) {
      const [oldest, ofd] = fds.entries().next().value as [string, number];
      fds.delete(oldest);
      closeSync(ofd);
    }
  }
  return fd;
}

function fileFeeds(f: FileFeeds): Record<string, ort.Tensor> {
  const fd = fileFd(f.file, 'r');
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of f.inputs) {
    const width = inp.rowShape.reduce((a, d) => a * d, 1);
    const want = inp.rows * width * SIZE[inp.type];
    const total = inp.padTo * width * SIZE[inp.type];
    const key = `${inp.name}\0${inp.type}\0${inp.padTo}\0${inp.rowShape.join(',')}`;
    let entry = readBuffers.get(key);
    if (!entry) {
      const buf = Buffer.alloc(total); // its own ArrayBuffer, offset 0: aligned for any element type
      entry = { buf, tensor: new ort.Tensor(inp.type, new VIEW[inp.type](buf.buffer, buf.byteOffset, inp.padTo * width) as never, [inp.padTo, ...inp.rowShape]) };
      readBuffers.set(key, entry);
    }
    const { buf } = entry;
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, inp.offset + got);
      if (n === 0) break;
      got += n;
    }
    if (got !== want) throw new Error(`expected ${want} bytes of input "${inp.name}" at offset ${inp.offset}, found ${got}`);
    if (total > want) buf.fill(0, want);
    feeds[inp.name] = entry.tensor;
  }
  return feeds;
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
// A child started for an LM imports its runner first: that is the engine's cost, not the model's.
if (process.env.ARBITER_CHILD_RUNNER === 'lm') await lmRunnerModule();
// Up and listening: the engine starts the submission's clock now and sends the model.
send({ kind: 'ready' });
