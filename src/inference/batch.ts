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
  constructor(private readonly task: Pick<InferenceTask, 'rows' | 'batchSize' | 'padLast' | 'output' | 'out'>) {
    this.width = rowWidth(task.output.rowShape);
  }

  /** Keep batch i's output; returns an error when it does not fit. */
  add(i: number, type: string, dims: readonly number[], data: Float32Array | Float64Array): ErrorData | null {
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
    this.view.set(data.subarray(0, rows * this.width) as never, start * this.width);
    return null;
  }

  /** The type the outputs were written in (float32 when the chunk had no batch). */
  dtype(): 'float32' | 'float64' {
    return this.view instanceof Float64Array ? 'float64' : 'float32';
  }
}
