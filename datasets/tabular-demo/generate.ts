// The demo competition's data and baseline models, all from seeded generators: 4 classes of
// points in 32 dimensions (Gaussian clusters), a hidden set, a training set participants would
// have, and model weights fitted to the training set in code.
import { gaussian, mulberry32 } from '../../src/models/onnx/builder.ts';

export const FEATURES = 32;
export const CLASSES = 4;
export const HIDDEN_ROWS = 3000;
export const NOISE = 2.2;

export interface Rows { ids: bigint[]; features: Float32Array; labels: Int32Array }

/** Class centres: fixed by seed 7. */
export function classCentres(): Float64Array {
  const g = gaussian(mulberry32(7));
  return Float64Array.from({ length: CLASSES * FEATURES }, () => g());
}

/** `n` labelled rows with ids spaced irregularly (so ids are not row numbers). */
export function makeRows(n: number, seed: number, firstId = 1000): Rows {
  const rand = mulberry32(seed);
  const g = gaussian(mulberry32(seed ^ 0x9e3779b9));
  const centres = classCentres();
  const ids: bigint[] = [];
  const features = new Float32Array(n * FEATURES);
  const labels = new Int32Array(n);
  let id = firstId;
  for (let r = 0; r < n; r++) {
    id += 1 + Math.floor(rand() * 7);
    ids.push(BigInt(id));
    const c = Math.floor(rand() * CLASSES);
    labels[r] = c;
    for (let j = 0; j < FEATURES; j++) features[r * FEATURES + j] = Math.fround(centres[c * FEATURES + j]! + NOISE * g());
  }
  return { ids, features, labels };
}

/** Per-class means of the features, the sufficient statistic of a linear discriminant. */
export function classMeans(rows: Rows): Float64Array {
  const sums = new Float64Array(CLASSES * FEATURES);
  const counts = new Float64Array(CLASSES);
  for (let r = 0; r < rows.labels.length; r++) {
    const c = rows.labels[r]!;
    counts[c]!++;
    for (let j = 0; j < FEATURES; j++) sums[c * FEATURES + j]! += rows.features[r * FEATURES + j]!;
  }
  for (let c = 0; c < CLASSES; c++) for (let j = 0; j < FEATURES; j++) sums[c * FEATURES + j]! /= Math.max(1, counts[c]!);
  return sums;
}

/**
 * Linear discriminant weights for isotropic Gaussian classes with variance s2:
 * logit_c = (mu_c . x) / s2 - |mu_c|^2 / (2 s2). Returns W [FEATURES, CLASSES] and b [CLASSES].
 */
export function ldaWeights(means: Float64Array, s2: number): { w: Float32Array; b: Float32Array } {
  const w = new Float32Array(FEATURES * CLASSES);
  const b = new Float32Array(CLASSES);
  for (let c = 0; c < CLASSES; c++) {
    let norm = 0;
    for (let j = 0; j < FEATURES; j++) {
      const m = means[c * FEATURES + j]!;
      w[j * CLASSES + c] = m / s2;
      norm += m * m;
    }
    b[c] = -norm / (2 * s2);
  }
  return { w, b };
}
