// The result and option types of a scoring run, shared by every layer that reads a run
// (receipts, reports, ranking, the CLI) and by every task kind. No behaviour lives here.
import type { ErrorData } from '../errors.ts';
import type { Fingerprint } from '../engine/fingerprint.ts';
import type { SubmissionFile } from '../engine/submissions.ts';
import type { Isolation } from '../engine/executor.ts';

export interface ScoreRow {
  rank: number | null;
  submission: string;
  participant: string;
  status: 'scored' | 'failed' | 'duplicate';
  scores: Record<string, number>;
  splitScores: Record<string, Record<string, number>>;
  error: { code: string; message: string } | null;
  /** set when the predictions agree with an earlier submission's on more than admission.duplicates.predictionAgreement of the rows */
  duplicateOf?: { submission: string; participant: string; agreement: number };
  /** the row's share of the spec's reward pool (integer, smallest unit, decimal string) */
  reward?: string;
}

export interface ScoreResult {
  benchmark: { id: string; version: number; specHash: string };
  run: { id: number; fingerprint: Fingerprint };
  rows: ScoreRow[];
}

export interface ScoreProgress { done: number; total: number; submissionsDone: number; submissions: number }

export interface ScoreOptions {
  benchmark: string;
  benchmarksDir?: string;
  /** files or folders (participant = file name without extension), or files with their participant; default: every submission registered for the benchmark, after registering its submissions/ folder */
  submissions?: Array<string | SubmissionFile>;
  workers?: number;
  db?: string;
  /** rows per worker task, rounded up to whole batches; changes speed, never results */
  taskRows?: number;
  /** key file of an encrypted dataset (default: ARBITER_DATASET_KEY); never the key itself */
  datasetKeyFile?: string;
  /** which hidden set: 'live' (`dataset`, default) or 'final' (`hiddenSets.final`, stored as `<id>--final-set`) */
  set?: 'live' | 'final';
  /** continue an interrupted run (its submissions and task size come from the store) */
  resume?: number;
  /** where inference runs: isolated child processes under the spec's limits (default), or worker threads */
  isolation?: Isolation;
  /** cancel the run (SIGINT/SIGTERM): in-flight tasks settle, the run is marked cancelled and can be resumed; reject with E_CANCELLED */
  signal?: AbortSignal;
  onProgress?: (p: ScoreProgress) => void;
  /** test seams: delay a finished task before it is folded (to shuffle completion order); another worker module */
  hooks?: RunHooks;
}

export interface RunHooks { afterTask?: (submission: number, chunk: number) => Promise<void> | void; workerFile?: string }

/** A submission's result in a run: its per-split scores, or why it has none. */
export interface Outcome { splitScores: Record<string, Record<string, number>> | null; error: ErrorData | { code: string; message: string } | null }

/** What stops and fences the scoring of a run: its cancel signal, and the lease check every journal and outcome write makes. */
export interface RunControl { signal?: AbortSignal; guard?: () => void }

/** Chunks [first, end) of a submission, `rows` rows in all: the slice a shard scores (src/engine/shard-job.ts). */
export interface ChunkRange { first: number; end: number; rows: number }
