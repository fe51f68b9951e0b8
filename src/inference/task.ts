// The messages between the main thread and inference workers. A task names a range of rows of an
// input window (shared-inputs.ts) and carries only the window's model input columns, in shared
// memory (never labels, ids or the split), plus the slab its outputs go into; the worker runs the
// range in the benchmark's fixed batches.
import type { ErrorData } from '../errors.ts';
import type { InputDtype, InputWindow } from './shared-inputs.ts';

export type InputArray = Float32Array | Float64Array | Int32Array | BigInt64Array;

export interface InferenceInput {
  /** ONNX input name */
  name: string;
  dtype: InputDtype;
  /** the row's shape without the batch axis, e.g. [16] */
  rowShape: number[];
  /** the whole window's column: window rows x prod(rowShape) values, row-major, in a SharedArrayBuffer */
  data: InputArray;
}

/** What fixes a task's batches: its row count and the spec's batch plan. */
export interface BatchPlan {
  rows: number;
  batchSize: number;
  padLast: boolean;
}

/** One chunk of one submission, as the run hands it to an executor. */
export interface ChunkJob extends BatchPlan {
  /** absolute path of the ONNX file and its sha256 (the worker's session cache key) */
  modelPath: string;
  modelSha256: string;
  window: InputWindow;
  /** the chunk's first row within the window */
  start: number;
  output: { name: string; rowShape: number[] };
  /** where the chunk's outputs go: at least rows x prod(output.rowShape) float64s */
  out: SharedArrayBuffer;
}

/** The message a worker thread gets: the job with the window's input columns instead of the window. */
export interface InferenceTask extends Omit<ChunkJob, 'window'> {
  inputs: InferenceInput[];
}

/** The chunk's outputs are in the job's slab, as float32 or float64 (what the model answered in). */
export type InferenceResult =
  | { ok: true; dtype: 'float32' | 'float64' }
  | { ok: false; error: ErrorData };

export const GRAPH_OPTIMIZATION_LEVEL = 'extended' as const;

/**
 * What a model's run-time failure on hidden rows says: onnxruntime's own message is withheld, since
 * it can quote values of the batch (an out-of-range Gather index is a hidden feature value). The
 * sanity run and `arbiter check` run the model on public rows, where its message is shown.
 */
export const HIDDEN_BATCH_FAILURE = "onnxruntime failed while running a batch of hidden rows (its message is withheld: it can quote the batch's values; the sanity run on public rows and `arbiter check` show how the model fails)";
