// Copy detection. Pure functions over data the scorer already has: byte hashes and weight hashes
// from admission, per-row prediction fingerprints from scoring. "Earlier" is the submission order
// the caller passes (registration order), never a clock read here. How flagged copies and the
// earlier-submission margin shape the ranking: src/ranking/advantage.ts.
import type { ErrorData } from '../../errors.ts';

export type DuplicateKind = 'bytes' | 'weights' | 'predictions';
export interface DuplicateFlag {
  /** The earlier submission this one duplicates. */
  of: string;
  kind: DuplicateKind;
  /** Share of rows with the same fingerprint (predictions only). */
  agreement?: number;
}

export interface SubmissionRef {
  key: string;
  /** Submission order: smaller is earlier. Equal orders are broken by key. */
  order: number;
}

const byOrder = (a: SubmissionRef, b: SubmissionRef): number => a.order - b.order || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Flag later submissions with the same bytes (sha256) or, if `weights`, the same weights hash as an
 * earlier one. Each flag points at the earliest submission of its group.
 */
export function findCopies(subs: Array<SubmissionRef & { sha256: string; weightsHash?: string }>, opts: { weights: boolean }): Map<string, DuplicateFlag> {
  const flags = new Map<string, DuplicateFlag>();
  const firstBySha = new Map<string, string>();
  const firstByWeights = new Map<string, string>();
  for (const s of [...subs].sort(byOrder)) {
    const bytesOf = firstBySha.get(s.sha256);
    if (bytesOf !== undefined) { flags.set(s.key, { of: bytesOf, kind: 'bytes' }); continue; }
    firstBySha.set(s.sha256, s.key);
    // An empty weights hash set (a model without stored tensors) says nothing about copying.
    if (opts.weights && s.weightsHash) {
      const wOf = firstByWeights.get(s.weightsHash);
      if (wOf !== undefined) { flags.set(s.key, { of: wOf, kind: 'weights' }); continue; }
      firstByWeights.set(s.weightsHash, s.key);
    }
  }
  return flags;
}

/**
 * Per-row fingerprint of a submission's predictions: a 32-bit FNV-1a hash of each row's values
 * rounded to `digits` significant digits. Fed batch by batch in row order; two submissions agree on
 * a row when their row hashes are equal. Holds 4 bytes per row, and no prediction value.
 */
export class PredictionFingerprint {
  private hashes: number[] = [];
  constructor(readonly digits = 4) {}

  /** Add `values.length / width` rows (row-major, `width` values per row). */
  addRows(values: ArrayLike<number | bigint>, width: number): void {
    if (width <= 0 || values.length % width !== 0) throw new RangeError(`values length ${values.length} is not a multiple of row width ${width}`);
    for (let r = 0; r < values.length / width; r++) {
      let h = 0x811c9dc5;
      for (let k = 0; k < width; k++) {
        const s = quantize(values[r * width + k]!, this.digits);
        for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
        h ^= 0x2c; h = Math.imul(h, 0x01000193);
      }
      this.hashes.push(h >>> 0);
    }
  }

  get rows(): number { return this.hashes.length; }
  digest(): Uint32Array { return Uint32Array.from(this.hashes); }
}

function quantize(v: number | bigint, digits: number): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isNaN(v)) return 'nan';
  if (v === 0) return '0'; // +0 and -0 agree
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v.toPrecision(digits);
}

/** Share of rows on which two fingerprints agree (0..1). */
export function predictionAgreement(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new RangeError(`fingerprints cover ${a.length} and ${b.length} rows: they must cover the same rows`);
  if (a.length === 0) return 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * Flag each later submission whose predictions agree with an earlier one's on MORE than `threshold`
 * of the rows; the flag points at the earliest such submission.
 */
export function findPredictionCopies(subs: Array<SubmissionRef & { fingerprint: Uint32Array }>, threshold: number): Map<string, DuplicateFlag> {
  const flags = new Map<string, DuplicateFlag>();
  const sorted = [...subs].sort(byOrder);
  for (let j = 1; j < sorted.length; j++) {
    for (let i = 0; i < j; i++) {
      const agreement = predictionAgreement(sorted[i]!.fingerprint, sorted[j]!.fingerprint);
      if (agreement > threshold) { flags.set(sorted[j]!.key, { of: sorted[i]!.key, kind: 'predictions', agreement }); break; }
    }
  }
  return flags;
}

/** The error a flagged submission carries in results (status 'duplicate'). */
export function duplicateError(flag: DuplicateFlag): ErrorData {
  const what = flag.kind === 'bytes' ? 'has the same bytes as'
    : flag.kind === 'weights' ? 'stores the same weights (in another graph wrapper) as'
    : `agrees on ${((flag.agreement ?? 0) * 100).toFixed(2)}% of the hidden rows with the predictions of`;
  return { code: 'E_DUPLICATE', message: `this submission ${what} the earlier submission ${flag.of}: the benchmark ranks duplicates after their original or excludes them`, details: { of: flag.of, kind: flag.kind, ...(flag.agreement !== undefined ? { agreement: flag.agreement } : {}) } };
}
