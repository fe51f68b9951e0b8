// Merkle commitments over the rows of a dataset. A host publishes the root before the competition;
// `arbiter score` recomputes it from the file it is about to score and refuses a mismatch, and
// `arbiter dataset reveal` (or an inclusion proof for single rows) later shows the scored set is
// the committed one. The canonical byte encoding of a row is specified in docs/hosts.md; any change
// to it is a new COMMITMENT_VERSION.
import { createHash, hash as oneShotHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { DataType, RecordBatchReader, type Field, type RecordBatch, type Schema, type Vector } from 'apache-arrow';
import { ArbiterError } from '../errors.ts';
import { decryptToBuffer, isEncryptedFile } from './encryption.ts';
import { jsonlRowId, jsonlRows, looksLikeJsonl, parseJsonlRow } from './jsonl.ts';

export const COMMITMENT_VERSION = 1;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
const ROOT_PREFIX = 0x02;

export interface Commitment {
  /** The published value: sha256 over (version, schema hash, row count, Merkle tree root), hex. */
  root: string;
  version: number;
  schemaHash: string;
  treeRoot: string;
  rowCount: number;
}

export interface InclusionProof {
  /** Position of the row in id order (0-based). */
  index: number;
  rowCount: number;
  schemaHash: string;
  /** Sibling hashes from the leaf up (hex), in the order they are combined. */
  path: Array<{ side: 'left' | 'right'; hash: string }>;
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

// ---------------------------------------------------------------- schema

/** A stable, arrow-version-independent name for a column type; throws for types we do not commit to. */
export function typeDescriptor(type: DataType): string {
  if (DataType.isInt(type)) return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
  if (DataType.isFloat(type)) {
    const bits = { 0: 16, 1: 32, 2: 64 }[type.precision as 0 | 1 | 2];
    if (bits === 16) throw unsupported(type);
    return `float${bits}`;
  }
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return 'utf8';
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) return 'binary';
  if (DataType.isFixedSizeList(type)) return `fixed_size_list<${type.listSize},${fieldDescriptor(type.children[0]!)}>`;
  if (DataType.isList(type) || DataType.isLargeList(type)) return `list<${fieldDescriptor(type.children[0]!)}>`;
  if (DataType.isStruct(type)) return `struct<${type.children.map(fieldDescriptor).join(',')}>`;
  throw unsupported(type);
}

function unsupported(type: DataType): ArbiterError {
  return new ArbiterError('E_DATASET_INVALID',
    `dataset column type ${String(type)} cannot be committed: expected int, uint, float32/64, bool, utf8, binary, list, fixed_size_list or struct`);
}

function fieldDescriptor(f: Field): string {
  return `${JSON.stringify(f.name)}:${typeDescriptor(f.type)}${f.nullable ? '?' : ''}`;
}

/** sha256 of the schema descriptor: `[name:type?, ...]` in schema order ('?' marks nullable). */
export function schemaHash(schema: Schema): string {
  return sha256(Buffer.from(`arbiter-schema-v${COMMITMENT_VERSION}[${schema.fields.map(fieldDescriptor).join(',')}]`)).toString('hex');
}

// ---------------------------------------------------------------- canonical row bytes

/** Growable byte buffer for one row's canonical encoding (reused across rows). */
class Sink {
  buf = Buffer.alloc(256);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(b: number): void { this.ensure(1); this.buf[this.len++] = b; }
  u32(n: number): void { this.ensure(4); this.buf.writeUInt32LE(n, this.len); this.len += 4; }
  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; }
  view(): Buffer { return this.buf.subarray(0, this.len); }
}

const CANON_NAN32 = 0x7fc00000;

