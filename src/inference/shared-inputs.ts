// How a hidden set's model inputs reach the inference workers without a copy per chunk. The engine
// decodes the input columns of a window of rows (the whole set when it fits, else a run of whole
// chunks) once into SharedArrayBuffers; a task then names a row range of that window, never its
// rows. Worker threads read the shared memory in place; isolated child processes read the same
// bytes from a labels-free inputs file on a memory-backed file system (isolation/shm-inputs.ts).
// Only input columns go in a window: labels, ids and the split stay in the main process.
// Outputs come back into reused slabs (OutputSlabs), which the main thread folds from.
import { ArbiterError } from '../errors.ts';

/** The element types of model inputs (the ORT names). */
export type InputDtype = 'float32' | 'float64' | 'int32' | 'int64';

const BYTES: Record<InputDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8 };

export function bytesPerValue(dtype: InputDtype): number {
  return BYTES[dtype];
}

/** A typed array of `n` values of `dtype` over `sab` (its size must be n values), else a new zeroed SharedArrayBuffer. */
export function sharedArray(dtype: InputDtype, n: number, sab = new SharedArrayBuffer(n * BYTES[dtype])): Float32Array | Float64Array | Int32Array | BigInt64Array {
  switch (dtype) {
    case 'float32': return new Float32Array(sab);
    case 'float64': return new Float64Array(sab);
    case 'int32': return new Int32Array(sab);
    case 'int64': return new BigInt64Array(sab);
  }
}

/** One input column of a window: `rows` x prod(rowShape) values, row-major, in shared memory. */
export interface WindowColumn {
  name: string;
  dtype: InputDtype;
  rowShape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array;
}

let nextWindowId = 1;

/**
 * Rows [start, start + rows) of a hidden set's model inputs, decoded once. `file` is set by a
 * process executor once the bytes are also in a memory-backed inputs file (executor.share).
 */
export class InputWindow {
  readonly id = nextWindowId++;
  /** the inputs file the child processes read (null: none, tasks carry their rows over IPC) */
  file: string | null = null;
  constructor(readonly start: number, readonly rows: number, readonly columns: WindowColumn[]) {
    for (const c of columns) {
      const width = c.rowShape.reduce((a, d) => a * d, 1);
      if (c.data.length !== rows * width) throw new ArbiterError('E_INTERNAL', `input window column "${c.name}": expected ${rows * width} values, found ${c.data.length}`);
    }
  }

  /** Bytes of the window's inputs (what a shared inputs file holds). */
  get byteLength(): number {
    return this.columns.reduce((a, c) => a + c.data.byteLength, 0);
  }
}

export type OutputArray = Float32Array | Float64Array;

/**
 * Reused output buffers for chunks of up to `rows` x `width` values (float64-sized, so a model
 * may answer in either float type): taken when a task is sent, given back once its chunk is
 * folded. Grows only while more chunks are in flight than ever before; never per chunk.
 */
export class OutputSlabs {
  readonly #free: SharedArrayBuffer[] = [];
  #made = 0;
  constructor(readonly bytes: number) {}

  take(): SharedArrayBuffer {
    const s = this.#free.pop();
    if (s) return s;
    this.#made++;
    return new SharedArrayBuffer(this.bytes);
  }

  give(slab: SharedArrayBuffer): void {
    if (slab.byteLength === this.bytes) this.#free.push(slab);
  }

  /** slabs made so far (a test checks it stays bounded by the chunks in flight) */
  get made(): number {
    return this.#made;
  }
}

/** The first `values` values of a slab as the type the model answered in. */
export function slabView(slab: SharedArrayBuffer, dtype: 'float32' | 'float64', values: number): OutputArray {
  return dtype === 'float32' ? new Float32Array(slab, 0, values) : new Float64Array(slab, 0, values);
}
