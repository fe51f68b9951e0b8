// A long-lived, heap-capped child process for fuzz cases that could take the test runner down
// (allocation bombs): one request at a time, killed past a deadline, restarted after it dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PredictionReply, PredictionRequest } from './prediction-child.ts';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SCRIPT = fileURLToPath(new URL('./prediction-child.ts', import.meta.url));

/** `cpuMs`: the child's CPU time on the file (absent when it died or was killed); `ms`: wall time. */
export interface ChildOutcome { outcome: string; crash?: string; cpuMs?: number; ms: number }

export class PredictionChild {
  private child: ChildProcess | undefined;
  private nextId = 1;
  restarts = 0;
  constructor(private readonly heapMb: number, private readonly deadlineMs: number) {}

  private start(): ChildProcess {
    const c = spawn(process.execPath, [`--max-old-space-size=${this.heapMb}`, '--import', TSX, SCRIPT], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } });
    this.child = c;
    return c;
  }

  /** Load one file in the child; a death or a deadline is reported as a crash or a hang, and the child is replaced. */
  request(req: Omit<PredictionRequest, 'id'>): Promise<ChildOutcome> {
    const c = this.child && this.child.exitCode === null && this.child.signalCode === null && this.child.connected ? this.child : this.start();
    const id = this.nextId++;
    const t0 = performance.now();
    return new Promise((resolve) => {
      let done = false;
      const finish = (o: Omit<ChildOutcome, 'ms'> & { ms?: number }, kill: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        c.off('message', onMessage);
        c.off('exit', onExit);
        if (kill) {
          this.restarts++;
          if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
          this.child = undefined;
        }
        resolve({ ms: performance.now() - t0, ...o });
      };
      const onMessage = (m: PredictionReply): void => { if (m.id === id) finish(m, false); };
      const onExit = (code: number | null, signal: string | null): void => finish({ outcome: 'crash', crash: `child died (${signal ?? `exit ${code}`}): out of memory?` }, true);
      const timer = setTimeout(() => finish({ outcome: 'crash', crash: `hang: no answer within ${this.deadlineMs} ms` }, true), this.deadlineMs);
      c.on('message', onMessage);
      c.once('exit', onExit);
      c.send({ ...req, id });
    });
  }

  close(): void {
    const c = this.child;
    this.child = undefined;
    if (c && c.exitCode === null && c.signalCode === null) c.disconnect();
  }
}
