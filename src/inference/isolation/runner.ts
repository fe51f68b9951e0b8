// Runs one submission's inference in a child process that the OS can limit and the engine can
// kill. Aborting an ORT run inside a worker thread aborts the whole process (stack-facts §4), so
// hard limits need a process boundary:
// - wall clock: a deadline for the whole submission (load + every batch) and an optional
//   one per batch; on expiry the child gets SIGKILL and the submission fails with E_TIMEOUT;
// - memory: RLIMIT_AS set before exec (prlimit, or `ulimit -v` in sh) makes any huge allocation
//   fail inside ORT, which reports it (E_MEMORY_LIMIT); VmRSS is polled from /proc and the child
//   is killed as soon as it exceeds the limit (E_MEMORY_LIMIT), which catches slow growth too.
// Whatever the child does, the engine process only ever sees a settled promise.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, ftruncateSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArbiterError, type ErrorData } from '../../errors.ts';
import { entryBeside } from '../entry.ts';
import { isLmModel, loadMessage, WIRE_TYPE_BYTES, type FileFeeds, type FromChild, type GraphOptimizationLevel, type ModelRef, type OutputMeta, type ToChild, type WireFeeds, type WireTensorType } from './protocol.ts';
import { createOutputsFile, removeInputsFile } from './shm-inputs.ts';
import type { LmRunTask, LmTaskResult } from '../../tasks/lm/run-task.ts';

export type { FileFeeds, FileInput, WireFeeds, WireTensor, WireTensorData, WireTensorType, GraphOptimizationLevel, LmModelRef, ModelRef } from './protocol.ts';

export interface IsolationLimits {
  /** wall clock for the whole submission, from the child being up (model load) to the last batch (ms) */
  wallClockMs: number;
  /** wall clock for one batch (ms); none when omitted */
  batchTimeoutMs?: number;
  /** resident memory the child may use (MiB); also sets RLIMIT_AS = this + addressSpaceHeadroomMb */
  memoryLimitMb: number;
  /**
   * virtual address space granted on top of memoryLimitMb: Node + ORT reserve about 1.7 GiB of
   * address space they never touch (measured: VmSize 1.64 GiB with tsx, 1.0 GiB without)
   */
  addressSpaceHeadroomMb?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<Omit<IsolationLimits, 'batchTimeoutMs'>>> = Object.freeze({
  wallClockMs: 600_000,
  memoryLimitMb: 2048,
  addressSpaceHeadroomMb: 2048,
});

export interface IsolatedSessionOptions {
  /** an ONNX file path (preferred: nothing big crosses IPC) or its bytes, or an LM model folder */
  model: ModelRef;
  limits: IsolationLimits;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** how often VmRSS is read (ms); default 20 */
  rssPollMs?: number;
  /** how long the child may take to start, before the wall clock begins (ms); default 120000 */
  startupTimeoutMs?: number;
  /**
   * How RLIMIT_AS is set: 'auto' (prlimit if on PATH, else `ulimit -v` in sh on Linux, else
   * none), or one of them forced ('none' leaves only RSS polling). Default 'auto'.
   */
  addressSpaceLimit?: 'auto' | 'prlimit' | 'ulimit' | 'none';
  /** extra V8 flags for the child (memory tuning only: flags that change no value, e.g. --max-semi-space-size) */
  nodeFlags?: string[];
  /** a child module in place of child.ts (a test seam: a child that lies about its outputs) */
  childEntry?: string;
}

/** How the limits were enforced on this machine, for the run's record and the docs. */
export interface Enforcement {
  addressSpace: 'prlimit' | 'ulimit' | 'none';
  rss: 'proc' | 'none';
}

export interface IsolatedSessionInfo {
  pid: number;
  inputNames: string[];
  outputNames: string[];
  enforcement: Enforcement;
  /** child VmSize / VmRSS right after the session loaded (KiB) */
  loadedVmSizeKb: number;
  loadedRssKb: number;
  /** ms from spawn to a running child (not counted in the wall clock) */
  startMs: number;
  /** ms from a running child to a loaded model (counted in the wall clock) */
  loadMs: number;
}

const MiB = 1024 * 1024;

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

let cachedLauncher: { prlimit: string | null; sh: string | null; setpriv: string | null } | null = null;
function launcher(): { prlimit: string | null; sh: string | null; setpriv: string | null } {
  cachedLauncher ??= { prlimit: findOnPath('prlimit'), sh: findOnPath('sh'), setpriv: process.platform === 'linux' ? findOnPath('setpriv') : null };
  return cachedLauncher;
}

/** The child's entry and the node flags it needs (tsx when running from source: entry.ts). */
function childCommand(): { entry: string; execArgv: string[] } {
  const { url, execArgv: loader } = entryBeside(import.meta.url, './child');
  const execArgv: string[] = [];
  // V8 reserves ~10 GiB of address space per wasm memory for its trap handler; tsx uses wasm,
  // so without this flag no RLIMIT_AS below 32 GiB lets the child start.
  if (process.allowedNodeEnvironmentFlags.has('--disable-wasm-trap-handler')) execArgv.push('--disable-wasm-trap-handler');
  execArgv.push(...loader);
  return { entry: fileURLToPath(url), execArgv };
}

function readRssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/status', 'utf8');
    return true;
  } catch {
    return false;
  }
})();

