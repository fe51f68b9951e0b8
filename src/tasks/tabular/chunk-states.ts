// The tabular kind's fold of one chunk: labels (class ids or targets), split bits and what the
// submission produced (scores, classes or values) become per-split metric states. Pure (its
// scratch arrays, reused from chunk to chunk, never outlive a call).
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

type ScratchArray = Int32Array | Float32Array | Float64Array;
/**
 * The fold's working arrays (probabilities, argmax, split indices, gathered columns), one per
 * role, grown when a chunk needs more and reused chunk after chunk: metrics copy whatever they
 * keep (a MetricBatch is lent for the update only), so nothing here outlives chunkStates. A
 * 32,768-row chunk otherwise left about 1 MB of typed arrays per chunk to the collector, and
 * their zeroing and page faults showed in the main thread's profile.
 */
const scratch = new Map<string, ScratchArray>();
function scratchOf<T extends ScratchArray>(role: string, Ctor: new (n: number) => T, n: number): T {
  const key = `${role}:${Ctor.name}`; // a role may hold float32 for one submission, float64 for the next
  const a = scratch.get(key);
  if (a && a.length >= n) return a.subarray(0, n) as T;
  const grown = new Ctor(Math.max(n, (a?.length ?? 0) * 2));
  scratch.set(key, grown);
  return grown.subarray(0, n) as T;
}

/** Softmax in float64 for one row, max-subtracted; the sum runs in a fixed order. */
export function softmaxRows(logits: Float32Array | Float64Array, width: number, out = new Float64Array(logits.length)): Float64Array {
  for (let r = 0; r < logits.length / width; r++) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, logits[r * width + j]!);
    let sum = 0;
    for (let j = 0; j < width; j++) { const e = Math.exp(logits[r * width + j]! - max); out[r * width + j] = e; sum += e; }
    for (let j = 0; j < width; j++) out[r * width + j] = out[r * width + j]! / sum;
  }
  return out;
}

// argmax in one loop per element type, without a branch on the comparison: a winning class is
// data, so `if (v > best)` mispredicted on about every other row (17 ns per 4-class row; this is
// 8). The running best is re-read from the row by its index, so no value is ever recomputed.
function argmax32(s: Float32Array, width: number, rows: number, out: Int32Array): void {
  for (let r = 0; r < rows; r++) {
    const b = r * width;
    let best = 0;
    let bestV = s[b]!;
    for (let j = 1; j < width; j++) {
      best ^= (j ^ best) & -+(s[b + j]! > bestV);
      bestV = s[b + best]!;
    }
    out[r] = best;
  }
}

function argmax64(s: Float64Array, width: number, rows: number, out: Int32Array): void {
  for (let r = 0; r < rows; r++) {
    const b = r * width;
    let best = 0;
    let bestV = s[b]!;
    for (let j = 1; j < width; j++) {
      best ^= (j ^ best) & -+(s[b + j]! > bestV);
      bestV = s[b + best]!;
    }
    out[r] = best;
  }
}

/** argmax per row; ties go to the lowest class index (a NaN never wins, as `>` is false for it). */
export function argmaxRows(scores: ArrayLike<number>, width: number, rows: number, out = new Int32Array(rows)): Int32Array {
  if (scores instanceof Float32Array) argmax32(scores, width, rows, out);
  else argmax64(scores instanceof Float64Array ? scores : Float64Array.from(scores), width, rows, out);
  return out;
}

// x - x is 0 for a finite x and NaN otherwise, and NaN sticks in a sum: one add per value and no
// branch, then a search for the first bad value only when there is one.
function allFinite32(a: Float32Array): boolean {
  let z = 0;
  for (let i = 0; i < a.length; i++) { const v = a[i]!; z += v - v; }
  return z === 0;
}

function allFinite64(a: Float64Array): boolean {
  let z = 0;
  for (let i = 0; i < a.length; i++) { const v = a[i]!; z += v - v; }
  return z === 0;
}

function assertFinite(a: Float32Array | Float64Array, what: string): void {
  if (a instanceof Float32Array ? allFinite32(a) : allFinite64(a)) return;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) {
      throw new ArbiterError('E_MODEL_OUTPUT', `${what} must be finite numbers, found ${a[i]} (at value ${i} of a chunk)`, { index: i });
    }
  }
}

// One loop per element type: a single generic loop over several typed-array classes is
// megamorphic and was a third of the main thread's fold time (engine bench profile).
function gatherI32(src: Int32Array, idx: Int32Array, out: Int32Array): Int32Array {
  for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]!]!;
  return out;
}

