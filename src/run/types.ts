// The option types of a scoring run, and its result types (defined in src/results.ts, the leaf
// every layer that reads a run imports). No behaviour lives here.
import type { Outcome, ScoreResult, ScoreRow } from '../results.ts';
import type { ChunkRange, RunControl, RunHooks } from '../tasks/task-kind.ts';
import type { SubmissionFile } from '../models/submission-file.ts';
import type { ErrorData } from '../errors.ts';
import type { Isolation } from '../inference/executor.ts';

export type { Outcome, ScoreResult, ScoreRow, ChunkRange, RunControl, RunHooks };

/** The set-up phases of a run before its first scored row, then scoring itself (for progress display only). */
export type ScorePhase = 'admission' | 'hashing' | 'sanity' | 'scoring';

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
  /** called as the run enters each phase (admission, hashing the hidden set, sanity run, scoring); display only */
  onPhase?: (phase: ScorePhase) => void;
  /**
   * A submission refused before it could be registered (too large from its size on disk, not a
   * regular file, a participant name that does not print safely): with this callback the run goes
   * on without it and the callback says why; without it the refusal is thrown.
   */
  onRefused?: (file: SubmissionFile, error: ErrorData) => void;
  /** test seams: delay a finished task before it is folded (to shuffle completion order); another worker module */
  hooks?: RunHooks;
}


