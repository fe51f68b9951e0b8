// The messages between the main thread and inference workers. A task carries only model input
// columns (never labels or ids) for a chunk of rows that the worker runs in fixed batches.
import type { ErrorData } from '../errors.ts';

export type InputArray = Float32Array | Float64Array | Int32Array | BigInt64Array;

export interface InferenceInput {
  /** ONNX input name */
  name: string;
  dtype: 'float32' | 'float64' | 'int32' | 'int64';
  /** the row's shape without the batch axis, e.g. [16] */
  rowShape: number[];
  /** rows x prod(rowShape) values, row-major */
  data: InputArray;
}

export interface InferenceTask {
  /** absolute path of the ONNX file and its sha256 (the worker's session cache key) */
  modelPath: string;
  modelSha256: string;
  rows: number;
  batchSize: number;
  padLast: boolean;
  inputs: InferenceInput[];
  output: { name: string; rowShape: number[] };
}

export type InferenceResult =
  | { ok: true; output: Float32Array | Float64Array }
  | { ok: false; error: ErrorData };

export const GRAPH_OPTIMIZATION_LEVEL = 'extended' as const;

/**
 * What a model's run-time failure on hidden rows says: onnxruntime's own message is withheld, since
 * it can quote values of the batch (an out-of-range Gather index is a hidden feature value). The
 * sanity run and `arbiter check` run the model on public rows, where its message is shown.
 */
export const HIDDEN_BATCH_FAILURE = "onnxruntime failed while running a batch of hidden rows (its message is withheld: it can quote the batch's values; the sanity run on public rows and `arbiter check` show how the model fails)";
