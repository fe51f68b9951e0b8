// A pool of warm inference child processes (IsolatedSession), one per core, for the engine's
// (submission, chunk of batches) tasks. It keeps the per-submission wall clock across all the
// tasks of a submission (whichever child runs them), prefers the child that already has a
// submission's model loaded, reuses a healthy child for the next submission (loadNext, ~2 ms
// instead of a ~1 s process start) and replaces children that were killed. A submission error
// never rejects: `run` resolves with the error as data and the submission's other tasks stop.
// A task is either batches of tensors for the ONNX runner or one batch for the LM runner
// (LmSubmissionTask); the clock, affinity, reuse and replacement are the same for both.
// A child holding a submission's model takes that submission's next ONNX task while it runs the
// last groups of the current one, so it never waits for the engine between two tasks.
import { ArbiterError, toErrorData, type ErrorData } from '../../errors.ts';
import { IsolatedSession, MAX_RUNS_IN_FLIGHT, type FileBatchOutputs, type IsolationLimits } from './runner.ts';
import { Semaphore } from '../semaphore.ts';
import type { FileFeeds, GraphOptimizationLevel, LmModelRef, ModelRef, WireFeeds } from './protocol.ts';
import type { LmRunTask, LmTaskResult } from '../../tasks/lm/run-task.ts';

export interface IsolatedPoolOptions {
  /** number of child processes (one per core: each runs ORT with one thread) */
  size: number;
  /** limits per submission; wallClockMs spans every task of the submission */
  limits: IsolationLimits;
  graphOptimizationLevel?: GraphOptimizationLevel;
  rssPollMs?: number;
  /** how each child's RLIMIT_AS is set (IsolatedSessionOptions.addressSpaceLimit); default 'auto' */
  addressSpaceLimit?: 'auto' | 'prlimit' | 'ulimit' | 'none';
  /** extra V8 flags for every child (IsolatedSessionOptions.nodeFlags) */
  nodeFlags?: string[];
  /** a child module in place of child.ts (IsolatedSessionOptions.childEntry; a test seam) */
  childEntry?: string;
  /**
   * batches sent to a child per IPC message (default 1): with small spec batches, several per
   * message save round trips; each batch is still its own ORT run and onBatch call, in order
   */
  batchesPerMessage?: number;
}

/** One task: `batches` consecutive batches of one submission. */
export interface SubmissionTask {
  /** the submission id (sha256 hex); tasks with the same id share the wall clock and a failure */
  submission: string;
  /** a model file path (preferred) or bytes */
  model: string | Uint8Array;
  /** how many batches this task runs */
  batches: number;
  /** the inputs of the task's batch i (0-based), built when needed */
  feeds: (i: number) => WireFeeds | Promise<WireFeeds>;
  /** instead of feeds: where the child reads batch i's rows (the engine's inputs file) */
  fileFeeds?: (i: number) => FileFeeds;
  /** called with batch i's outputs, in batch order, before batch i + 1 is sent */
  onBatch: (i: number, outputs: WireFeeds) => void | Promise<void>;
  fetches?: string[];
  /** batches per IPC message for this task, in place of the pool's batchesPerMessage */
  batchesPerMessage?: number;
  /**
   * with fileFeeds: the child writes the outputs into an outputs file in `dir` (a memory-backed
   * place, like the inputs file) and `onGroup` gets each group's (batches i, i + 1, ...) to
   * check and read, instead of the outputs crossing IPC (task.onBatch still gets them when no
   * outputs file can be made)
   */
  fileOutputs?: { dir: string; onGroup: (i: number, outputs: FileBatchOutputs[]) => void | Promise<void> };
}

/** One LM batch of a submission, for the child's LM runner. */
export interface LmSubmissionTask {
  /** the submission's key (e.g. its folder); tasks with the same key share the wall clock and a failure */
  submission: string;
  model: LmModelRef;
  lm: LmRunTask;
  /** called with the batch's scores when it succeeded */
  onResult: (r: LmTaskResult & { ok: true }) => void;
}

export type PoolTask = SubmissionTask | LmSubmissionTask;

export type TaskOutcome = { ok: true } | { ok: false; error: ErrorData };

interface Slot {
  session: IsolatedSession | null;
  loaded: string | null; // submission id whose model the session holds
  busyWith: string | null;
  /** tasks running on this child: 0, 1, or 2 when the second is the same submission's next ONNX task */
  tasks: number;
  /** whether the running task is an ONNX one (a second task may join it) */
  onnx: boolean;
  /**
   * credits for the groups in the child at once (MAX_RUNS_IN_FLIGHT), shared by the tasks running
   * on it: a group takes one before it is sent and gives it back once its outputs have been read
   * (its outputs file is then free for the group after next); first come, first served
   */
  groups: Semaphore;
  /** resolves when the last task to start on this child has sent its last group: the next one sends after it */
  sendTurn: Promise<void>;
}


interface Queued {
  task: PoolTask;
  resolve: (o: TaskOutcome) => void;
}

