// Public/private split by a keyed hash of each row id: stable across runs and machines,
// independent of row order, and unguessable without the key.
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
