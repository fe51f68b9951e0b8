// Streaming pieces of the JSONL hidden-set reader (chat-dataset.ts): a JSONL file is read in
// bounded chunks, never whole, and cut into the rows jsonl.ts defines (same lines, same canonical
// bytes, same BOM rule); a row is located later by its byte offset and length, so what persists
// per row is a few numbers in typed arrays, not its text. Also: an exact set of row ids in
// typed arrays (a 32-bit hash per id, confirmed by re-reading the earlier row on a hash match),
// and growable typed arrays.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ArbiterError } from '../errors.ts';

/** Where a JSONL set's bytes come from: a file read by position, or bytes already in memory (a decrypted set). */
export interface ByteSource {
  /** bytes [pos, pos + len) (fewer at the end of the data) */
  read(pos: number, len: number): Buffer;
  /** a sequential reader from the start: each call fills `into[at, at + len)` with the next bytes and returns how many (0 at the end) */
  reader(): { next(into: Buffer, at: number, len: number): number; close(): void };
  /** a short name for messages (the file path) */
  name: string;
}

export function bufferSource(bytes: Buffer, name: string): ByteSource {
  return {
    name,
    read: (pos, len) => bytes.subarray(pos, Math.min(bytes.length, pos + len)),
    reader() {
      let pos = 0;
      return { next: (into, at, len) => { const n = bytes.copy(into, at, pos, Math.min(bytes.length, pos + len)); pos += n; return n; }, close: () => {} };
    },
  };
}

/** A file read by position: each read opens, reads and closes (a run holds no descriptor between batches). */
export function fileSource(file: string): ByteSource {
  return {
    name: file,
    read(pos, len) {
      const fd = openSync(file, 'r');
      try {
        const out = Buffer.allocUnsafe(len);
        let got = 0;
        while (got < len) {
          const n = readSync(fd, out, got, len - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        return got === len ? out : out.subarray(0, got);
      } finally { closeSync(fd); }
    },
    reader() {
      const fd = openSync(file, 'r');
      return { next: (into, at, len) => readSync(fd, into, at, len, null), close: () => closeSync(fd) };
    },
  };
}

/** Throws like readFileSync would have, as E_DATASET_INVALID, when `file` cannot be read. */
export function assertReadableFile(file: string): void {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected a readable file, but ${e.code === 'ENOENT' ? 'it does not exist' : e.message}`, { file });
  }
  try {
    if (fstatSync(fd).isDirectory()) throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected a readable file, but EISDIR: illegal operation on a directory, read`, { file });
  } finally { closeSync(fd); }
}

/** Default bytes per read of a streamed JSONL set. */
export const JSONL_CHUNK_BYTES = 4 << 20;

const isJsonSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;

/**
 * Read `src` from the start in chunks of `chunkBytes` and call `onRow(bytes, line, offset)` for each
 * row in file order, exactly the rows `jsonlRows` gives for the whole bytes: `bytes` is the row's
 * canonical bytes (a view valid only during the call), `offset` its position in the data. Returns
 * the sha256 (hex) of all the bytes read. A line longer than a chunk is carried across reads.
 */