export class IsolatedPool {
  readonly #opts: IsolatedPoolOptions;
  readonly #slots: Slot[];
  readonly #queue: Queued[] = [];
  readonly #started = new Map<string, number>(); // submission -> performance.now() of its first task
  readonly #failed = new Map<string, ErrorData>();
  #closed = false;
  /** children started so far, models loaded into warm children, tasks run, and tasks that joined a running one */
  readonly stats = { spawned: 0, reloads: 0, tasks: 0, joined: 0 };

  constructor(opts: IsolatedPoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new ArbiterError('E_USAGE', `pool size must be a positive integer, found ${opts.size}`);
    const per = opts.batchesPerMessage ?? 1;
    if (!Number.isInteger(per) || per < 1) throw new ArbiterError('E_USAGE', `batchesPerMessage must be a positive integer, found ${per}`);
    this.#opts = opts;
    this.#slots = Array.from({ length: opts.size }, () => ({ session: null, loaded: null, busyWith: null, tasks: 0, onnx: false, groups: new Semaphore(MAX_RUNS_IN_FLIGHT), sendTurn: Promise.resolve() }));
  }

  /** The first error a submission failed with, or null. */
  failureOf(submission: string): ErrorData | null {
    return this.#failed.get(submission) ?? null;
  }

  /** Queue a task. Resolves when it has finished or failed; never rejects for a submission's fault. */
  run(task: PoolTask): Promise<TaskOutcome> {
    if (this.#closed) return Promise.reject(new ArbiterError('E_INTERNAL', 'IsolatedPool.run() after close()'));
    return new Promise<TaskOutcome>((resolve) => {
      this.#queue.push({ task, resolve });
      this.#pump();
    });
  }

  /** Kill every child. Tasks still queued resolve as cancelled (E_INTERNAL 'pool closed'). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const q of this.#queue.splice(0)) q.resolve({ ok: false, error: { code: 'E_INTERNAL', message: 'the inference pool was closed before this task ran' } });
    await Promise.all(this.#slots.map((s) => s.session?.close()));
  }

  #pump(): void {
    for (const slot of this.#slots) {
      for (;;) {
        if (this.#queue.length === 0) return;
        const k = this.#pick(slot);
        if (k < 0) break;
        const [q] = this.#queue.splice(k, 1);
        slot.busyWith = q!.task.submission;
        slot.onnx = !('lm' in q!.task);
        if (slot.tasks++ > 0) this.stats.joined++;
        void this.#runOn(slot, q!.task).then((outcome) => {
          if (--slot.tasks === 0) slot.busyWith = null;
          q!.resolve(outcome);
          if (!this.#closed) this.#pump();
        });
      }
    }
  }

  /** The queued task `slot` takes now (an index in the queue), or -1. */
  #pick(slot: Slot): number {
    if (slot.tasks === 0) {
      // Affinity: a task of the submission this child already holds, else the oldest task.
      const k = this.#queue.findIndex((q) => q.task.submission === slot.loaded);
      return k < 0 || (slot.session?.failure ?? null) !== null ? 0 : k;
    }
    // The same submission's next ONNX task joins the running one once its model is loaded: its
    // first group is sent while the current task's last group runs, so the child goes straight
    // on to it instead of waiting for the engine to read that group and hand it the next task
    // (with one child, that wait was a quarter of the child's time in the engine bench).
    if (slot.tasks === 1 && slot.onnx && slot.session !== null && slot.session.failure === null && slot.loaded === slot.busyWith) {
      return this.#queue.findIndex((q) => q.task.submission === slot.busyWith && !('lm' in q.task));
    }
    return -1;
  }