/** Write one non-null number or bigint of a numeric type at the sink's end (caller ensured room). */
function putNumber(sink: Sink, type: DataType, v: unknown): void {
  const b = sink.buf;
  if (DataType.isInt(type)) {
    const w = type.bitWidth / 8;
    if (w === 8) {
      if (type.isSigned) b.writeBigInt64LE(BigInt(v as bigint | number), sink.len); else b.writeBigUInt64LE(BigInt(v as bigint | number), sink.len);
    } else if (type.isSigned) b.writeIntLE(Number(v), sink.len, w); else b.writeUIntLE(Number(v), sink.len, w);
    sink.len += w;
    return;
  }
  const n = Number(v);
  if ((type as unknown as { precision: number }).precision === 1) {
    if (Number.isNaN(n)) b.writeUInt32LE(CANON_NAN32, sink.len); else b.writeFloatLE(n, sink.len);
    sink.len += 4;
  } else {
    if (Number.isNaN(n)) { b.writeUInt32LE(0, sink.len); b.writeUInt32LE(0x7ff80000, sink.len + 4); } else b.writeDoubleLE(n, sink.len);
    sink.len += 8;
  }
}

function encodeValue(sink: Sink, type: DataType, v: unknown): void {
  if (v === null || v === undefined) { sink.byte(0); return; }
  sink.byte(1);
  if (DataType.isInt(type) || DataType.isFloat(type)) {
    sink.ensure(8);
    putNumber(sink, type, v);
    return;
  }
  if (DataType.isBool(type)) { sink.byte(v ? 1 : 0); return; }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) {
    const b = Buffer.from(String(v), 'utf8');
    sink.u32(b.length); sink.bytes(b);
    return;
  }
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) {
    const b = v as Uint8Array;
    sink.u32(b.length); sink.bytes(b);
    return;
  }
  if (DataType.isFixedSizeList(type) || DataType.isList(type) || DataType.isLargeList(type)) {
    const child = type.children[0]!.type;
    const vec = v as Vector;
    if (!DataType.isFixedSizeList(type)) sink.u32(vec.length);
    if ((DataType.isInt(child) || DataType.isFloat(child)) && vec.nullCount === 0) {
      // Fast path for numeric lists without nulls: same bytes as the general path, no per-value get().
      const arr = vec.toArray() as ArrayLike<number | bigint>;
      sink.ensure(arr.length * 9);
      for (let i = 0; i < arr.length; i++) { sink.buf[sink.len++] = 1; putNumber(sink, child, arr[i]); }
      return;
    }
    for (let i = 0; i < vec.length; i++) encodeValue(sink, child, vec.get(i));
    return;
  }
  if (DataType.isStruct(type)) {
    const row = v as Record<string, unknown>;
    for (const f of type.children) encodeValue(sink, f.type, row[f.name]);
    return;
  }
  throw unsupported(type);
}

/**
 * Per-batch encoder: resolves each column once, with a direct path for fixed-size numeric lists
 * (feature vectors) that reads the child values array instead of building a Vector per row.
 */
type ColumnEncoder = (sink: Sink, i: number) => void;

function columnEncoder(vec: Vector, type: DataType): ColumnEncoder {
  if (DataType.isFixedSizeList(type) && vec.data.length === 1) {
    const child = type.children[0]!.type;
    const d = vec.data[0]!;
    const cd = d.children[0];
    if (cd && (DataType.isInt(child) || DataType.isFloat(child)) && d.nullCount === 0 && cd.nullCount === 0 && !(DataType.isFloat(child) && (child as unknown as { precision: number }).precision === 0)) {
      const size = type.listSize;
      const values = cd.values as ArrayLike<number | bigint>;
      const base = cd.offset + d.offset * size;
      return (sink, i) => {
        sink.ensure(1 + size * 9);
        sink.buf[sink.len++] = 1;
        const start = base + i * size;
        for (let k = 0; k < size; k++) { sink.buf[sink.len++] = 1; putNumber(sink, child, values[start + k]); }
      };
    }
  }
  return (sink, i) => encodeValue(sink, type, vec.get(i));
}

