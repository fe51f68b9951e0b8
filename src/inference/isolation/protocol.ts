// The messages between the engine and an inference child process (see child.ts, runner.ts).
// They travel over Node's IPC channel with `serialization: 'advanced'` (structured clone), so
// typed arrays cross as typed arrays with one copy each way and no JSON encoding.
import type { ErrorData } from '../../errors.ts';

/** Element types a tensor may carry across the process boundary (the ORT names). */
export type WireTensorType =
  | 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32'
  | 'int64' | 'uint64' | 'bool' | 'string';

export type WireTensorData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[];

/** A tensor as plain data: what ORT's `Tensor` holds, without the native handle. */
export interface WireTensor {
  type: WireTensorType;
  dims: number[];
  data: WireTensorData;
}

export type WireFeeds = Record<string, WireTensor>;

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** engine -> child */
export type ToChild =
  | { kind: 'load'; model: string | Uint8Array; graphOptimizationLevel: GraphOptimizationLevel }
  /** one or more batches, run one after another (one ORT run each): fewer IPC round trips */
  | { kind: 'run'; id: number; feeds: WireFeeds[]; fetches?: string[] };

/** child -> engine */
export type FromChild =
  | { kind: 'ready' }
  | { kind: 'loaded'; inputNames: string[]; outputNames: string[]; vmSizeKb: number; rssKb: number }
  | { kind: 'result'; id: number; outputs: WireFeeds[] }
  | { kind: 'error'; id: number | null; error: ErrorData };
