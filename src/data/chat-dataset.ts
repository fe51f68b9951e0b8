// Opens a language-model benchmark's hidden set (JSONL: chat-jsonl, choice-jsonl, text-jsonl) for
// a scoring job, exactly as prepare.ts does for Arrow sets: decrypts it in memory when
// `dataset.encrypted`, checks the sha256 and the Merkle root (`dataset.commitment`), validates
// every row with the task's row parser, gives each row its id, assigns it to a split once, and
// checks the metrics' label preconditions. The file is streamed in bounded chunks and no row's
// text is kept: a batch's rows are read again when the batch is sent, and checked against hashes
// taken on the verified pass (jsonl-stream.ts). What a row and its id are: src/data/jsonl.ts.
import { createHash } from 'node:crypto';
import { ArbiterError } from '../errors.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { chatExampleFromRow, type ChatExample } from './lm-rows.ts';
import { assertCommitment, JsonlCommitter } from './commitment.ts';
import { jsonlRowId, parseJsonlRow } from './jsonl.ts';
import { assertReadableFile, bufferSource, fileSource, Grow, IdSet, JSONL_CHUNK_BYTES, scanJsonl, type ByteSource } from './jsonl-stream.ts';
import { assertLabelPreconditions, LabelTally } from './label-checks.ts';
import { assertNotEncrypted, decryptHiddenSet, type PrepareOptions } from './prepare.ts';
import { assertBothSplits, PUBLIC, splitOf, splitOfValue, splitRuleOf } from './split.ts';

export interface PreparedJsonlDataset<T> {
  file: string;
  sha256: string;
  rows: number;
  /** one byte per row in file order: 1 public, 0 private */
  splitMask: Uint8Array;
  publicRows: number;
  /** the integer `label` of each row's parsed value, in file order (choice and text sets), else null */
  labels: Int32Array | null;
  /**
   * The parsed rows [start, end) in file order, read again from the set (the file, or the
   * decrypted bytes) and checked against the hashes taken while it was verified: a set that
   * changed on disk since is E_DATASET_COMMITMENT, never scored.
   */
  read(start: number, end: number): T[];
  /** the ids of rows [start, end) (read again, as `read`) */
  ids(start: number, end: number): string[];
}

export type PreparedChatDataset = PreparedJsonlDataset<ChatExample>;

/** The id of one parsed row: its `idField` field, else its 1-based line number (see jsonl.ts). */
export const chatRowId = jsonlRowId;

export function prepareChatDataset(b: LoadedBenchmark, opts: JsonlPrepareOptions = {}): PreparedChatDataset {
  return prepareJsonlDataset(b, 'chat', chatExampleFromRow, opts);
}

export interface JsonlPrepareOptions extends PrepareOptions {
  /** bytes per read while streaming the set (default JSONL_CHUNK_BYTES; tests make it small) */
  chunkBytes?: number;
}

/**
 * Bytes per read of a streamed JSONL set: ARBITER_JSONL_CHUNK_BYTES (an integer >= 4096), else
 * JSONL_CHUNK_BYTES (4 MiB). A memory knob only: rows and bits do not depend on it (tested with
 * chunks far smaller than a row).
 */
export function jsonlChunkBytes(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.ARBITER_JSONL_CHUNK_BYTES;
  if (v === undefined || v === '') return JSONL_CHUNK_BYTES;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 4096) throw new ArbiterError('E_USAGE', `ARBITER_JSONL_CHUNK_BYTES must be an integer of at least 4096 bytes, found ${JSON.stringify(v)}`);
  return n;
}

/** Rows per block of the re-read check: the spec's batch, so a batch is read and checked in one go. */
const blockRowsOf = (b: LoadedBenchmark): number => Math.max(1, b.spec.batching.size);

/**
 * Read, commit-check, parse and split a JSONL hidden set, streaming it in bounded chunks: what
 * persists per row is its byte offset, length and line, its split bit and (choice and text sets)
 * its label, in typed arrays (about 18 bytes a row), plus a sha256 per block of `batching.size`
 * rows; row texts are parsed again from the set when a batch is sent (`read`). `kind` names the
 * data in messages ("chat data line 7: ..."); `parse` validates one parsed row (1-based line) and
 * throws E_CHAT_DATA with the line for a malformed one. A parsed row with an integer `label`
 * (choice and text sets) feeds the metrics' label preconditions. Errors are the ones, and in the
 * order, of checking the whole bytes first: a sha256 mismatch wins over any row error, then (with
 * `dataset.commitment`) the commitment's own row checks and root, then the first bad row.
 */
