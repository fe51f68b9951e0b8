// The task-kind interface: what the one run lifecycle (src/run/lifecycle.ts, and `arbiter work`, `--shard`, `--set final`,
// `verify`, which all go through it) asks of a task kind. A task kind is the only place that knows
// what a submission is (an ONNX file, a prediction file, a model folder), how its hidden set is
// read, how a batch runs in the inference layer and how an answer becomes metric states. The
// lifecycle never branches on the task type: it calls these methods (src/tasks/index.ts maps a
// spec's task type to its kind). It lives in the tasks layer, which the run layer sits on. docs/architecture.md shows how to add a kind.
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import type { Store, SubmissionRecord } from '../store/store.ts';
import type { Fingerprint } from '../inference/fingerprint.ts';
import type { SubmissionFile } from '../models/submission-file.ts';
import type { Isolation } from '../inference/executor.ts';
import type { JournalStore } from '../fold/journaled-fold.ts';
import type { Outcome } from '../results.ts';
import type { ErrorData } from '../errors.ts';

/**
 * Test seams of a run: delay a finished task before it is folded (to shuffle completion order);
 * another worker module; a smaller input window (bytes of inputs) so a small set is read in several.
 */
export interface RunHooks {
  afterTask?: (submission: number, chunk: number) => Promise<void> | void; workerFile?: string; inputWindowBytes?: number;
  /** fold threads of a tabular run, in place of ARBITER_FOLD_THREADS or the default (tests and the bench) */
  foldThreads?: number;
}

/** What stops and fences the scoring of a run: its cancel signal, and the lease check every journal and outcome write makes. */
export interface RunControl { signal?: AbortSignal; guard?: () => void }

/** Chunks [first, end) of a submission, `rows` rows in all: the slice a shard scores (src/run/shard-job.ts). */
export interface ChunkRange { first: number; end: number; rows: number }

/** Bounds the inference tasks in flight across all submissions of a run (src/inference/semaphore.ts). */
export interface TaskSlots { acquire(): Promise<void>; release(): void }

/** One verdict of `arbiter check`: the rule passed with what was found, or failed with its error. */
export type CheckVerdict = { ok: true; message: string } | { ok: false; error: ErrorData };

/** What a kind's check found: the submission as identified, and the file and admission verdicts (admission absent when the file rule failed). */
export interface CheckSteps {
  submission: { path: string; kind: 'onnx' | 'predictions' | 'model-folder'; bytes: number; sha256: string } | null;
  file: CheckVerdict;
  admission?: CheckVerdict;
}

/** An admitted submission, in run order; a kind adds what its scoring needs (a parsed file, a folder). */
export interface Admitted { sub: SubmissionRecord; order: number }

/** What every kind's prepared hidden set gives the lifecycle: its commitment, size and split. */
export interface RunData {
  sha256: string;
  rows: number;
  /** one byte per row in batch-plan order: 1 public, 0 private */
  splitMask: Uint8Array;
}

/** The inference layer a kind opened for a run (child processes or worker threads). */
export interface Closeable { close(): Promise<void> }

/** Everything scoreOne needs besides the submission: the run, its data, journal and executor. */
export interface ScoreContext<D extends RunData, E extends Closeable> {
  b: LoadedBenchmark;
  data: D;
  /** the run's journal: the SQLite store, or a shard's in-memory journal */
  store: JournalStore;
  runId: number;
  /** rows per inference task (whole batches): the journal's chunk size */
  taskRows: number;
  /** null when no submission of the run needs inference (prediction files only) */
  executor: E | null;
  /** bounds the tasks in flight across all submissions of the run */
  inflight: TaskSlots;
  hooks?: RunHooks;
}

export interface AdmissionResult<A extends Admitted> {
  /** outcomes settled at admission (failed or duplicate), by submission id */
  outcomes: Map<number, Outcome>;
  /** submissions to score, in run order */
  todo: A[];
}

export interface TaskKind<D extends RunData = RunData, A extends Admitted = Admitted, E extends Closeable = Closeable> {
  /** a name for messages and docs ('tabular', 'language-model') */
  readonly name: string;
  /** expand a path given on the command line into submission files (a folder of them, or one) */
  collect(paths: string[]): SubmissionFile[];
  /** the content hash a submission is registered under (a file's bytes, a folder's manifest), or null when it is not one */
  identify(p: string): string | null;
  /** identify one submission (content hash, streamed; refused from its size before a byte is read) and register it in the store */
  register(store: Store, b: LoadedBenchmark, f: SubmissionFile): SubmissionRecord;
  /**
   * `arbiter submit`: the checks one submission can pass on its own before it is registered (its
   * size from disk before a byte is read, its format and contract, what the file alone decides);
   * throws the first failure's ArbiterError. Copies are checked at scoring, against the whole list.
   */
  checkOne(b: LoadedBenchmark, store: Store, f: SubmissionFile): Promise<void>;
  /**
   * `arbiter check`, a participant's dry run: the file rule and the admission rule, each as a
   * verdict (a failed rule stops the dry run); the run lifecycle then scores the public sample.
   */
  checkRules(b: LoadedBenchmark, submissionPath: string): Promise<CheckSteps>;
  /** how many rows a public sample file holds (the kind's dataset format) */
  sampleRows(file: string): Promise<number>;
  /** build a bundled benchmark's generated demo submissions, when it has any (before default selection) */
  ensureBundled(b: LoadedBenchmark): Promise<void>;
  /** rows per inference task: the request rounded to whole batches, or the kind's fixed chunk */
  taskRows(b: LoadedBenchmark, requested: number | undefined): number;
  /** admission over the run's submissions in run order; `settled` ones (a resumed run) are skipped but still count as originals */
  admit(b: LoadedBenchmark, store: Store, subs: readonly SubmissionRecord[], settled: ReadonlySet<number>): Promise<AdmissionResult<A>>;
  /** open and check the hidden set (commitment, rows, split); never returns labels to a worker */
  prepare(b: LoadedBenchmark, opts: { keyFile?: string; signal?: AbortSignal }): Promise<D>;
  /** the sanity run on public rows, before any hidden row is scored */
  sanity(b: LoadedBenchmark, todo: readonly A[], data: D): Promise<AdmissionResult<A>>;
  /** what every score of the run is made under */
  fingerprint(b: LoadedBenchmark, data: D): Fingerprint;
  /** the inference layer for `todo`, or null when none of them needs inference */
  executor(b: LoadedBenchmark, todo: readonly A[], opts: { isolation: Isolation; workers: number; hooks?: RunHooks }): E | null;
  /**
   * Score one admitted submission, continuing after the chunks its journal already holds; with a
   * `range` (a shard) only those chunks, and nothing is finalized. Never rejects for a submission's
   * fault: failures are the outcome's error.
   */
  scoreOne(ctx: ScoreContext<D, E>, t: A, progressed: (rows: number) => void, ctl: RunControl, range?: ChunkRange): Promise<Outcome>;
}

/** Any kind, as the lifecycle holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskKind = TaskKind<any, any, any>;
