// Public/private split of a hidden set's rows: by a keyed hash of each row id (stable across runs
// and machines, independent of row order, unguessable without the key), or by a dataset column
// (`split.column`) that names each row's split when the host has chosen the splits itself.
import { ArbiterError } from '../errors.ts';
import type { BenchmarkSpecData } from '../benchmark/schema.ts';
import { HmacSha256 } from './split-hash.ts';

export const SPLITS = ['public', 'private'] as const;
export type SplitName = (typeof SPLITS)[number];
export const PUBLIC = 1;
export const PRIVATE = 0;

/** The canonical text of a row id that the split hash and prediction files use. */
export function canonicalId(id: bigint | string): string {
  return typeof id === 'bigint' ? id.toString(10) : id;
}

/**
 * 1 when the row is public. u = the first 53 bits of HMAC-SHA256(key, id) as a fraction in
 * [0, 1); public when u < publicFraction. Exact in float64, so no platform can disagree.
 */
export function splitOf(key: Uint8Array, id: string, publicFraction: number): number {
  let mac = hashers.get(key);
  if (!mac) hashers.set(key, (mac = new HmacSha256(key)));
  const w = mac.words(id);
  const hi = w[0]! >>> 0;
  const lo = w[1]! >>> 11;
  const u = (hi * 2 ** 21 + lo) / 2 ** 53;
  return u < publicFraction ? PUBLIC : PRIVATE;
}

// One precomputed HMAC per key object: a job splits every row under the same key.
const hashers = new WeakMap<Uint8Array, HmacSha256>();

/** How a benchmark assigns its rows to splits. */
export type SplitRule = { kind: 'hash'; key: Uint8Array; publicFraction: number } | { kind: 'column'; column: string };

export function splitRuleOf(spec: BenchmarkSpecData, splitKey: Uint8Array): SplitRule {
  const s = spec.split;
  if (s.column !== undefined) return { kind: 'column', column: s.column };
  return { kind: 'hash', key: splitKey, publicFraction: s.publicFraction! };
}

/** The split named by a `split.column` value: exactly "public" or "private". */
export function splitOfValue(value: unknown, row: number, rule: { column: string }, file: string): number {
  if (value === 'public') return PUBLIC;
  if (value === 'private') return PRIVATE;
  // The value may be row content of a hidden set: say what kind it is, not what it is.
  const found = value === null || value === undefined ? 'no value' : typeof value === 'string' ? 'another string' : `a ${typeof value}`;
  throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: row ${row}: split column "${rule.column}" must be "public" or "private", found ${found}`, { file, row });
}

/** Every metric is finalized on both splits: an empty split would fail every submission, so the set is refused. */
export function assertBothSplits(file: string, rows: number, publicRows: number, rule: SplitRule): void {
  if (publicRows > 0 && publicRows < rows) return;
  const empty = publicRows === 0 ? 'public' : 'private';
  // A single-split benchmark says so (publicFraction 0 or 1); its other split must still have rows.
  if (rule.kind === 'hash' && declaredEmptySplit(rule.publicFraction) === empty && rows > 0) return;
  const how = rule.kind === 'hash' ? `publicFraction ${rule.publicFraction}` : `split column "${rule.column}"`;
  throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected rows in both splits, found none in the ${empty} split (${rows} row${rows === 1 ? '' : 's'}, ${how})`, { file, split: empty });
}

/** The split a benchmark declares empty: publicFraction 0 (every row private) or 1 (every row public); else none. */
export function declaredEmptySplit(publicFraction: number | undefined): SplitName | null {
  return publicFraction === 0 ? 'public' : publicFraction === 1 ? 'private' : null;
}