/** Encoder of a batch's rows; with `leafPrefix` the bytes start with the Merkle leaf prefix (saves a copy). */
function batchEncoder(batch: RecordBatch, leafPrefix = false): (i: number, sink: Sink) => Buffer {
  const encoders = batch.schema.fields.map((f, c) => columnEncoder(batch.getChildAt(c)!, f.type));
  return (i, sink) => {
    sink.len = 0;
    if (leafPrefix) sink.byte(LEAF_PREFIX);
    for (const enc of encoders) enc(sink, i);
    return sink.view();
  };
}

/** Canonical bytes of row `i` of a record batch: each column value in schema order (see docs/hosts.md). */
export function canonicalRowBytes(batch: RecordBatch, i: number, sink = new Sink()): Buffer {
  return batchEncoder(batch)(i, sink);
}

export function leafHash(rowBytes: Uint8Array): Buffer {
  return sha256(Uint8Array.of(LEAF_PREFIX), rowBytes);
}

// One-shot hashing (crypto.hash) is several times faster than createHash per call at this size.
const nodeScratch = Buffer.alloc(65);
function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  nodeScratch[0] = NODE_PREFIX;
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 33);
  return oneShotHash('sha256', nodeScratch, 'buffer') as unknown as Buffer;
}

function finalRoot(schemaHashHex: string, rowCount: number, treeRoot: Buffer): string {
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(rowCount));
  return sha256(Uint8Array.of(ROOT_PREFIX, COMMITMENT_VERSION), Buffer.from(schemaHashHex, 'hex'), n, treeRoot).toString('hex');
}

// ---------------------------------------------------------------- streaming tree

/**
 * Streaming Merkle tree (RFC 6962 shape: the left subtree is the largest power of two). Keeps one
 * hash per level, so memory is O(log n) however many rows stream through.
 */
class StreamingTree {
  private stack: Array<{ h: Buffer; size: number }> = [];
  count = 0;
  push(leaf: Buffer): void {
    this.count++;
    let node = { h: leaf, size: 1 };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === node.size) {
      const left = this.stack.pop()!;
      node = { h: nodeHash(left.h, node.h), size: left.size * 2 };
    }
    this.stack.push(node);
  }
  root(): Buffer {
    if (this.stack.length === 0) return sha256();
    let acc = this.stack[this.stack.length - 1]!.h;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = nodeHash(this.stack[i]!.h, acc);
    return acc;
  }
}

