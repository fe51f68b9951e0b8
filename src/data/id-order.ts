// The order of a dataset's rows by integer id, for `dataset pack`: a stable LSD radix sort of
// 64-bit keys held as two Uint32Array halves, permuting a row index. A comparator sort over
// millions of int64 ids boxes two BigInts per comparison and copies the index into a boxed
// array (the peak memory of packing a 1 GiB CSV); this sorts in typed arrays only: the keys
// plus two index arrays (16 bytes a row), in at most four passes over the rows.

/** Key halves of an int64 id: `hi` has its sign bit flipped, so unsigned (hi, lo) order is signed id order. */
export interface IdKeys { hi: Uint32Array; lo: Uint32Array }

// Which uint32 of an int64 in memory is its low half (the platform's byte order).
const LOW = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;

/** Keys of n signed 64-bit ids viewed as uint32 pairs (`words`, in platform byte order), written at [at, at + n). */
export function putInt64Keys(keys: IdKeys, at: number, words: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    keys.lo[at + i] = words[2 * i + LOW]!;
    keys.hi[at + i] = (words[2 * i + 1 - LOW]! ^ 0x80000000) >>> 0;
  }
}

/** Whether rows a and b have the same id. */
export function sameKey(keys: IdKeys, a: number, b: number): boolean {
  return keys.lo[a] === keys.lo[b] && keys.hi[a] === keys.hi[b];
}

const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;

/**
 * Row indices 0..n-1 ordered by (hi, lo) unsigned, equal keys in row order (stable, as the
 * comparator sort it replaces was). A pass whose digit is the same on every row is skipped.
 */
export function orderByKeys(keys: IdKeys, n: number): Int32Array {
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Int32Array(n);
  const count = new Int32Array(BUCKETS);
  for (const [half, shift] of [[keys.lo, 0], [keys.lo, 16], [keys.hi, 0], [keys.hi, 16]] as const) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(half[i]! >>> shift) & 0xffff]++;
    if (n === 0 || count[(half[0]! >>> shift) & 0xffff] === n) continue; // one digit value: order unchanged
    let sum = 0;
    for (let d = 0; d < BUCKETS; d++) { const c = count[d]!; count[d] = sum; sum += c; }
    for (let i = 0; i < n; i++) {
      const r = order[i]!;
      next[count[(half[r]! >>> shift) & 0xffff]++] = r;
    }
    const t = order; order = next; next = t;
  }
  return order;
}
