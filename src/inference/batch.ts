// The fixed batches of one inference task, shared by both executors (worker threads and
// isolated child processes): cutting a chunk into batches, padding the last one, and checking
// each batch's output against the contract before it is kept.
import type { ErrorData } from '../errors.ts';
import type { InferenceInput, InferenceTask } from './task.ts';

export interface BatchInput { name: string; dtype: InferenceInput['dtype']; dims: number[]; data: InferenceInput['data'] }

export function batchCount(task: InferenceTask): number {
  return Math.ceil(task.rows / task.batchSize);
}

/** Rows [start, start + rows) of batch i, and the row count the model sees (padded when the spec says so). */
export function batchRange(task: InferenceTask, i: number): { start: number; rows: number; padTo: number } {
  const start = i * task.batchSize;
  const rows = Math.min(task.batchSize, task.rows - start);
  return { start, rows, padTo: task.padLast ? task.batchSize : rows };
}

/** Batch i's inputs as views into the chunk (copied only when the last batch is padded with zero rows). */
export function batchInputs(task: InferenceTask, i: number): BatchInput[] {
  const { start, rows, padTo } = batchRange(task, i);
  return task.inputs.map((inp) => {
    const width = inp.rowShape.reduce((a, d) => a * d, 1);
    let view = inp.data.subarray(start * width, (start + rows) * width);
    if (padTo > rows) {
      const padded = new (view.constructor as new (n: number) => typeof view)(padTo * width);
      padded.set(view as never);
      view = padded;
    }
    return { name: inp.name, dtype: inp.dtype, dims: [padTo, ...inp.rowShape], data: view };
  });
}

/** null when batch output dims and type fit the contract; else the E_MODEL_CONTRACT error. */
export function checkBatchOutput(task: InferenceTask, padTo: number, type: string, dims: readonly number[]): ErrorData | null {
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

/** Collects batch outputs into one array for the chunk, in batch order. */
export class ChunkOutputBuilder {
  private out: Float32Array | Float64Array | undefined;
  private readonly width: number;
  constructor(private readonly task: InferenceTask) {
    this.width = task.output.rowShape.reduce((a, d) => a * d, 1);
  }

  /** Keep batch i's output; returns an error when it does not fit. */
  add(i: number, type: string, dims: readonly number[], data: Float32Array | Float64Array): ErrorData | null {
    const { start, rows, padTo } = batchRange(this.task, i);
    const bad = checkBatchOutput(this.task, padTo, type, dims);
    if (bad) return bad;
    if (!this.out) this.out = type === 'float32' ? new Float32Array(this.task.rows * this.width) : new Float64Array(this.task.rows * this.width);
    else if ((type === 'float32') !== (this.out instanceof Float32Array)) {
      return { code: 'E_MODEL_CONTRACT', message: `output "${this.task.output.name}" changed dtype between batches` };
    }
    this.out.set(data.subarray(0, rows * this.width) as never, start * this.width);
    return null;
  }

  result(): Float32Array | Float64Array {
    return this.out ?? new Float32Array(0);
  }
}
