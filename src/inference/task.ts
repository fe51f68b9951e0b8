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
