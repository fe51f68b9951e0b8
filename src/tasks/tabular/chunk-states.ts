// The tabular kind's fold of one chunk: labels (class ids or targets), split bits and what the
// submission produced (scores, classes or values) become per-split metric states. Pure.
import type { MetricBatch } from '../../../scoring/types.ts';
import { ArbiterError } from '../../errors.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { PUBLIC, SPLITS } from '../../data/split.ts';
import { mergeChunk, metricContext, type ChunkStates, type FoldState } from '../../fold/fold.ts';

/** What a submission produced for a chunk of rows. */
export type ChunkOutput =
  | { kind: 'scores'; data: Float32Array | Float64Array; width: number }
  | { kind: 'classes'; data: Float64Array }
  | { kind: 'values'; data: Float32Array | Float64Array };

/** Softmax in float64 for one row, max-subtracted; the sum runs in a fixed order. */
export function softmaxRows(logits: Float32Array | Float64Array, width: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / width; r++) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, logits[r * width + j]!);
    let sum = 0;
    for (let j = 0; j < width; j++) { const e = Math.exp(logits[r * width + j]! - max); out[r * width + j] = e; sum += e; }
    for (let j = 0; j < width; j++) out[r * width + j] = out[r * width + j]! / sum;
  }
  return out;
}

/** argmax per row; ties go to the lowest class index. */
export function argmaxRows(scores: ArrayLike<number>, width: number, rows: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestV = scores[r * width]!;
    for (let j = 1; j < width; j++) {
      const v = scores[r * width + j]!;
      if (v > bestV) { bestV = v; best = j; }
    }
    out[r] = best;
  }
  return out;
}

function assertFinite(a: ArrayLike<number>, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) {
      throw new ArbiterError('E_MODEL_OUTPUT', `${what} must be finite numbers, found ${a[i]} (at value ${i} of a chunk)`, { index: i });
    }
  }
}

// One loop per element type: a single generic loop over several typed-array classes is
// megamorphic and was a third of the main thread's fold time (engine bench profile).
function gatherI32(src: Int32Array, idx: Int32Array): Int32Array {
  const out = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]!]!;
  return out;
}

function gatherF32(src: Float32Array, width: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * width);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]! * width;
    for (let j = 0; j < width; j++) out[i * width + j] = src[r + j]!;
  }
  return out;
}

function gatherF64(src: Float64Array, width: number, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length * width);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]! * width;
    for (let j = 0; j < width; j++) out[i * width + j] = src[r + j]!;
  }
  return out;
}

function gather<T extends Float32Array | Float64Array | Int32Array>(src: T, width: number, idx: Int32Array): T {
  if (src instanceof Int32Array && width === 1) return gatherI32(src, idx) as T;
  if (src instanceof Float32Array) return gatherF32(src, width, idx) as T;
  if (src instanceof Float64Array) return gatherF64(src, width, idx) as T;
  const out = new (src.constructor as new (n: number) => T)(idx.length * width);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    for (let j = 0; j < width; j++) out[i * width + j] = src[r * width + j]!;
  }
  return out;
}

/**
 * Fold one chunk into the running states: its own states are computed from fresh ones, then
 * merged in. Metric merges are exact, so this equals updating the running states directly.
 */
export function foldChunk(b: LoadedBenchmark, fold: FoldState, labels: ArrayLike<number | bigint>, mask: Uint8Array, output: ChunkOutput): ChunkStates {
  const states = chunkStates(b, fold, labels, mask, output);
  mergeChunk(fold, states, mask.length);
  return states;
}

/**
 * The metric states of one chunk alone: `labels` are the chunk's label column (class ids or
 * targets), `mask` its split bits (1 public), `output` what the submission predicted.
 */
export function chunkStates(b: Pick<LoadedBenchmark, 'spec'>, fold: FoldState, labels: ArrayLike<number | bigint>, mask: Uint8Array, output: ChunkOutput): ChunkStates {
  const rows = mask.length;
  const ctx = metricContext(b);
  const out = {} as ChunkStates;
  for (const split of SPLITS) out[split] = fold.metrics.map((m) => m.metric.init(m.options, ctx));
  const task = b.spec.task;
  let full: MetricBatch;
  let widthOf: Record<string, number>;
  if (task.type === 'classification') {
    const C = task.numClasses;
    // Class ids decoded once per window arrive as Int32Array already (input-windows.ts).
    let lab: Int32Array;
    if (labels instanceof Int32Array) lab = labels;
    else {
      lab = new Int32Array(rows);
      for (let i = 0; i < rows; i++) lab[i] = Number(labels[i]!);
    }
    if (output.kind === 'classes') {
      const cls = new Int32Array(rows);
      for (let i = 0; i < rows; i++) cls[i] = output.data[i]!;
      full = { n: rows, numClasses: C, labels: lab, predictedClasses: cls };
      widthOf = { labels: 1, predictedClasses: 1 };
    } else {
      if (output.kind !== 'scores' || output.width !== C) throw new ArbiterError('E_MODEL_CONTRACT', `expected ${C} class scores per row, found ${output.kind === 'scores' ? output.width : 1}`);
      assertFinite(output.data, 'model outputs');
      const probs = task.output === 'logits' ? softmaxRows(output.data, C) : output.data;
      full = { n: rows, numClasses: C, labels: lab, probabilities: probs, predictedClasses: argmaxRows(probs, C, rows) };
      widthOf = { labels: 1, predictedClasses: 1, probabilities: C };
    }
  } else {
    const targets = new Float64Array(rows);
    for (let i = 0; i < rows; i++) targets[i] = Number(labels[i]!);
    const preds = Float64Array.from(output.data as ArrayLike<number>);
    assertFinite(preds, 'model outputs');
    full = { n: rows, targets, predictions: preds };
    widthOf = { targets: 1, predictions: 1 };
  }
  for (const split of SPLITS) {
    const want = split === 'public' ? PUBLIC : 1 - PUBLIC;
    let count = 0;
    for (let i = 0; i < rows; i++) if (mask[i] === want) count++;
    if (count === 0) continue;
    const idx = new Int32Array(count);
    for (let i = 0, k = 0; i < rows; i++) if (mask[i] === want) idx[k++] = i;
    const batch: MetricBatch = { n: count };
    if (full.numClasses !== undefined) batch.numClasses = full.numClasses;
    for (const [field, width] of Object.entries(widthOf)) {
      (batch as unknown as Record<string, unknown>)[field] = gather((full as unknown as Record<string, Float64Array>)[field]!, width, idx);
    }
    const states = out[split];
    fold.metrics.forEach((m, i) => { states[i] = m.metric.update(states[i], batch, m.options); });
  }
  return out;
}