export function prepareJsonlDataset<T>(b: LoadedBenchmark, kind: string, parse: (row: unknown, line: number) => T, opts: JsonlPrepareOptions = {}): PreparedJsonlDataset<T> {
  const file = b.datasetPath;
  const encrypted = b.spec.dataset.encrypted === true;
  let src: ByteSource;
  if (encrypted) src = bufferSource(decryptHiddenSet(b, opts), file);
  else { assertReadableFile(file); src = fileSource(file); }
  const idField = b.spec.dataset.idColumn;
  const committed = b.spec.dataset.commitment !== undefined;
  const committer = committed ? new JsonlCommitter() : null;
  const rule = splitRuleOf(b.spec, b.splitKey);
  const task = b.spec.task;
  const numClasses = task.type === 'sequence-classification' ? task.numClasses : 0;
  const tally = numClasses > 0 ? new LabelTally('classes', numClasses) : undefined;
  const blockRows = blockRowsOf(b);

  const offsets = new Grow((n) => new Float64Array(n));
  const lengths = new Grow((n) => new Uint32Array(n));
  const lines = new Grow((n) => new Uint32Array(n));
  const masks = new Grow((n) => new Uint8Array(n));
  let labels: Grow<Int32Array> | null = null;
  const digests = new Grow((n) => new Uint8Array(n));
  let block = createHash('sha256');
  const lenPrefix = Buffer.alloc(4);
  const rowIdAt = (i: number): string => {
    const bytes = src.read(offsets.get(i), lengths.get(i));
    return jsonlRowId(JSON.parse(bytes.toString('utf8')), lines.get(i), idField, file);
  };
  const seen = new IdSet(rowIdAt);
  let publicRows = 0;
  // The first row the commitment's checks refuse (invalid JSON or id, a repeated id), as the
  // commitment and as the row loop word it; and the first refusal of any kind, in file order.
  let structural: { commit: ArbiterError; loop: ArbiterError } | null = null;
  let firstError: ArbiterError | null = null;
  let n = 0;

  const sha256 = scanJsonl(src, opts.chunkBytes ?? jsonlChunkBytes(opts.env ?? process.env), (bytes, line, offset) => {
    committer?.push(bytes);
    if (structural) return; // nothing past it is reported: only the hashes still matter
    const r = { line, bytes };
    let row: unknown;
    let id: string;
    try {
      row = parseJsonlRow(r, `${kind} data`, 'E_CHAT_DATA');
    } catch (e) {
      let commit: ArbiterError;
      try { parseJsonlRow(r, `dataset ${file}:`); commit = e as ArbiterError; } catch (ce) { commit = ce as ArbiterError; }
      structural = { commit, loop: e as ArbiterError };
      firstError ??= structural.loop;
      return;
    }
    try { id = jsonlRowId(row, line, idField, file); } catch (e) {
      structural = { commit: e as ArbiterError, loop: e as ArbiterError };
      firstError ??= structural.loop;
      return;
    }
    // offsets first: a duplicate's confirmation re-reads the earlier row by them
    offsets.push(offset);
    lengths.push(bytes.length);
    lines.push(line);
    const prev = seen.add(id, n);
    if (prev >= 0) {
      const p = lines.get(prev);
      // Ids are row contents: a message names lines only.
      structural = {
        commit: new ArbiterError('E_DATASET_INVALID', `dataset ${file}: line ${line} repeats the row id of line ${p}: ids must be unique`, { line }),
        loop: new ArbiterError('E_DATASET_INVALID', `dataset ${file}: line ${line} repeats the row id of line ${p}; ids must be unique`, { file, line }),
      };
      firstError ??= structural.loop;
      return;
    }
    n++;
    lenPrefix.writeUInt32LE(bytes.length);
    block.update(lenPrefix).update(bytes);
    if (n % blockRows === 0) { for (const x of block.digest()) digests.push(x); block = createHash('sha256'); }
    if (firstError) return; // the row loop had stopped: only ids and hashes are still checked
    try {
      const example = parse(row, line);
      const mask = rule.kind === 'hash'
        ? splitOf(rule.key, id, rule.publicFraction)
        : splitOfValue(row !== null && typeof row === 'object' ? (row as Record<string, unknown>)[rule.column] : undefined, line, rule, file);
      if (mask === PUBLIC) publicRows++;
      masks.push(mask);
      const label = (example as { label?: unknown }).label;
      if (typeof label === 'number') {
        if (!labels) { labels = new Grow((k) => new Int32Array(k)); for (let i = 0; i < n - 1; i++) labels.push(-1); }
        if (tally) tally.add(mask, label);
        labels.push(label);
      } else labels?.push(-1);
    } catch (e) {
      firstError = e as ArbiterError;
    }
  }, opts.signal);
  if (n % blockRows !== 0) for (const x of block.digest()) digests.push(x);

  if (sha256 !== b.spec.dataset.sha256) {
    if (!encrypted) assertNotEncrypted(file);
    throw new ArbiterError('E_DATASET_COMMITMENT', `dataset ${file}: the spec commits to sha256 ${b.spec.dataset.sha256}, the ${encrypted ? 'decrypted ' : ''}file has ${sha256}`, {
      file, expected: b.spec.dataset.sha256, found: sha256,
    });
  }
  if (committer) {
    // The published Merkle root over the rows, recomputed from the very bytes about to be scored.
    if (structural) throw (structural as { commit: ArbiterError }).commit;
    assertCommitment(committer.finish(file), b.spec.dataset.commitment!);
  }
  if (firstError) throw firstError;
  const rows = n;
  if (rows === 0) throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected at least one row, found none`, { file });
  assertBothSplits(file, rows, publicRows, rule);
  if (tally) assertLabelPreconditions(b.spec, tally, file);

  // built in a function of its own: the closures it returns must not keep this scope's read-time
  // state alive (the id table, the growable arrays at their doubled capacity)
  return streamedSet({
    file, sha256, rows, publicRows, src, kind, parse, idField, blockRows,
    splitMask: masks.done(), labels: labels ? (labels as Grow<Int32Array>).done() : null,
    offsets: offsets.done(), lengths: lengths.done(), lines: lines.done(), digests: digests.done(),
  });
}

interface StreamedSetParts<T> {
  file: string; sha256: string; rows: number; publicRows: number; src: ByteSource; kind: string;
  parse: (row: unknown, line: number) => T; idField: string; blockRows: number;
  splitMask: Uint8Array; labels: Int32Array | null;
  offsets: Float64Array; lengths: Uint32Array; lines: Uint32Array; digests: Uint8Array;
}

/** The prepared set over its per-row arrays: rows are read back by block and checked against the block's sha256. */
function streamedSet<T>(p: StreamedSetParts<T>): PreparedJsonlDataset<T> {
  const { file, sha256, rows, src, kind, parse, idField, blockRows } = p;
  const rowOffsets = p.offsets;
  const rowLengths = p.lengths;
  const rowLines = p.lines;
  const blockDigests = p.digests;
  /** the raw parsed JSON of rows [start, end), every block they touch read in one go and checked */
  const rawRows = (start: number, end: number): Array<{ row: unknown; line: number }> => {
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= rows)) {
      throw new ArbiterError('E_INTERNAL', `rows [${start}, ${end}) are not rows of a ${rows}-row set`);
    }
    if (start === end) return [];
    const b0 = Math.floor(start / blockRows);
    const b1 = Math.ceil(end / blockRows);
    const r0 = b0 * blockRows;
    const r1 = Math.min(rows, b1 * blockRows);
    const base = rowOffsets[r0]!;
    const span = src.read(base, rowOffsets[r1 - 1]! + rowLengths[r1 - 1]! - base);
    const view = (i: number) => span.subarray(rowOffsets[i]! - base, rowOffsets[i]! - base + rowLengths[i]!);
    for (let k = b0; k < b1; k++) {
      const h = createHash('sha256');
      const len = Buffer.allocUnsafe(4);
      for (let i = k * blockRows; i < Math.min(rows, (k + 1) * blockRows); i++) {
        const v = view(i);
        len.writeUInt32LE(v.length);
        h.update(len).update(v);
      }
      if (!h.digest().equals(blockDigests.subarray(k * 32, k * 32 + 32))) {
        throw new ArbiterError('E_DATASET_COMMITMENT', `dataset ${file}: the file changed after it was checked against sha256 ${sha256} (rows ${k * blockRows + 1}..${Math.min(rows, (k + 1) * blockRows)} differ); a run scores only the committed bytes`, { file });
      }
    }
    const out: Array<{ row: unknown; line: number }> = [];
    for (let i = start; i < end; i++) out.push({ row: parseJsonlRow({ line: rowLines[i]!, bytes: view(i) }, `${kind} data`, 'E_CHAT_DATA'), line: rowLines[i]! });
    return out;
  };
  return {
    file, sha256, rows, splitMask: p.splitMask, publicRows: p.publicRows, labels: p.labels,
    read: (start, end) => rawRows(start, end).map((r) => parse(r.row, r.line)),
    ids: (start, end) => rawRows(start, end).map((r) => jsonlRowId(r.row, r.line, idField, file)),
  };
}
