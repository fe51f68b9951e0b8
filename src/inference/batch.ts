// The fixed batches of one inference task, shared by both executors (worker threads and
// isolated child processes): cutting a chunk into batches, padding the last one, reading a
// batch's inputs out of the shared window into reused buffers, and checking each batch's output
// against the contract before it goes into the chunk's output slab.
import type { ErrorData } from '../errors.ts';
import type { BatchPlan, InferenceInput, InferenceTask, InputArray } from './task.ts';
import { slabView, type OutputArray } from './shared-inputs.ts';

export interface BatchInput { name: string; dtype: InferenceInput['dtype']; dims: number[]; data: InputArray }

export function batchCount(task: BatchPlan): number {
  return Math.ceil(task.rows / task.batchSize);
}

/** Rows [start, start + rows) of batch i (within the task), and the row count the model sees (padded when the spec says so). */
export function batchRange(task: BatchPlan, i: number): { start: number; rows: number; padTo: number } {
  const start = i * task.batchSize;
  const rows = Math.min(task.batchSize, task.rows - start);
  return { start, rows, padTo: task.padLast ? task.batchSize : rows };
}

export function rowWidth(rowShape: readonly number[]): number {
  return rowShape.reduce((a, d) => a * d, 1);
}

/**
 * Batch inputs read from a task's shared window. onnxruntime refuses tensors over shared memory,
 * so each batch is copied into a buffer this feeder keeps and reuses (one per input and batch
 * length): a memcpy of the batch, no allocation after the first batch. A worker keeps one feeder;
 * its batches run one at a time, and a buffer is only rewritten after the run that read it.
 */
export class BatchFeeder {
  readonly #buffers = new Map<string, InputArray>();

  inputs(task: InferenceTask, i: number): BatchInput[] {
    const { start, rows, padTo } = batchRange(task, i);
    return task.inputs.map((inp) => {
      const width = rowWidth(inp.rowShape);
      const key = `${inp.name}\0${inp.dtype}\0${padTo * width}`;
      let buf = this.#buffers.get(key);
      if (!buf) {
        buf = new (inp.data.constructor as new (n: number) => InputArray)(padTo * width);
        this.#buffers.set(key, buf);
      }
      const from = (task.start + start) * width;
      buf.set(inp.data.subarray(from, from + rows * width) as never);
      if (padTo > rows) {
        if (buf instanceof BigInt64Array) buf.fill(0n, rows * width); else buf.fill(0, rows * width);
      }
      return { name: inp.name, dtype: inp.dtype, dims: [padTo, ...inp.rowShape], data: buf };
    });
  }
}

/** null when batch output dims and type fit the contract; else the E_MODEL_CONTRACT error. */
export function checkBatchOutput(task: Pick<InferenceTask, 'output'>, padTo: number, type: string, dims: readonly number[]): ErrorData | null {
  const name = task.output.name;
  const want = [padTo, ...task.output.rowShape];
  const dimsOk = (dims.length === want.length && dims.every((d, i) => d === want[i]))
    || (task.output.rowShape.length === 0 && dims.length === 2 && dims[0] === padTo && dims[1] === 1);
  if (!dimsOk) {
    return { code: 'E_MODEL_CONTRACT', message: `output "${name}" must have shape [${want.join(', ')}] for a batch of ${padTo} rows, found [${dims.join(', ')}]`, details: { expected: want, found: [...dims] } };
  }
  if (type !== 'float32' && type !== 'float64') return { code: 'E_MODEL_CONTRACT', message: `output "${name}" must be float32 or float64, found ${type}` };
  return null;
}

/** Writes batch outputs into the chunk's output slab, in batch order. */
export class ChunkOutputBuilder {
  private view: OutputArray | undefined;
  private readonly width: number;
  /** batches written so far (the executor checks that every batch of the chunk was) */
  added = 0;
  constructor(private readonly task: Pick<InferenceTask, 'rows' | 'batchSize' | 'padLast' | 'output' | 'out'>) {
    this.width = rowWidth(task.output.rowShape);
  }