// Messages a dying child leaves on stderr when memory ran out outside ORT's error path
// (V8 heap, std::bad_alloc thrown through a callback, glibc).
const STDERR_MEMORY = /out of memory|bad_alloc|Allocation failed|Cannot allocate memory|heap limit|Fatal process OOM/i;

interface Pending {
  id: number;
  /** the group's outputs (ONNX runner) or its scores (LM runner) */
  resolve: (out: unknown) => void;
  reject: (err: ArbiterError) => void;
  /** batches in the group */
  batches: number;
  /** starts the group's batch timer; called when the group reaches the head of the queue */
  arm: () => NodeJS.Timeout | null;
  timer: NodeJS.Timeout | null;
}

/** Groups a caller may have sent and not yet received: one running in the child, one queued behind it. */
export const MAX_RUNS_IN_FLIGHT = 2;

/**
 * One output of a batch that the child wrote into its outputs file: its name, type and dims as
 * the child reported them, and `readInto`, which copies its first `dst.length` bytes out of the
 * file into `dst`. Check `type` and `dims` against what you expect first: the offset and the
 * length of each output in the file are worked out here from them (dims' product x the type's
 * size), never taken from the child, and `readInto` refuses to read past that length, an output
 * with no fixed element size, or a group whose place in the file a later group has taken.
 */
export interface FileTensor {
  type: WireTensorType;
  dims: number[];
  readInto(dst: Uint8Array): void;
  /**
   * Like readInto, but `dst` may run on past this output into the ones after it in the same
   * group (one read for outputs that lie back to back), never past the group's last output.
   */
  readSpan(dst: Uint8Array): void;
}

export type FileBatchOutputs = Record<string, FileTensor>;

/** A group's outputs file: the engine made it, keeps the only descriptor it reads through, and removes it. */
interface OutputsSlot {
  file: string;
  fd: number;
  /** the request whose outputs the file holds (or is about to): reads for any other are refused */
  owner: number;
}

/**
 * One model loaded in one child process. The child runs groups one after another; a caller may
 * send the next group before the previous one returns (up to MAX_RUNS_IN_FLIGHT), so the child
 * never waits for the engine's round trip. After a
 * limit is hit or the child dies, the session is failed: every pending and later call rejects
 * with the same ArbiterError, and `failure` holds it as data.
 */
export class IsolatedSession {
  info: IsolatedSessionInfo;
  #child: ChildProcess;
  #failure: ArbiterError | null = null;
  #pending: Pending[] = []; // sent, not yet answered, in send order (the child answers in order)
  #nextId = 1;
  #deadlineTimer: NodeJS.Timeout | null;
  #rssTimer: NodeJS.Timeout | null;
  #limits: IsolationLimits;
  #exited: Promise<void>;
  #closed = false;
  #pendingLoad: { resolve: () => void; reject: (err: ArbiterError) => void; t0: number } | null = null;
  /** one outputs file per group that may be in flight (made on first use; slot = request id mod 2) */
  #outSlots: (OutputsSlot | null)[] = [];
  #outSlotsClosed = false;
  /** request id -> the outputs slot its answer is in */
  #outOf = new Map<number, OutputsSlot>();
  /** the number of batches run and the total ms spent in run() (round trip) */
  readonly stats = { batches: 0, runMs: 0 };