function gatherF32(src: Float32Array, width: number, idx: Int32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]! * width;
    for (let j = 0; j < width; j++) out[i * width + j] = src[r + j]!;
  }
  return out;
}

function gatherF64(src: Float64Array, width: number, idx: Int32Array, out: Float64Array): Float64Array {
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]! * width;
    for (let j = 0; j < width; j++) out[i * width + j] = src[r + j]!;
  }
  return out;
}

/** Rows `idx` of `src` (width values each) into the scratch array of `role`. */
function gather(role: string, src: Float32Array | Float64Array | Int32Array, width: number, idx: Int32Array): Float32Array | Float64Array | Int32Array {
  const n = idx.length * width;
  if (src instanceof Int32Array && width === 1) return gatherI32(src, idx, scratchOf(role, Int32Array, n));
  if (src instanceof Float32Array) return gatherF32(src, width, idx, scratchOf(role, Float32Array, n));
  if (src instanceof Float64Array) return gatherF64(src, width, idx, scratchOf(role, Float64Array, n));
  const out = scratchOf(role, Int32Array, n);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    for (let j = 0; j < width; j++) out[i * width + j] = src[r * width + j]!;
  }
  return out;
}

/**
 * The chunk's row indices of each split, in row order. One pass without a branch on the split
 * bit: the bits are a keyed hash, so a branch on them mispredicts on every other row (four such
 * scans were 4 ns per row of the fold; this is under 1).
 */
function splitRows(mask: Uint8Array): Record<(typeof SPLITS)[number], Int32Array> {
  const rows = mask.length;
  const pub = scratchOf('rows public', Int32Array, rows);
  const priv = scratchOf('rows private', Int32Array, rows);
  let kp = 0;
  let kq = 0;
  let seen = 0;
  for (let i = 0; i < rows; i++) {
    const m = mask[i]!;
    seen |= m;
    pub[kp] = i;
    priv[kq] = i;
    kp += m;
    kq += m ^ 1;
  }
  if (seen > 1) throw new ArbiterError('E_INTERNAL', 'split bits must be 0 or 1, found a value above 1');
  return PUBLIC === 1 ? { public: pub.subarray(0, kp), private: priv.subarray(0, kq) } : { public: priv.subarray(0, kq), private: pub.subarray(0, kp) };
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
      lab = scratchOf('labels', Int32Array, rows);
      for (let i = 0; i < rows; i++) lab[i] = Number(labels[i]!);
    }
    if (output.kind === 'classes') {
      const cls = scratchOf('classes', Int32Array, rows);
      for (let i = 0; i < rows; i++) cls[i] = output.data[i]!;
      full = { n: rows, numClasses: C, labels: lab, predictedClasses: cls };
      widthOf = { labels: 1, predictedClasses: 1 };
    } else {
      if (output.kind !== 'scores' || output.width !== C) throw new ArbiterError('E_MODEL_CONTRACT', `expected ${C} class scores per row, found ${output.kind === 'scores' ? output.width : 1}`);
      assertFinite(output.data, 'model outputs');
      const probs = task.output === 'logits' ? softmaxRows(output.data, C, scratchOf('softmax', Float64Array, output.data.length)) : output.data;
      full = { n: rows, numClasses: C, labels: lab, probabilities: probs, predictedClasses: argmaxRows(probs, C, rows, scratchOf('argmax', Int32Array, rows)) };
      widthOf = { labels: 1, predictedClasses: 1, probabilities: C };
    }
  } else {
    const targets = scratchOf('targets', Float64Array, rows);
    for (let i = 0; i < rows; i++) targets[i] = Number(labels[i]!);
    const preds = scratchOf('predictions', Float64Array, rows);
    for (let i = 0; i < rows; i++) preds[i] = Number(output.data[i]!);
    assertFinite(preds, 'model outputs');
    full = { n: rows, targets, predictions: preds };
    widthOf = { targets: 1, predictions: 1 };
  }
  const rowsOf = splitRows(mask);
  for (const split of SPLITS) {
    const idx = rowsOf[split];
    const count = idx.length;
    if (count === 0) continue;
    const batch: MetricBatch = { n: count };
    if (full.numClasses !== undefined) batch.numClasses = full.numClasses;
    for (const [field, width] of Object.entries(widthOf)) {
      (batch as unknown as Record<string, unknown>)[field] = gather(`split ${field}`, (full as unknown as Record<string, Float64Array>)[field]!, width, idx);
    }
    const states = out[split];
    fold.metrics.forEach((m, i) => { states[i] = m.metric.update(states[i], batch, m.options); });
  }
  return out;
}

