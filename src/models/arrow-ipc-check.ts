// Structural check of an Arrow IPC stream held in memory, before apache-arrow sees it. apache-arrow
// trusts the length fields it reads (a record batch's row count, a flatbuffer vector's length, a
// message's body length): one changed byte can make it allocate without bound and abort the
// process. This walks the framing and the flatbuffer metadata with every read bounds-checked and
// refuses a stream whose lengths do not fit the bytes that are there. It accepts exactly what a
// prediction file needs: one Schema message, then RecordBatch messages, uncompressed, no
// dictionaries.

const CONTINUATION = 0xffffffff;
const MAX_FIELDS = 1024;
const MAX_DEPTH = 8;
/** the smallest column a prediction file accepts (int32, float32, utf8 offsets) takes 4 bytes a row */
const MIN_BYTES_PER_ROW = 4;

class Bad extends Error {}

function fail(message: string): never {
  throw new Bad(message);
}

/** Bounds-checked flatbuffer reads over one message's metadata. */
class Flat {
  private readonly dv: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private at(o: number, n: number): number {
    if (!Number.isInteger(o) || o < 0 || o + n > this.bytes.length) fail(`metadata read at ${o} past its ${this.bytes.length} bytes`);
    return o;
  }
  u8(o: number): number { return this.dv.getUint8(this.at(o, 1)); }
  u16(o: number): number { return this.dv.getUint16(this.at(o, 2), true); }
  u32(o: number): number { return this.dv.getUint32(this.at(o, 4), true); }
  i32(o: number): number { return this.dv.getInt32(this.at(o, 4), true); }
  /** a non-negative int64 that fits a double exactly */
  size(o: number, what: string): number {
    const v = this.dv.getBigInt64(this.at(o, 8), true);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} is ${v}`);
    return Number(v);
  }
  /** position of field `id` of the table at `table`, or 0 when absent */
  field(table: number, id: number): number {
    const vt = table - this.i32(table);
    const vtSize = this.u16(vt);
    if (vtSize < 4 || vtSize % 2 !== 0) fail('malformed flatbuffer vtable');
    this.at(vt, vtSize);
    const slot = 4 + 2 * id;
    if (slot + 2 > vtSize) return 0;
    const off = this.u16(vt + slot);
    return off === 0 ? 0 : this.at(table + off, 1);
  }
  /** follow an offset field to the table (or vector) it points at */
  deref(pos: number): number {
    return this.at(pos + this.u32(pos), 4);
  }
  /** a vector's element count and where its elements start, checked against the bytes */
  vector(pos: number, elemBytes: number): { n: number; start: number } {
    const v = this.deref(pos);
    const n = this.u32(v);
    this.at(v + 4, n * elemBytes);
    return { n, start: v + 4 };
  }
}

function checkField(f: Flat, table: number, depth: number, count: { fields: number }): void {
  if (++count.fields > MAX_FIELDS) fail(`more than ${MAX_FIELDS} fields`);
  if (depth > MAX_DEPTH) fail(`fields nested deeper than ${MAX_DEPTH}`);
  const name = f.field(table, 0);
  if (name) f.vector(name, 1);
  if (f.field(table, 4)) fail('dictionary-encoded columns are not accepted');
  const children = f.field(table, 5);
  if (children) {
    const { n, start } = f.vector(children, 4);
    for (let i = 0; i < n; i++) checkField(f, f.deref(start + 4 * i), depth + 1, count);
  }
  const meta = f.field(table, 6);
  if (meta) checkKeyValues(f, meta);
}

function checkKeyValues(f: Flat, pos: number): void {
  const { n, start } = f.vector(pos, 4);
  for (let i = 0; i < n; i++) {
    const kv = f.deref(start + 4 * i);
    for (const id of [0, 1]) { const s = f.field(kv, id); if (s) f.vector(s, 1); }
  }
}

function checkSchema(f: Flat, table: number): void {
  const fields = f.field(table, 1);
  if (!fields) fail('the schema has no fields');
  const { n, start } = f.vector(fields, 4);
  const count = { fields: 0 };
  for (let i = 0; i < n; i++) checkField(f, f.deref(start + 4 * i), 0, count);
  const meta = f.field(table, 2);
  if (meta) checkKeyValues(f, meta);
  const features = f.field(table, 3);
  if (features) f.vector(features, 8);
}

function checkRecordBatch(f: Flat, table: number, bodyLength: number, index: number): void {
  const where = `record batch ${index + 1}`;
  const lengthAt = f.field(table, 0);
  const rows = lengthAt ? f.size(lengthAt, `${where}: its row count`) : 0;
  if (rows * MIN_BYTES_PER_ROW > bodyLength) fail(`${where} says ${rows} rows but its body has only ${bodyLength} bytes`);
  const nodesAt = f.field(table, 1);
  if (nodesAt) {
    const { n, start } = f.vector(nodesAt, 16);
    for (let i = 0; i < n; i++) {
      const len = f.size(start + 16 * i, `${where}: a column length`);
      const nulls = f.size(start + 16 * i + 8, `${where}: a null count`);
      if (len * MIN_BYTES_PER_ROW > bodyLength) fail(`${where}: a column says ${len} values but the body has only ${bodyLength} bytes`);
      if (nulls > len) fail(`${where}: a column has more nulls (${nulls}) than values (${len})`);
    }
  }
  const buffersAt = f.field(table, 2);
  if (buffersAt) {
    const { n, start } = f.vector(buffersAt, 16);
    for (let i = 0; i < n; i++) {
      const offset = f.size(start + 16 * i, `${where}: a buffer offset`);
      const length = f.size(start + 16 * i + 8, `${where}: a buffer length`);
      if (offset + length > bodyLength) fail(`${where}: a buffer (offset ${offset}, ${length} bytes) runs past its ${bodyLength}-byte body`);
    }
  }
  if (f.field(table, 3)) fail(`${where} is compressed; prediction files must be uncompressed`);
}

/**
 * Check an Arrow IPC stream's framing and metadata; returns null when it is safe to hand to
 * apache-arrow, else why not (the caller gives it its own error code).
 */
export function checkArrowStream(bytes: Uint8Array): string | null {
  try {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 0;
    let batches = 0;
    let sawSchema = false;
    while (pos < bytes.length) {
      if (pos + 4 > bytes.length) fail(`a message header is cut short at byte ${pos}`);
      let metaLen = dv.getUint32(pos, true);
      pos += 4;
      if (metaLen === CONTINUATION) {
        if (pos + 4 > bytes.length) fail(`a message header is cut short at byte ${pos}`);
        metaLen = dv.getUint32(pos, true);
        pos += 4;
      }
      if (metaLen === 0) break; // end of stream
      if (metaLen > bytes.length - pos) fail(`a message says ${metaLen} bytes of metadata at byte ${pos}, only ${bytes.length - pos} remain`);
      const f = new Flat(bytes.subarray(pos, pos + metaLen));
      pos += metaLen;
      const root = f.deref(0);
      const typeAt = f.field(root, 1);
      const headerType = typeAt ? f.u8(typeAt) : 0;
      const headerAt = f.field(root, 2);
      const bodyAt = f.field(root, 3);
      const bodyLength = bodyAt ? f.size(bodyAt, 'a message body length') : 0;
      if (bodyLength > bytes.length - pos) fail(`a message says its body has ${bodyLength} bytes, only ${bytes.length - pos} remain`);
      if (!headerAt) fail('a message has no header');
      const header = f.deref(headerAt);
      if (headerType === 1) {
        if (sawSchema) fail('a second schema message');
        sawSchema = true;
        checkSchema(f, header);
      } else if (headerType === 3) {
        if (!sawSchema) fail('a record batch before the schema');
        checkRecordBatch(f, header, bodyLength, batches++);
      } else if (headerType === 2) {
        fail('dictionary batches are not accepted');
      } else {
        fail(`a message of type ${headerType} (expected a schema or a record batch)`);
      }
      pos += bodyLength;
    }
    if (!sawSchema) fail('no schema message');
    return null;
  } catch (err) {
    if (err instanceof Bad) return `not a valid Arrow IPC stream: ${err.message}`;
    if (err instanceof RangeError) return `not a valid Arrow IPC stream: ${err.message}`;
    throw err;
  }
}
