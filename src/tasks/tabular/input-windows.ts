// The tabular kind's input windows: the hidden set's model input columns decoded once into shared
// memory (src/inference/shared-inputs.ts), with the labels beside them in this process only.
// A set whose inputs fit WHOLE_SET_BYTES is one window, decoded once per run and shared by every
// submission; a bigger one is read window by window (WINDOW_BYTES each, whole chunks) by each
// submission, so memory stays bounded whatever the set's size.
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { requireModel } from '../../benchmark/schema.ts';
import { readChunks, type ColumnArray, type ColumnRequest } from '../../data/arrow-stream.ts';
import type { PreparedDataset } from '../../data/prepare.ts';
import { ArbiterError } from '../../errors.ts';
import { bytesPerValue, InputWindow, sharedArray, type WindowColumn } from '../../inference/shared-inputs.ts';
import type { InputArray } from '../../inference/task.ts';

const MiB = 1024 * 1024;
/** inputs up to this size are decoded once per run, as one window */
export const WHOLE_SET_BYTES = 256 * MiB;
/**
 * the window of a bigger set (whole chunks, at least one); with 64 MiB the engine's peak RSS on a
 * 400 MiB set rose by about 180 MiB (two or three windows alive until the collector frees their
 * shared memory), with 16 MiB it matched the per-chunk reader's (BENCH_ONLY=stream, under tsx).
 * With 32,768-row chunks (4 MiB of the bench's inputs) 16 MiB windows peaked at 339-349 MiB
 * (threads) and 306-313 (processes) on the 1 GiB set, 8 MiB windows at 324-329 and 281-300.
 */
export const WINDOW_BYTES = 8 * MiB;

export interface TabularWindow {
  inputs: InputWindow;
  /** the window's labels (class ids) or targets, in row order; they never leave this process */
  labels: Int32Array | Float64Array;
  /** the window is the whole set, kept for the run (never unshared before the executor closes) */
  wholeSet: boolean;
}

/** Rows per window: whole chunks within the budget, at least one chunk. */
export function windowRows(b: LoadedBenchmark, data: PreparedDataset, taskRows: number, budget = WINDOW_BYTES): number {
  const rowBytes = inputRowBytes(b);
  return Math.max(1, Math.floor(budget / Math.max(1, rowBytes) / taskRows)) * taskRows;
}

function inputRowBytes(b: LoadedBenchmark): number {
  return requireModel(b.spec).model.inputs.reduce((a, inp) => a + (inp.shape.slice(1) as number[]).reduce((x, d) => x * d, 1) * bytesPerValue(inp.dtype), 0);
}

const wholeSets = new WeakMap<PreparedDataset, Promise<TabularWindow>>();

/**
 * The windows of the hidden set, in row order. `budget` (bytes of inputs) is a test seam; the
 * whole-set window is cached per prepared dataset, so a run decodes it once.
 */
export async function* tabularWindows(b: LoadedBenchmark, data: PreparedDataset, taskRows: number, budget?: number): AsyncGenerator<TabularWindow> {
  const whole = budget ?? WHOLE_SET_BYTES;
  if (data.rows * inputRowBytes(b) <= whole) {
    let cached = wholeSets.get(data);
    if (!cached) {
      cached = (async () => {
        for await (const w of decodeWindows(b, data, Math.max(1, data.rows), true)) return w;
        throw new ArbiterError('E_DATASET_INVALID', `dataset ${data.file}: expected ${data.rows} rows, found none`);
      })();
      wholeSets.set(data, cached);
      cached.catch(() => wholeSets.delete(data));
    }
    yield await cached;
    return;
  }
  yield* decodeWindows(b, data, windowRows(b, data, taskRows, budget ?? WINDOW_BYTES), false);
}

/**
 * Shared memory of windows that are done (every chunk settled, unshared), taken again by the next
 * window of the same size. Without it each 16 MiB window waited for the collector: on a 1 GiB set
 * the engine's resident size rose in a sawtooth to 360 MiB with 3-4 dead windows alive
 * (BENCH_ONLY=stream BENCH_STREAM_TRACE=1). A window's buffers are given back only after all of its
 * tasks have settled, so no task still reads them.
 */
const recycled: SharedArrayBuffer[] = [];
const MAX_RECYCLED = 8;

function windowArray(kind: Exclude<ColumnRequest['kind'], 'utf8'>, n: number): ColumnArray {
  const bytes = n * bytesPerValue(kind);
  const i = recycled.findIndex((sab) => sab.byteLength === bytes);
  if (i < 0) return sharedArray(kind, n);
  return sharedArray(kind, n, recycled.splice(i, 1)[0]!);
}

/** Give a finished window's shared memory back for the next window (never the whole-set window). */
export function recycleWindow(w: TabularWindow): void {
  if (w.wholeSet) return;
  for (const c of w.inputs.columns) {
    if (c.data.buffer instanceof SharedArrayBuffer && recycled.length < MAX_RECYCLED) recycled.push(c.data.buffer);
  }
}

async function* decodeWindows(b: LoadedBenchmark, data: PreparedDataset, rows: number, wholeSet: boolean): AsyncGenerator<TabularWindow> {
  const inputs = requireModel(b.spec).model.inputs;
  const shared = new Set(data.inputColumns.map((c) => c.name));
  const requests: ColumnRequest[] = [...data.inputColumns, data.labelColumn];
  const allocate = (r: ColumnRequest, n: number): ColumnArray => {
    if (shared.has(r.name) && r.kind !== 'utf8') return wholeSet ? sharedArray(r.kind, n) : windowArray(r.kind, n);
    return r.kind === 'float64' ? new Float64Array(n) : r.kind === 'int64' ? new BigInt64Array(n) : r.kind === 'int32' ? new Int32Array(n) : r.kind === 'float32' ? new Float32Array(n) : new Array<string>(n);
  };
  for await (const chunk of readChunks(data.source, requests, rows, 'dataset', { allocate, totalRows: data.rows })) {
    const columns: WindowColumn[] = inputs.map((inp) => ({
      name: inp.name, dtype: inp.dtype, rowShape: inp.shape.slice(1) as number[], data: chunk.columns.get(inp.column) as InputArray,
    }));
    yield { inputs: new InputWindow(chunk.start, chunk.rows, columns), labels: labelsOf(b, chunk.columns.get(data.labelColumn.name)!), wholeSet };
  }
}

/** Class ids as Int32Array (converted once per window, not per chunk and submission), targets as Float64Array. */
function labelsOf(b: LoadedBenchmark, col: ColumnArray): Int32Array | Float64Array {
  if (b.spec.task.type === 'classification') {
    if (col instanceof Int32Array) return col;
    const out = new Int32Array(col.length);
    for (let i = 0; i < col.length; i++) out[i] = Number(col[i]!);
    return out;
  }
  if (col instanceof Float64Array) return col;
  return Float64Array.from(col as ArrayLike<number>);
}
