// Runs onnxruntime-node on submitted models in a separate, memory-capped child process and reports
// what happened: created / ran, a JS-level error, a native crash (signal), or a timeout. Used by the
// sanity run and by the hostile-input suite; a crash costs one child, which is restarted.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ErrorData } from '../../errors.ts';
import { sanitizeMessage } from '../../messages.ts';

export type ProbeDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool' | 'string';
export interface ProbeTensor {
  type: ProbeDtype | string;
  dims: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | string[];
}
export type ProbeFeeds = Record<string, ProbeTensor>;

export type ProbeResult =
  | { status: 'ok'; inputNames: string[]; outputNames: string[]; outputs?: Record<string, ProbeTensor> }
  | { status: 'create-error'; message: string }
  | { status: 'run-error'; message: string; inputNames: string[]; outputNames: string[] }
  | { status: 'crash'; signal: string | null; exitCode: number | null; stderr: string }
  | { status: 'timeout'; ms: number };

export interface ProbeOptions {
  /** Kill the child when one request takes longer (default 20 s). */
  timeoutMs?: number;
  /** Address-space cap of the child in MiB (`ulimit -v`; default 4096). */
  memoryLimitMb?: number;
}

const CHILD = fileURLToPath(new URL('./ort-child.mjs', import.meta.url));

/** A long-lived child that probes models one at a time; restarted after a crash or timeout. */
export class OrtProbe {
  private child: ChildProcess | undefined;
  private stderr = '';
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  /** Children lost to crashes or timeouts so far. */
  crashes = 0;
  readonly timeoutMs: number;
  readonly memoryLimitMb: number;

  constructor(opts: ProbeOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.memoryLimitMb = opts.memoryLimitMb ?? 4096;
  }

  private start(): ChildProcess {
    const kb = this.memoryLimitMb * 1024;
    // `exec` keeps the IPC channel fd; the cap applies to the node process itself.
    const child = spawn('/bin/sh', ['-c', `ulimit -v ${kb} && exec "$0" "$@"`, process.execPath, CHILD], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: { ...process.env, NODE_OPTIONS: '' },
    });
    this.stderr = '';
    child.stderr!.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-2000); });
    this.child = child;
    return child;
  }

  /** Create a session from a model path or bytes, and run it on `feeds` if given. Requests are serialized. */
  probe(model: string | Uint8Array, feeds?: ProbeFeeds): Promise<ProbeResult> {
    const run = this.queue.then(() => this.probeNow(model, feeds));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private probeNow(model: string | Uint8Array, feeds?: ProbeFeeds): Promise<ProbeResult> {
    const child = this.child && this.child.exitCode === null && this.child.signalCode === null && this.child.connected ? this.child : this.start();
    const id = this.nextId++;
    return new Promise<ProbeResult>((resolve) => {
      let done = false;
      const finish = (r: ProbeResult, kill: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (kill) {
          this.crashes++;
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          this.child = undefined;
        }
        resolve(r);
      };
      const onMessage = (m: ProbeResult & { id: number }): void => {
        if (m.id !== id) return;
        const { id: _id, ...rest } = m;
        finish(rest as ProbeResult, false);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        // Let stderr drain a moment so the crash message is captured.
        setTimeout(() => finish({ status: 'crash', signal, exitCode: code, stderr: this.stderr.slice(-500) }, true), 20);
      };
      const timer = setTimeout(() => finish({ status: 'timeout', ms: this.timeoutMs }, true), this.timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, model, feeds }, (err) => {
        if (err) finish({ status: 'crash', signal: null, exitCode: null, stderr: `send failed: ${err.message}` }, true);
      });
    });
  }

  /** Stop the child (it exits when its IPC channel closes). */
  async close(): Promise<void> {
    await this.queue;
    const c = this.child;
    this.child = undefined;
    if (c && c.exitCode === null && c.signalCode === null) {
      await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.disconnect(); });
    }
  }
}

/** The admission error for a probe that did not produce a usable session/run, or null. */
export function probeError(r: ProbeResult, name = 'submission'): ErrorData | null {
  switch (r.status) {
    case 'ok': return null;
    case 'create-error': return { code: 'E_MODEL_FORMAT', message: `${name}: onnxruntime cannot load the model: ${sanitizeMessage(r.message)}` };
    case 'run-error': return { code: 'E_MODEL_RUNTIME', message: `${name}: onnxruntime failed on the sanity rows: ${sanitizeMessage(r.message)}` };
    case 'crash': return { code: 'E_MODEL_FORMAT', message: `${name}: onnxruntime crashed while loading or running the model (${r.signal ?? `exit ${r.exitCode}`})`, details: { crash: true, signal: r.signal, exitCode: r.exitCode } };
    case 'timeout': return { code: 'E_MODEL_RUNTIME', message: `${name}: onnxruntime did not finish the sanity run within ${r.ms} ms`, details: { timeout: true } };
  }
}
