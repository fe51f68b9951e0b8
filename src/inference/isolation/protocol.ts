// The messages between the engine and an inference child process (see child.ts, runner.ts).
// They travel over Node's IPC channel with `serialization: 'advanced'` (structured clone), so
// typed arrays cross as typed arrays with one copy each way and no JSON encoding. Hidden rows
// need not cross at all: a 'run-file' message names row ranges of a memory-backed inputs file,
// and with `out` the child writes the outputs into an outputs file the engine made and reads
// back: the answer ('result-file') then carries only each output's name, type and dims.
// A child hosts one of two runners, chosen by the load message: 'onnx' (one ORT session, batches
// of tensors in and out) or 'lm' (a transformers.js model folder scored by src/tasks/lm).
import type { ErrorData } from '../../errors.ts';
import type { LmRunTask, LmTaskResult } from '../../tasks/lm/run-task.ts';

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

/** One input of a batch, read by the child from the engine's inputs file (isolation/shm-inputs.ts). */
export interface FileInput {
  name: string;
  type: 'float32' | 'float64' | 'int32' | 'int64';
  rowShape: number[];
  /** byte offset of the batch's first row in the file */
  offset: number;
  /** rows read from the file; the model sees padTo rows (the rest are zeros) */
  rows: number;
  padTo: number;
}

/** A batch whose inputs the child reads from `file` instead of receiving them. */
export interface FileFeeds {
  file: string;
  inputs: FileInput[];
}

/**
 * Where a child writes a group's outputs (a 'run-file' with `out`): the outputs file at `file`,
 * batch after batch, each batch's outputs in the order of its OutputMeta list, each output's raw
 * bytes (dims' product x the type's size) right after the previous one, from offset 0. The
 * engine, not the child, works out every offset and length from the dims it has checked.
 */
export interface OutputsTarget {
  file: string;
}

/** One output of a batch whose bytes went into the outputs file. */
export interface OutputMeta {
  name: string;
  type: WireTensorType;
  dims: number[];
}

/** Bytes per element of each wire type with a fixed size (strings have none: never written to a file). */
export const WIRE_TYPE_BYTES: Readonly<Partial<Record<WireTensorType, number>>> = Object.freeze({
  float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1,
});

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** A transformers.js model folder for the child's LM runner (the class transformers.js loads it as). */
export interface LmModelRef {
  runner: 'lm';
  folder: string;
  lmKind: 'causal-lm' | 'sequence-classification';
}

/** What a child loads: an ONNX file path or bytes (the ONNX runner), or an LM folder. */
export type ModelRef = string | Uint8Array | LmModelRef;

export function isLmModel(m: ModelRef): m is LmModelRef {
  return typeof m === 'object' && !(m instanceof Uint8Array) && m.runner === 'lm';
}

/** engine -> child */
export type ToChild =
  | { kind: 'load'; runner?: 'onnx'; model: string | Uint8Array; graphOptimizationLevel: GraphOptimizationLevel }
  | { kind: 'load'; runner: 'lm'; folder: string; lmKind: LmModelRef['lmKind'] }
  /** one or more batches, run one after another (one ORT run each): fewer IPC round trips */
  | { kind: 'run'; id: number; feeds: WireFeeds[]; fetches?: string[] }
  /** the same, with each batch's rows read from the engine's inputs file: the message holds no rows */
  | { kind: 'run-file'; id: number; feeds: FileFeeds[]; fetches?: string[]; out?: OutputsTarget }
  /** one LM batch (the folder is the one loaded) */
  | { kind: 'lm'; id: number; task: LmRunTask };

/** The load message for `model`. */
export function loadMessage(model: ModelRef, graphOptimizationLevel: GraphOptimizationLevel): ToChild {
  if (isLmModel(model)) return { kind: 'load', runner: 'lm', folder: model.folder, lmKind: model.lmKind };
  return { kind: 'load', model, graphOptimizationLevel };
}

/** child -> engine */
export type FromChild =
  | { kind: 'ready' }
  | { kind: 'loaded'; inputNames: string[]; outputNames: string[]; vmSizeKb: number; rssKb: number }
  | { kind: 'result'; id: number; outputs: WireFeeds[] }
  /** a 'run-file' with `out`: batch j's outputs are in the file, laid out as OutputsTarget says */
  | { kind: 'result-file'; id: number; outputs: OutputMeta[][] }
  /** a scored LM batch (failures come as 'error') */
  | { kind: 'lm-result'; id: number; result: LmTaskResult & { ok: true } }
  | { kind: 'error'; id: number | null; error: ErrorData };