export function scanJsonl(src: ByteSource, chunkBytes: number, onRow: (bytes: Buffer, line: number, offset: number) => void, signal?: AbortSignal): string {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 4) throw new ArbiterError('E_INTERNAL', `JSONL chunk size must be an integer >= 4, found ${chunkBytes}`);
  const h = createHash('sha256');
  // One working buffer for the whole scan: the unfinished line of the previous read, then the next
  // read right after it. It grows only for a line longer than itself, so reading allocates nothing
  // per chunk (a new buffer per read left ~100 MB of dead buffers behind on a 40 MB set).
  let work = Buffer.allocUnsafe(2 * chunkBytes);
  let kept = 0; // bytes of the unfinished line at work[0, kept)
  let keptAt = 0; // data offset of work[0]
  let line = 1;
  let first = true;
  const emit = (data: Buffer, base: number, s: number, e: number) => {
    let a = s;
    let b = e;
    while (a < b && isJsonSpace(data[a]!)) a++;
    while (b > a && isJsonSpace(data[b - 1]!)) b--;
    if (b > a) onRow(data.subarray(a, b), line, base + a);
    line++;
  };
  const reader = src.reader();
  try {
    for (;;) {
      if (signal?.aborted) throw new ArbiterError('E_CANCELLED', `stopped while reading dataset ${src.name}`, { file: src.name });
      if (work.length - kept < chunkBytes) {
        const bigger = Buffer.allocUnsafe(Math.max(2 * work.length, kept + chunkBytes));
        work.copy(bigger, 0, 0, kept);
        work = bigger;
      }
      const n = reader.next(work, kept, chunkBytes);
      if (n > 0) h.update(work.subarray(kept, kept + n));
      const end = kept + n;
      let s = 0;
      if (first && n > 0) {
        first = false;
        // a byte order mark before the first line is not part of any row (the first read holds >= 3 bytes when the data does)
        if (end >= 3 && work[0] === 0xef && work[1] === 0xbb && work[2] === 0xbf) s = 3;
      }
      if (n === 0) {
        // the last line: after the final newline, possibly empty (jsonlRows counts it too)
        emit(work.subarray(0, end), keptAt, s, end);
        return h.digest('hex');
      }
      const data = work.subarray(0, end);
      for (;;) {
        const e = data.indexOf(0x0a, s);
        if (e < 0) break;
        emit(data, keptAt, s, e);
        s = e + 1;
      }
      // move the unfinished line to the front
      work.copy(work, 0, s, end);
      keptAt += s;
      kept = end - s;
    }
  } finally { reader.close(); }
}

/** A typed array that doubles as it grows; `done()` trims it to its length. */
export class Grow<A extends Float64Array | Uint32Array | Int32Array | Uint8Array> {
  length = 0;
  constructor(private make: (n: number) => A, private arr: A = make(1024)) {}
  push(v: number): void {
    if (this.length === this.arr.length) {
      const next = this.make(this.arr.length * 2);
      next.set(this.arr as never);
      this.arr = next;
    }
    this.arr[this.length++] = v;
  }
  get(i: number): number { return this.arr[i]!; }
  done(): A { return this.arr.slice(0, this.length) as A; }
}

/** A 32-bit hash of a string (cyrb53's mix, low word): only a bucket; equality is always confirmed on the real ids. */
function hash32(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/**
 * The set of row ids seen so far, exact, in 8 bytes per slot (open addressing over a Uint32Array
 * of id hashes and an Int32Array of row indexes, load at most 3/4, so 11-21 bytes a row): no id string is
 * kept. `add` returns the index of an earlier row with the same id, or -1; a hash match is
 * confirmed with `idOf(earlier row)` (the caller re-reads that row), so a hash collision never
 * reports a duplicate.
 */
export class IdSet {
  private hashes = new Uint32Array(2048);
  private rows = new Int32Array(2048); // row index + 1; 0 = empty
  private size = 0;
  constructor(private idOf: (row: number) => string) {}
  add(id: string, row: number): number {
    if ((this.size + 1) * 4 > this.rows.length * 3) this.rehash();
    const h = hash32(id);
    const mask = this.rows.length - 1;
    let i = h & mask;
    for (;;) {
      const r = this.rows[i]!;
      if (r === 0) break;
      if (this.hashes[i] === h && this.idOf(r - 1) === id) return r - 1;
      i = (i + 1) & mask;
    }
    this.hashes[i] = h;
    this.rows[i] = row + 1;
    this.size++;
    return -1;
  }
  private rehash(): void {
    const oh = this.hashes;
    const or = this.rows;
    this.hashes = new Uint32Array(or.length * 2);
    this.rows = new Int32Array(or.length * 2);
    const mask = this.rows.length - 1;
    for (let k = 0; k < or.length; k++) {
      if (or[k] === 0) continue;
      let i = oh[k]! & mask;
      while (this.rows[i] !== 0) i = (i + 1) & mask;
      this.hashes[i] = oh[k]!;
      this.rows[i] = or[k]!;
    }
  }
}