  /** Keep batch i's output; returns an error when it does not fit. */
  add(i: number, type: string, dims: readonly number[], data: Float32Array | Float64Array): ErrorData | null {
    const at = this.place(i, type, dims);
    if ('code' in at) return at;
    // the data must hold what its dims say (an answer from another process is checked, not trusted)
    if (!(data instanceof (at.view instanceof Float32Array ? Float32Array : Float64Array)) || data.length !== at.padTo * this.width) {
      return { code: 'E_MODEL_CONTRACT', message: `output "${this.task.output.name}" of a batch of ${at.padTo} rows must hold ${at.padTo * this.width} ${type} values, found ${ArrayBuffer.isView(data) ? (data as Float32Array).length : 'none'}` };
    }
    at.view.set(data.subarray(0, at.rows * this.width) as never, at.start * this.width);
    this.added++;
    return null;
  }

  /**
   * Keep the outputs of batches i, i + 1, ... (a group), each given by its type and dims and
   * functions that copy its bytes into the slab (an outputs file: isolation/runner.ts
   * FileTensor). Every batch's dims and type are checked against the contract before anything is
   * read, and the bytes read are the batches' real rows, worked out here. When `backToBack` (each
   * batch's output is the only one in the file, so they follow each other) and no batch but the
   * last is padded, the group's rows are one run in the file and in the slab: one read.
   */
  addGroupFrom(i: number, outputs: ReadonlyArray<{ type: string; dims: readonly number[]; readInto(dst: Uint8Array): void; readSpan(dst: Uint8Array): void }>, backToBack: boolean): ErrorData | null {
    const places: Array<{ view: OutputArray; start: number; rows: number; padTo: number }> = [];
    for (let j = 0; j < outputs.length; j++) {
      const at = this.place(i + j, outputs[j]!.type, outputs[j]!.dims);
      if ('code' in at) return at;
      places.push(at);
    }
    if (places.length === 0) return null;
    const view = places[0]!.view;
    const size = view.BYTES_PER_ELEMENT;
    const bytesAt = (p: { start: number; rows: number }): Uint8Array => new Uint8Array(view.buffer, view.byteOffset + p.start * this.width * size, p.rows * this.width * size);
    if (backToBack && places.every((p, j) => j === places.length - 1 || p.rows === p.padTo)) {
      const rows = places.reduce((a, p) => a + p.rows, 0);
      outputs[0]!.readSpan(bytesAt({ start: places[0]!.start, rows }));
    } else {
      for (let j = 0; j < places.length; j++) outputs[j]!.readInto(bytesAt(places[j]!));
    }
    this.added += places.length;
    return null;
  }

  /** Where batch i goes once its dims and type are checked; or the error. */
  private place(i: number, type: string, dims: readonly number[]): ErrorData | { view: OutputArray; start: number; rows: number; padTo: number } {
    const { start, rows, padTo } = batchRange(this.task, i);
    const bad = checkBatchOutput(this.task, padTo, type, dims);
    if (bad) return bad;
    if (!this.view) {
      const values = this.task.rows * this.width;
      if (values * 8 > this.task.out.byteLength) return { code: 'E_INTERNAL', message: `the output slab holds ${this.task.out.byteLength} bytes, the chunk needs ${values * 8}` };
      this.view = slabView(this.task.out, type as 'float32' | 'float64', values);
    } else if ((type === 'float32') !== (this.view instanceof Float32Array)) {
      return { code: 'E_MODEL_CONTRACT', message: `output "${this.task.output.name}" changed dtype between batches` };
    }
    return { view: this.view, start, rows, padTo };
  }

  /** The type the outputs were written in (float32 when the chunk had no batch). */
  dtype(): 'float32' | 'float64' {
    return this.view instanceof Float64Array ? 'float64' : 'float32';
  }
}