  private constructor(args: {
    child: ChildProcess; info: IsolatedSessionInfo; limits: IsolationLimits; failure: ArbiterError | null;
    deadlineTimer: NodeJS.Timeout | null; rssTimer: NodeJS.Timeout | null; exited: Promise<void>;
  }) {
    this.#child = args.child;
    this.info = args.info;
    this.#limits = args.limits;
    this.#failure = args.failure;
    this.#deadlineTimer = args.deadlineTimer;
    this.#rssTimer = args.rssTimer;
    this.#exited = args.exited;
    // The child is gone: its outputs files leave the file system at once (the engine's open
    // descriptors still read them until close()).
    void this.#exited.then(() => this.#unlinkOutputs());
  }

  /** The reason this session failed, as plain data, or null while it is healthy. */
  get failure(): ErrorData | null {
    return this.#failure ? this.#failure.toData() : null;
  }

  /**
   * Spawn a child under the limits and load the model. Rejects with an ArbiterError:
   * E_TIMEOUT, E_MEMORY_LIMIT, E_MODEL_FORMAT (ORT refused the model), E_WORKER_CRASH.
   */
  static open(opts: IsolatedSessionOptions): Promise<IsolatedSession> {
    const limits = opts.limits;
    validateLimits(limits);
    const t0 = performance.now();
    const { entry: ownEntry, execArgv: baseArgv } = childCommand();
    const entry = opts.childEntry ?? ownEntry;
    // a test's stand-in child is TypeScript even when the real child starts from the build (entry.ts)
    const loader = opts.childEntry?.endsWith('.ts') && !baseArgv.includes('--import') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
    const execArgv = [...baseArgv, ...loader, ...(opts.nodeFlags ?? [])];
    const asBytes = (limits.memoryLimitMb + (limits.addressSpaceHeadroomMb ?? DEFAULT_LIMITS.addressSpaceHeadroomMb)) * MiB;
    const { prlimit, sh, setpriv } = launcher();
    // The kernel kills the child when the engine dies (see child.ts), via setpriv (util-linux).
    const node = setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', process.execPath] : [process.execPath];
    let command: string;
    let args: string[];
    let addressSpace: Enforcement['addressSpace'];
    const want = opts.addressSpaceLimit ?? 'auto';
    if (want === 'prlimit' && !prlimit) throw new ArbiterError('E_USAGE', 'addressSpaceLimit "prlimit": expected the prlimit program on PATH, found none');
    if (want === 'ulimit' && !sh) throw new ArbiterError('E_USAGE', 'addressSpaceLimit "ulimit": expected sh on PATH, found none');
    if (prlimit && (want === 'auto' || want === 'prlimit')) {
      command = prlimit;
      args = [`--as=${asBytes}`, '--', ...node, ...execArgv, entry];
      addressSpace = 'prlimit';
    } else if (sh && ((want === 'auto' && process.platform === 'linux') || want === 'ulimit')) {
      command = sh;
      args = ['-c', `ulimit -v ${Math.floor(asBytes / 1024)} && exec "$0" "$@"`, ...node, ...execArgv, entry];
      addressSpace = 'ulimit';
    } else {
      command = node[0]!;
      args = [...node.slice(1), ...execArgv, entry];
      addressSpace = 'none';
    }
    // prlimit, setpriv and `sh -c exec` all exec in place, so child.pid is the node process.
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      // ARBITER_CHILD_RUNNER=lm: the child imports transformers.js before it reports ready, so
      // that import (seconds on a loaded machine) is not charged to the submission's clock.
      env: { ...process.env, ARBITER_ENGINE_PID: String(process.pid), ARBITER_PDEATHSIG: setpriv ? '1' : '0', ARBITER_CHILD_RUNNER: isLmModel(opts.model) ? 'lm' : 'onnx' },
    });
    let stderrTail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      stderrTail = (stderrTail + s).slice(-4096);
    });

    return new Promise<IsolatedSession>((resolve, reject) => {
      let session: IsolatedSession | null = null;
      let earlyFailure: ArbiterError | null = null;
      const fail = (err: ArbiterError): void => {
        if (session) session.#fail(err);
        else if (!earlyFailure) {
          earlyFailure = err;
          stopTimers();
          child.kill('SIGKILL');
          reject(err);
        }
      };
      const stopTimers = (): void => {
        clearTimeout(startupTimer);
        if (deadlineTimer) clearTimeout(deadlineTimer);
        if (rssTimer) clearInterval(rssTimer);
      };
      // The submission's clock starts when the child is up: a slow process start (a loaded
      // machine) is the engine's cost, not the model's.
      let deadlineTimer: NodeJS.Timeout | null = null;
      let tReady = 0;
      const startupMs = opts.startupTimeoutMs ?? 120_000;
      const startupTimer = setTimeout(() => {
        fail(new ArbiterError('E_WORKER_CRASH', `the inference process did not start: expected it ready within ${startupMs} ms`, { startupTimeoutMs: startupMs }));
      }, startupMs);
      const rssLimitKb = limits.memoryLimitMb * 1024;
      const rssTimer = hasProc
        ? setInterval(() => {
          if (child.pid === undefined) return;
          const rss = readRssKb(child.pid);
          if (rss !== null && rss > rssLimitKb) {
            fail(new ArbiterError('E_MEMORY_LIMIT', `the submission exceeded its memory limit: expected at most ${limits.memoryLimitMb} MiB resident, found ${(rss / 1024).toFixed(0)} MiB (killed)`, { limitMb: limits.memoryLimitMb, rssKb: rss }));
          }
        }, opts.rssPollMs ?? 20)
        : null;
      const exited = new Promise<void>((res) => {
        child.once('exit', (code, signal) => {
          stopTimers();
          const err = crashError(code, signal, stderrTail);
          fail(err);
          res();
        });
      });
      child.once('error', (e) => fail(new ArbiterError('E_WORKER_CRASH', `could not start the inference process: ${e.message}`)));
      child.on('message', (msg: FromChild) => {
        if (session) {
          session.#onMessage(msg);
          return;
        }
        if (earlyFailure) return;
        if (msg.kind === 'ready') {
          clearTimeout(startupTimer);
          tReady = performance.now();
          deadlineTimer = setTimeout(() => {
            fail(new ArbiterError('E_TIMEOUT', `the submission exceeded its wall-clock limit: expected to finish within ${limits.wallClockMs} ms, still running after ${Math.round(performance.now() - tReady)} ms (killed)`, { limitMs: limits.wallClockMs, scope: 'submission' }));
          }, limits.wallClockMs);
          child.send(loadMessage(opts.model, opts.graphOptimizationLevel ?? 'extended'));
        } else if (msg.kind === 'loaded') {
          session = new IsolatedSession({
            child,
            limits,
            failure: null,
            deadlineTimer,
            rssTimer,
            exited,
            info: {
              pid: child.pid!,
              inputNames: msg.inputNames,
              outputNames: msg.outputNames,
              enforcement: { addressSpace, rss: hasProc ? 'proc' : 'none' },
              loadedVmSizeKb: msg.vmSizeKb,
              loadedRssKb: msg.rssKb,
              startMs: tReady - t0,
              loadMs: performance.now() - tReady,
            },
          });
          resolve(session);
        } else if (msg.kind === 'error') {
          fail(new ArbiterError(msg.error.code, msg.error.message, msg.error.details));
        }
      });
    });
  }

  /** Run one batch. Rejects with E_TIMEOUT, E_MEMORY_LIMIT, E_MODEL_RUNTIME or E_WORKER_CRASH. */
  async run(feeds: WireFeeds, fetches?: string[]): Promise<WireFeeds> {
    return (await this.runMany([feeds], fetches))[0]!;
  }

  /**
   * Run several batches in one IPC round trip: the child runs them one after another, one ORT
   * run per batch (batch composition is unchanged), and returns their outputs in order. The
   * per-batch timeout applies to the group as batchTimeoutMs x batches. A failure fails the
   * whole group (details.batchInGroup says which batch).
   */
  runMany(feeds: WireFeeds[], fetches?: string[]): Promise<WireFeeds[]> {
    if (feeds.length === 0 && !this.#failure && !this.#closed) return Promise.resolve([]);
    return this.#request((id) => (fetches ? { kind: 'run', id, feeds, fetches } : { kind: 'run', id, feeds }), feeds.length) as Promise<WireFeeds[]>;
  }

  /**
   * Like runMany, but the child reads each batch's rows from the engine's inputs file
   * (shm-inputs.ts): the message carries row ranges, not rows.
   */
  runFile(feeds: FileFeeds[], fetches?: string[]): Promise<WireFeeds[]> {
    if (feeds.length === 0 && !this.#failure && !this.#closed) return Promise.resolve([]);
    return this.#request((id) => (fetches ? { kind: 'run-file', id, feeds, fetches } : { kind: 'run-file', id, feeds }), feeds.length) as Promise<WireFeeds[]>;
  }

  /**
   * Like runFile, with the outputs written by the child into an outputs file in `outputsDir`
   * (made here, one per group in flight, 0600) instead of crossing IPC: each batch's answer is a
   * FileBatchOutputs to check and read ({ file }). Read a group's outputs before sending the
   * group after the next one (the pool does: at most MAX_RUNS_IN_FLIGHT in flight); a later read
   * is refused. When no outputs file can be made, the outputs come over IPC ({ wire }).
   */
  async runFileOut(feeds: FileFeeds[], fetches: string[] | undefined, outputsDir: string): Promise<{ file: FileBatchOutputs[] } | { wire: WireFeeds[] }> {
    if (feeds.length === 0 && !this.#failure && !this.#closed) return { wire: [] };
    const r = await this.#request((id) => {
      const slot = this.#outputsSlot(id, outputsDir);
      const msg: ToChild = { kind: 'run-file', id, feeds, ...(fetches ? { fetches } : {}), ...(slot ? { out: { file: slot.file } } : {}) };
      return msg;
    }, feeds.length);
    return Array.isArray(r) ? { wire: r as WireFeeds[] } : r as { file: FileBatchOutputs[] };
  }

  /** The outputs file for request `id`, now owned by it; null when none can be made. */
  #outputsSlot(id: number, dir: string): OutputsSlot | null {
    if (this.#outSlotsClosed) return null;
    const k = id % MAX_RUNS_IN_FLIGHT;
    let slot = this.#outSlots[k] ?? null;
    if (!slot) {
      const made = createOutputsFile(dir);
      if (!made) return null;
      slot = { ...made, owner: id };
      this.#outSlots[k] = slot;
    } else {
      // emptied before each group: a child that writes less than it says is caught by a short
      // read, never answered with an earlier group's bytes
      try {
        ftruncateSync(slot.fd, 0);
      } catch {
        return null;
      }
    }
    slot.owner = id;
    this.#outOf.set(id, slot);
    return slot;
  }

  /** A 'result-file' answer as FileTensors over the request's outputs file; an error when it does not fit. */
  #fileOutputs(id: number, slot: OutputsSlot | undefined, metas: OutputMeta[][], batches: number): FileBatchOutputs[] | ArbiterError {
    if (!slot) return new ArbiterError('E_WORKER_CRASH', 'the inference process answered from an outputs file it was not given');
    if (!Array.isArray(metas) || metas.length !== batches) {
      return new ArbiterError('E_WORKER_CRASH', `the inference process answered ${Array.isArray(metas) ? metas.length : 'no'} batches of a group of ${batches}`);
    }
    const out: FileBatchOutputs[] = [];
    let at = 0; // where the next output starts in the file, from the dims checked so far
    // where the group's last located output ends (set below, before any read can happen)
    const group = { end: NaN };
    try {
      for (const batch of metas) {
        const tensors: FileBatchOutputs = Object.create(null) as FileBatchOutputs;
        for (const m of Array.isArray(batch) ? batch : []) {
          const size = Object.hasOwn(WIRE_TYPE_BYTES, m.type) ? WIRE_TYPE_BYTES[m.type] : undefined;
          const dims = Array.isArray(m.dims) ? m.dims : [];
          const values = dims.reduce((a: number, d: unknown) => (Number.isSafeInteger(d) && (d as number) >= 0 ? a * (d as number) : NaN), 1);
          const bytes = size !== undefined && Number.isSafeInteger(values) ? values * size : NaN;
          if (Object.hasOwn(tensors, String(m.name))) throw new Error('an output named twice');
          const start = at;
          // an output whose length is unknown ends what can be located in the file: no later read
          at = Number.isSafeInteger(bytes) ? at + bytes : NaN;
          const refuse = (dst: Uint8Array): never => {
            throw new ArbiterError('E_MODEL_CONTRACT', `output "${String(m.name)}" (${String(m.type)} [${dims.join(', ')}]) cannot be read as ${dst.length} bytes`);
          };
          tensors[String(m.name)] = {
            type: m.type,
            dims: [...dims],
            readInto: (dst: Uint8Array): void => {
              if (!Number.isSafeInteger(bytes) || !Number.isSafeInteger(start) || dst.length > bytes) refuse(dst);
              this.#readOutputs(id, slot, start, dst);
            },
            readSpan: (dst: Uint8Array): void => {
              if (!Number.isSafeInteger(start) || !Number.isSafeInteger(group.end) || start + dst.length > group.end) refuse(dst);
              this.#readOutputs(id, slot, start, dst);
            },
          };
        }
        out.push(tensors);
      }
      group.end = at;
    } catch {
      // a malformed answer (a meta that is not an object): the child is not the one the engine started
      return new ArbiterError('E_WORKER_CRASH', 'the inference process answered with malformed output metadata');
    }
    return out;
  }

  #readOutputs(id: number, slot: OutputsSlot, at: number, dst: Uint8Array): void {
    if (this.#outSlotsClosed || slot.owner !== id) {
      throw new ArbiterError('E_INTERNAL', 'outputs of an inference group were read after their place in the outputs file was reused or closed');
    }
    let got = 0;
    while (got < dst.length) {
      const n = readSync(slot.fd, dst, got, dst.length - got, at + got);
      if (n === 0) break;
      got += n;
    }
    if (got !== dst.length) {
      // the child did not write what it said it wrote: it is not to be trusted with another batch
      const err = new ArbiterError('E_WORKER_CRASH', `the inference process's outputs file is short: expected ${dst.length} bytes at offset ${at}, found ${got}`);
      this.#fail(err);
      throw err;
    }
  }

  #unlinkOutputs(): void {
    for (const slot of this.#outSlots) if (slot) removeInputsFile(slot.file);
  }

  /**
   * Score one LM batch with the folder this session loaded (an LmModelRef). Rejects like run();
   * the submission's scoring failures (E_MODEL_RUNTIME, E_MODEL_CONTRACT, ...) reject too, with
   * messages that never quote hidden data, and leave the session usable (except E_MEMORY_LIMIT).
   */
  async runLm(task: LmRunTask): Promise<LmTaskResult & { ok: true }> {
    return await this.#request((id) => ({ kind: 'lm', id, task }), 1) as LmTaskResult & { ok: true };
  }

  #request(build: (id: number) => ToChild, batches: number): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new ArbiterError('E_INTERNAL', 'run() on a closed IsolatedSession'));
    if (this.#pendingLoad) return Promise.reject(new ArbiterError('E_INTERNAL', 'IsolatedSession.run() called while a model is loading; await loadNext'));
    if (this.#pending.length >= MAX_RUNS_IN_FLIGHT) return Promise.reject(new ArbiterError('E_INTERNAL', `IsolatedSession.run(): at most ${MAX_RUNS_IN_FLIGHT} groups may be in flight`));
    const id = this.#nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const batchMs = this.#limits.batchTimeoutMs === undefined ? undefined : this.#limits.batchTimeoutMs * batches;
      let t0 = performance.now();
      // The batch clock of a queued group starts when the group ahead of it has returned, i.e.
      // when the child starts it, so a queued group is never charged for its wait.
      const arm = (): NodeJS.Timeout | null => {
        t0 = performance.now();
        return batchMs === undefined
          ? null
          : setTimeout(() => {
            this.#fail(new ArbiterError('E_TIMEOUT', `a batch exceeded its wall-clock limit: expected to finish within ${this.#limits.batchTimeoutMs} ms per batch (${batchMs} ms for ${batches}), still running after ${Math.round(performance.now() - t0)} ms (killed)`, { limitMs: this.#limits.batchTimeoutMs, scope: 'batch', batches }));
          }, batchMs);
      };
      const pending: Pending = {
        id,
        batches,
        arm,
        timer: null,
        resolve: (out) => {
          this.stats.batches += batches;
          this.stats.runMs += performance.now() - t0;
          resolve(out);
        },
        reject,
      };
      if (this.#pending.length === 0) pending.timer = arm();
      this.#pending.push(pending);
      this.#child.send(build(id), (err) => {
        if (err) this.#fail(new ArbiterError('E_WORKER_CRASH', `the inference process is gone: ${err.message}`));
      });
    });
  }

  /**
   * Reuse this (healthy) child for the next submission: release the current model, load
   * `model`, and restart the submission wall clock (`wallClockMs`, default the limit given at
   * open). Saves the process start (~0.2 s compiled, ~0.6 s under tsx) per submission. Rejects
   * like open(); a failure leaves the session failed (open a new one).
   */
  loadNext(model: ModelRef, opts: { wallClockMs?: number; graphOptimizationLevel?: GraphOptimizationLevel } = {}): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed || this.#pending.length > 0 || this.#pendingLoad) {
      return Promise.reject(new ArbiterError('E_INTERNAL', 'IsolatedSession.loadNext() on a closed or busy session'));
    }
    const wallClockMs = opts.wallClockMs ?? this.#limits.wallClockMs;
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    const t0 = performance.now();
    this.#deadlineTimer = setTimeout(() => {
      this.#fail(new ArbiterError('E_TIMEOUT', `the submission exceeded its wall-clock limit: expected to finish within ${wallClockMs} ms, still running after ${Math.round(performance.now() - t0)} ms (killed)`, { limitMs: wallClockMs, scope: 'submission' }));
    }, wallClockMs);
    this.stats.batches = 0;
    this.stats.runMs = 0;
    return new Promise<void>((resolve, reject) => {
      this.#pendingLoad = { resolve, reject, t0 };
      this.#child.send(loadMessage(model, opts.graphOptimizationLevel ?? 'extended'), (err) => {
        if (err) this.#fail(new ArbiterError('E_WORKER_CRASH', `the inference process is gone: ${err.message}`));
      });
    });
  }

  /**
   * Fail this session from outside with `error` (e.g. the submission's shared deadline expired,
   * or another task of the same submission failed): the child is killed and a running batch
   * rejects with this error.
   */
  abort(error: ErrorData): void {
    this.#fail(new ArbiterError(error.code, error.message, error.details));
  }

  /** Stop the child (SIGKILL: it holds nothing worth flushing) and wait until it has exited. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#stopTimers();
      if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    }
    await this.#exited;
    if (!this.#outSlotsClosed) {
      this.#outSlotsClosed = true;
      this.#unlinkOutputs();
      for (const slot of this.#outSlots) if (slot) try { closeSync(slot.fd); } catch { /* closed */ }
      this.#outSlots = [];
    }
  }

  #onMessage(msg: FromChild): void {
    const load = this.#pendingLoad;
    if (load && (msg.kind === 'loaded' || (msg.kind === 'error' && msg.id === null))) {
      this.#pendingLoad = null;
      if (msg.kind === 'loaded') {
        this.info = { ...this.info, inputNames: msg.inputNames, outputNames: msg.outputNames, loadedVmSizeKb: msg.vmSizeKb, loadedRssKb: msg.rssKb, startMs: 0, loadMs: performance.now() - load.t0 };
        load.resolve();
      } else {
        const err = new ArbiterError(msg.error.code, msg.error.message, msg.error.details);
        this.#fail(err); // the previous model is gone and the new one did not load
        load.reject(err);
      }
      return;
    }
    const p = this.#pending[0];
    if (!p || msg.kind === 'loaded' || msg.kind === 'ready' || msg.id !== p.id) return;
    if (p.timer) clearTimeout(p.timer);
    this.#pending.shift();
    const next = this.#pending[0];
    if (next) next.timer = next.arm();
    const outSlot = this.#outOf.get(p.id);
    if (outSlot) this.#outOf.delete(p.id);
    if (msg.kind === 'result') {
      // one answer per batch sent, or the group fails: a short answer would leave batches unscored
      if (Array.isArray(msg.outputs) && msg.outputs.length === p.batches) p.resolve(msg.outputs);
      else {
        const err = new ArbiterError('E_WORKER_CRASH', `the inference process answered ${Array.isArray(msg.outputs) ? msg.outputs.length : 'no'} batches of a group of ${p.batches}`);
        this.#fail(err);
        p.reject(err);
      }
    } else if (msg.kind === 'result-file') {
      const outs = this.#fileOutputs(p.id, outSlot, msg.outputs, p.batches);
      if (outs instanceof ArbiterError) {
        this.#fail(outs);
        p.reject(outs);
      } else p.resolve({ file: outs });
    } else if (msg.kind === 'lm-result') p.resolve(msg.result);
    else {
      const err = new ArbiterError(msg.error.code, msg.error.message, msg.error.details);
      // A model that hit its memory limit inside ORT may have left the session half-torn;
      // never reuse it. Ordinary runtime errors keep the session usable.
      if (err.code === 'E_MEMORY_LIMIT') this.#fail(err);
      p.reject(err);
    }
  }

  #fail(err: ArbiterError): void {
    if (this.#failure || this.#closed) return;
    this.#failure = err;
    this.#outOf.clear();
    this.#stopTimers();
    this.#child.kill('SIGKILL');
    for (const p of this.#pending.splice(0)) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    const load = this.#pendingLoad;
    this.#pendingLoad = null;
    load?.reject(err);
  }

  #stopTimers(): void {
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    if (this.#rssTimer) clearInterval(this.#rssTimer);
    for (const p of this.#pending) if (p.timer) clearTimeout(p.timer);
  }
}

/**
 * The error of a child that died on its own. Its stderr only classifies the death: it is never
 * quoted, because the submission's code (or a library logging its inputs) decides what is
 * written there, and error messages go into the store and receipts.
 */
export function crashError(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): ArbiterError {
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  if (STDERR_MEMORY.test(stderrTail)) {
    return new ArbiterError('E_MEMORY_LIMIT', `the inference process ran out of memory under its limit and died (${how})`, { signal, exitCode: code });
  }
  return new ArbiterError('E_WORKER_CRASH', `the inference process died unexpectedly (${how})`, { signal, exitCode: code });
}

function validateLimits(l: IsolationLimits): void {
  const bad = (what: string, v: unknown): never => {
    throw new ArbiterError('E_USAGE', `isolation limit ${what} must be a positive finite number, found ${String(v)}`);
  };
  if (!(Number.isFinite(l.wallClockMs) && l.wallClockMs > 0)) bad('wallClockMs', l.wallClockMs);
  if (!(Number.isFinite(l.memoryLimitMb) && l.memoryLimitMb > 0)) bad('memoryLimitMb', l.memoryLimitMb);
  if (l.batchTimeoutMs !== undefined && !(Number.isFinite(l.batchTimeoutMs) && l.batchTimeoutMs > 0)) bad('batchTimeoutMs', l.batchTimeoutMs);
  if (l.addressSpaceHeadroomMb !== undefined && !(Number.isFinite(l.addressSpaceHeadroomMb) && l.addressSpaceHeadroomMb >= 0)) bad('addressSpaceHeadroomMb', l.addressSpaceHeadroomMb);
}