  async #runOn(slot: Slot, task: PoolTask): Promise<TaskOutcome> {
    this.stats.tasks++;
    const id = task.submission;
    const prior = this.#failed.get(id);
    if (prior) return { ok: false, error: prior };
    const { limits } = this.#opts;
    // The submission's clock starts when its model starts loading in its first child (a process
    // start is not counted); later tasks, in any child, get what is left of it.
    const now = performance.now();
    const started = this.#started.get(id);
    const remaining = started === undefined ? limits.wallClockMs : started + limits.wallClockMs - now;
    if (remaining <= 0) {
      return this.#fail(id, { code: 'E_TIMEOUT', message: `the submission exceeded its wall-clock limit: expected to finish within ${limits.wallClockMs} ms, still running after ${Math.round(now - started!)} ms`, details: { limitMs: limits.wallClockMs, scope: 'submission' } });
    }
    try {
      if (slot.session && slot.session.failure === null && slot.loaded === id) {
        // the model is loaded and its clock (set at load) already counts toward this submission
      } else if (slot.session && slot.session.failure === null) {
        slot.loaded = null;
        await slot.session.loadNext(task.model as ModelRef, { wallClockMs: remaining, graphOptimizationLevel: this.#opts.graphOptimizationLevel });
        this.stats.reloads++;
      } else {
        await slot.session?.close();
        slot.session = null;
        slot.loaded = null;
        this.stats.spawned++;
        slot.session = await IsolatedSession.open({
          model: task.model,
          limits: { ...limits, wallClockMs: remaining },
          graphOptimizationLevel: this.#opts.graphOptimizationLevel,
          rssPollMs: this.#opts.rssPollMs,
          addressSpaceLimit: this.#opts.addressSpaceLimit,
          nodeFlags: this.#opts.nodeFlags,
          ...(this.#opts.childEntry ? { childEntry: this.#opts.childEntry } : {}),
        });
      }
      slot.loaded = id;
      if (!this.#started.has(id)) this.#started.set(id, performance.now() - slot.session.info.loadMs);
      // The next group is sent before this one's outputs are back, so the child goes straight on
      // to it instead of waiting for the round trip and the engine's fold.
      const session = slot.session;
      if ('lm' in task) {
        const r = await session.runLm(task.lm);
        const failedMeanwhile = this.#failed.get(id);
        if (failedMeanwhile) return { ok: false, error: failedMeanwhile };
        task.onResult(r);
        return { ok: true };
      }
      const per = task.batchesPerMessage ?? this.#opts.batchesPerMessage ?? 1;
      const fromFile = task.fileFeeds;
      type Group = { file: FileBatchOutputs[] } | { wire: WireFeeds[] };
      const credits = slot.groups;
      let held = 0; // credits this task holds: its groups sent and not yet read
      // A task that joined another sends its first group once that one has sent its last: the
      // child runs the two tasks one after the other, not interleaved.
      const turn = slot.sendTurn;
      let sentAll = (): void => undefined;
      slot.sendTurn = new Promise<void>((resolve) => { sentAll = resolve; });
      const send = async (i: number): Promise<Group> => {
        await turn; // every group, not just the first: group 1 must not overtake group 0
        await credits.acquire();
        held++;
        if (i + per >= task.batches) sentAll();
        if (fromFile) {
          const files: FileFeeds[] = [];
          for (let j = i; j < Math.min(task.batches, i + per); j++) files.push(fromFile(j));
          if (task.fileOutputs) return session.runFileOut(files, task.fetches, task.fileOutputs.dir);
          return { wire: await session.runFile(files, task.fetches) };
        }
        const group: WireFeeds[] = [];
        for (let j = i; j < Math.min(task.batches, i + per); j++) group.push(await task.feeds(j));
        return { wire: await session.runMany(group, task.fetches) };
      };
      let ahead: Promise<Group> | null = null;
      try {
        this.#pump(); // with its model loaded and its turn taken, the submission's next task may join this one
        let current = send(0);
        current.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
        for (let i = 0; i < task.batches; i += per) {
          ahead = i + per < task.batches ? send(i + per) : null;
          ahead?.catch(() => undefined);
          const outs = await current;
          const failedMeanwhile = this.#failed.get(id);
          if (failedMeanwhile) return { ok: false, error: failedMeanwhile };
          // A group's outputs file is read here, before the group after `ahead` is sent.
          if ('file' in outs) await task.fileOutputs!.onGroup(i, outs.file);
          else for (let j = 0; j < outs.wire.length; j++) await task.onBatch(i + j, outs.wire[j]!);
          held--;
          credits.release();
          if (ahead) current = ahead;
        }
        ahead = null;
        return { ok: true };
      } finally {
        // Leave the child idle (loadNext needs that) whatever happened to this task.
        if (ahead) await ahead.catch(() => undefined);
        // groups sent and never read (a failure): nothing will read them now
        for (; held > 0; held--) credits.release();
        sentAll(); // a failed task may not have sent them all: the next one goes on
      }
    } catch (e) {
      // Errors thrown by the caller's feeds/onBatch (e.g. E_METRIC_INPUT) fail the submission too.
      return this.#fail(id, toErrorData(e), slot);
    }
  }

  #fail(id: string, err: ErrorData, from?: Slot): TaskOutcome {
    const first = this.#failed.get(id);
    if (first) return { ok: false, error: first };
    // A child's clock was set to what was left of the submission's; report the whole limit.
    const { wallClockMs } = this.#opts.limits;
    const started = this.#started.get(id);
    const error: ErrorData = err.code === 'E_TIMEOUT' && err.details?.scope === 'submission'
      ? { code: 'E_TIMEOUT', message: `the submission exceeded its wall-clock limit: expected to finish within ${wallClockMs} ms, still running after ${started === undefined ? wallClockMs : Math.round(performance.now() - started)} ms (killed)`, details: { limitMs: wallClockMs, scope: 'submission' } }
      : err;
    this.#failed.set(id, error);
    // Stop the submission's other running tasks now rather than at their next batch.
    for (const s of this.#slots) {
      if (s !== from && s.busyWith === id && s.session && s.session.failure === null && s.loaded === id) s.session.abort(error);
    }
    return { ok: false, error };
  }
}