/** Compare two row ids of the same column type (bigint, number or string). */
function compareIds(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  const x = BigInt(a as bigint | number);
  const y = BigInt(b as bigint | number);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface CommitOptions {
  /** Name of the row id column (default `id`); rows must be sorted by it ascending, without duplicates. */
  idColumn?: string;
  /** Called with every leaf hash in order (used to build inclusion proofs). */
  onLeaf?: (index: number, leaf: Buffer) => void;
}

/**
 * Commit to a dataset given as an async iterable of record batches (e.g. `RecordBatchReader.from(stream)`).
 * Throws E_DATASET_INVALID for unsorted/duplicate/null ids, a schema change between batches, or an
 * uncommittable column type. Error messages name row positions, never row contents.
 */
export async function commitDataset(batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, opts: CommitOptions = {}): Promise<Commitment> {
  try {
    return await commitUnchecked(batches, opts);
  } catch (e) {
    if (e instanceof ArbiterError) throw e;
    // apache-arrow throws plain errors on malformed streams; they carry no row contents.
    throw new ArbiterError('E_DATASET_INVALID', `cannot read the dataset as an Arrow IPC stream: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
  }
}

async function commitUnchecked(batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, opts: CommitOptions): Promise<Commitment> {
  const idName = opts.idColumn ?? 'id';
  const tree = new StreamingTree();
  const sink = new Sink();
  let schema: Schema | undefined;
  let sHash = '';
  let prevId: unknown = undefined;
  for await (const batch of batches as AsyncIterable<RecordBatch>) {
    if (!schema) {
      schema = batch.schema;
      sHash = schemaHash(schema);
      const idField = schema.fields.find((f) => f.name === idName);
      if (!idField) throw new ArbiterError('E_DATASET_INVALID', `dataset has no '${idName}' column: expected an Int64 or Utf8 id column, found columns [${schema.fields.map((f) => f.name).join(', ')}]`);
      if (!(DataType.isInt(idField.type) || DataType.isUtf8(idField.type) || DataType.isLargeUtf8(idField.type))) {
        throw new ArbiterError('E_DATASET_INVALID', `column '${idName}' must be an integer or Utf8 column, found ${typeDescriptor(idField.type)}`);
      }
    } else if (schemaHash(batch.schema) !== sHash) {
      throw new ArbiterError('E_DATASET_INVALID', `record batch starting at row ${tree.count} has a different schema than the first batch`);
    }
    const ids = batch.getChild(idName)!;
    const encode = batchEncoder(batch, true);
    for (let i = 0; i < batch.numRows; i++) {
      const id = ids.get(i);
      const rowIndex = tree.count;
      if (id === null || id === undefined) throw new ArbiterError('E_DATASET_INVALID', `row ${rowIndex} has a null id: ids must be non-null`, { row: rowIndex });
      if (prevId !== undefined) {
        const c = compareIds(prevId, id);
        if (c === 0) throw new ArbiterError('E_DATASET_INVALID', `row ${rowIndex} repeats the id of row ${rowIndex - 1}: ids must be unique`, { row: rowIndex });
        if (c > 0) throw new ArbiterError('E_DATASET_INVALID', `row ${rowIndex} has a smaller id than row ${rowIndex - 1}: rows must be sorted by id ascending`, { row: rowIndex });
      }
      prevId = id;
      const leaf = oneShotHash('sha256', encode(i, sink), 'buffer') as unknown as Buffer;
      opts.onLeaf?.(rowIndex, leaf);
      tree.push(leaf);
    }
  }
  if (!schema) throw new ArbiterError('E_DATASET_INVALID', 'dataset stream has no record batches: expected at least a schema and one batch');
  const treeRoot = tree.root();
  return { root: finalRoot(sHash, tree.count, treeRoot), version: COMMITMENT_VERSION, schemaHash: sHash, treeRoot: treeRoot.toString('hex'), rowCount: tree.count };
}

// ---------------------------------------------------------------- JSONL sets

/**
 * The schema hash of every JSONL set: a JSONL row has no typed schema, its canonical bytes are the
 * row's line (src/data/jsonl.ts), so the hash only tells a JSONL commitment from an Arrow one.
 */
export const JSONL_SCHEMA_HASH = sha256(Buffer.from(`arbiter-jsonl-v${COMMITMENT_VERSION}`)).toString('hex');

/**
 * Commit to a JSONL set held in memory: one leaf per row (non-blank line) in file order, the leaf
 * being the row's canonical bytes. Every row must be valid JSON and row ids (the `idColumn` field,
 * else the line number) unique; messages name line numbers, never row contents.
 */
export function commitJsonl(data: Uint8Array, opts: CommitOptions & { name?: string } = {}): Commitment {
  const name = opts.name ?? 'dataset';
  const idName = opts.idColumn ?? 'id';
  const c = new JsonlCommitter(opts.onLeaf);
  const lineOf = new Map<string, number>();
  for (const row of jsonlRows(data)) {
    const id = jsonlRowId(parseJsonlRow(row, `dataset ${name}:`), row.line, idName, name);
    const prev = lineOf.get(id);
    if (prev !== undefined) throw new ArbiterError('E_DATASET_INVALID', `dataset ${name}: line ${row.line} repeats the row id of line ${prev}: ids must be unique`, { line: row.line });
    lineOf.set(id, row.line);
    c.push(row.bytes);
  }
  return c.finish(name);
}

/**
 * The Merkle commitment of a JSONL set fed one row at a time (canonical row bytes, file order),
 * in O(log n) memory: what commitJsonl computes, for readers that stream the file
 * (src/data/chat-dataset.ts). The caller checks JSON and ids.
 */
export class JsonlCommitter {
  private tree = new StreamingTree();
  constructor(private onLeaf?: (index: number, leaf: Buffer) => void) {}
  get count(): number { return this.tree.count; }
  push(rowBytes: Uint8Array): void {
    const leaf = leafHash(rowBytes);
    this.onLeaf?.(this.tree.count, leaf);
    this.tree.push(leaf);
  }
  finish(name: string): Commitment {
    if (this.tree.count === 0) throw new ArbiterError('E_DATASET_INVALID', `dataset ${name}: expected at least one JSONL row, found none`);
    const treeRoot = this.tree.root();
    return { root: finalRoot(JSONL_SCHEMA_HASH, this.tree.count, treeRoot), version: COMMITMENT_VERSION, schemaHash: JSONL_SCHEMA_HASH, treeRoot: treeRoot.toString('hex'), rowCount: this.tree.count };
  }
}

/** Commit a JSONL set and build inclusion proofs for the rows at the given positions (0-based, file order). */
export function proveJsonlRows(data: Uint8Array, indices: number[], opts: { idColumn?: string; name?: string } = {}): { commitment: Commitment; proofs: InclusionProof[] } {
  const leaves: Buffer[] = [];
  const commitment = commitJsonl(data, { ...opts, onLeaf: (_i, leaf) => leaves.push(leaf) });
  return { commitment, proofs: proofsFor(leaves, commitment, indices) };
}

/** Throw E_DATASET_COMMITMENT when a computed commitment differs from the one a spec publishes. */
export function assertCommitment(actual: Commitment, expectedRoot: string): void {
  const want = expectedRoot.trim().toLowerCase();
  if (actual.root !== want) {
    throw new ArbiterError('E_DATASET_COMMITMENT',
      `dataset commitment mismatch: the spec commits to root ${want}, the dataset file has root ${actual.root} (${actual.rowCount} rows)`,
      { expected: want, actual: actual.root, rowCount: actual.rowCount });
  }
}

/**
 * `arbiter dataset reveal`: recompute the commitment of the revealed file and compare it with the
 * root published before the competition. Throws E_DATASET_COMMITMENT on a mismatch.
 */
export async function revealDataset(batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, publishedRoot: string, opts: { idColumn?: string } = {}): Promise<Commitment> {
  const c = await commitDataset(batches, opts);
  assertCommitment(c, publishedRoot);
  return c;
}

// ---------------------------------------------------------------- inclusion proofs

function subtreeRoot(leaves: Buffer[], lo: number, hi: number): Buffer {
  if (hi - lo === 1) return leaves[lo]!;
  const k = largestPow2Below(hi - lo);
  return nodeHash(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

function largestPow2Below(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 audit path for leaf `index` among `leaves`. */
function auditPath(leaves: Buffer[], index: number, lo: number, hi: number): Array<{ side: 'left' | 'right'; hash: string }> {
  if (hi - lo === 1) return [];
  const k = largestPow2Below(hi - lo);
  if (index < lo + k) return [...auditPath(leaves, index, lo, lo + k), { side: 'right', hash: subtreeRoot(leaves, lo + k, hi).toString('hex') }];
  return [...auditPath(leaves, index, lo + k, hi), { side: 'left', hash: subtreeRoot(leaves, lo, lo + k).toString('hex') }];
}

/**
 * Commit and build inclusion proofs for the rows at the given positions (for disputes: a host
 * reveals single rows with proofs instead of the whole set). Keeps one 32-byte hash per row.
 */
export async function proveRows(batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, indices: number[], opts: { idColumn?: string } = {}): Promise<{ commitment: Commitment; proofs: InclusionProof[] }> {
  const leaves: Buffer[] = [];
  const commitment = await commitDataset(batches, { ...opts, onLeaf: (_i, leaf) => leaves.push(leaf) });
  return { commitment, proofs: proofsFor(leaves, commitment, indices) };
}

function proofsFor(leaves: Buffer[], commitment: Commitment, indices: number[]): InclusionProof[] {
  return indices.map((index) => {
    if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
      throw new ArbiterError('E_USAGE', `row index ${index} is out of range: the dataset has rows 0..${leaves.length - 1}`);
    }
    return { index, rowCount: leaves.length, schemaHash: commitment.schemaHash, path: auditPath(leaves, index, 0, leaves.length) };
  });
}

function expectedSides(index: number, lo: number, hi: number): Array<'left' | 'right'> {
  if (hi - lo === 1) return [];
  const k = largestPow2Below(hi - lo);
  return index < lo + k ? [...expectedSides(index, lo, lo + k), 'right'] : [...expectedSides(index, lo + k, hi), 'left'];
}

/** Check that `rowBytes` (canonical bytes of one row) is row `proof.index` of the set committed to by `root`. */
export function verifyRowProof(rowBytes: Uint8Array, proof: InclusionProof, root: string): boolean {
  // The sides are fixed by (index, rowCount); a path with other sides proves a different position.
  if (!Number.isInteger(proof.index) || !Number.isInteger(proof.rowCount) || proof.index < 0 || proof.index >= proof.rowCount) return false;
  const sides = expectedSides(proof.index, 0, proof.rowCount);
  if (sides.length !== proof.path.length || sides.some((s, i) => proof.path[i]!.side !== s)) return false;
  let h = leafHash(rowBytes);
  for (const step of proof.path) {
    const sib = Buffer.from(step.hash, 'hex');
    h = step.side === 'right' ? nodeHash(h, sib) : nodeHash(sib, h);
  }
  return finalRoot(proof.schemaHash, proof.rowCount, h) === root.trim().toLowerCase();
}

/**
 * `arbiter dataset commit <file>`: commit to an Arrow IPC stream or a JSONL file, decrypting it in
 * memory first when it is an arbiter encrypted dataset (then `key` is required). The format is
 * read from the (decrypted) bytes: JSONL when the first non-blank byte is `{`, else Arrow.
 * Every failure is an ArbiterError: E_DATASET_KEY, E_DATASET_CORRUPT or E_DATASET_INVALID.
 */
export async function commitFile(path: string, opts: { key?: Buffer; idColumn?: string } = {}): Promise<Commitment & { format: 'arrow' | 'jsonl' }> {
  let encrypted: boolean;
  try {
    encrypted = isEncryptedFile(path);
  } catch (e) {
    throw new ArbiterError('E_DATASET_INVALID', `cannot open dataset ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (encrypted && !opts.key) throw new ArbiterError('E_DATASET_KEY', `dataset ${path} is encrypted: pass --key-file <path> or set ARBITER_DATASET_KEY`);
  const idColumn = opts.idColumn ? { idColumn: opts.idColumn } : {};
  try {
    const bytes = encrypted ? decryptToBuffer(path, opts.key!) : undefined;
    if (bytes ? looksLikeJsonl(bytes) : fileLooksLikeJsonl(path)) {
      return { ...commitJsonl(bytes ?? readFileSync(path), { ...idColumn, name: path }), format: 'jsonl' };
    }
    const reader = await RecordBatchReader.from((bytes ?? createReadStream(path)) as never);
    return { ...await commitDataset(reader as AsyncIterable<RecordBatch>, idColumn), format: 'arrow' };
  } catch (e) {
    if (e instanceof ArbiterError) throw e;
    throw new ArbiterError('E_DATASET_INVALID', `cannot read dataset ${path} as an Arrow IPC stream or JSONL: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
  }
}

/** JSONL sniffing on a file's first 4 KiB (leading blank lines longer than that read as Arrow). */
function fileLooksLikeJsonl(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    return looksLikeJsonl(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  } finally { closeSync(fd); }
}
