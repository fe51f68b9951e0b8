// JSONL hidden sets as rows: one definition of "a row" shared by the reader (chat-dataset.ts), the
// Merkle commitment (commitment.ts) and the format sniffing of `arbiter dataset commit / reveal`.
// A row is one non-blank line of the file, in file order. Its canonical bytes are the line's UTF-8
// bytes without the line terminator and without leading and trailing JSON whitespace (space, tab,
// CR); a UTF-8 byte order mark before the first line is not part of any row. The row id is the
// row's `idColumn` field (a non-empty string or an integer) when present, else its 1-based line
// number as decimal text. docs/hosts.md specifies this; a change to it is a new commitment version.
import { ArbiterError } from '../errors.ts';

export interface JsonlRow {
  /** 1-based line number in the file */
  line: number;
  /** canonical bytes of the row (a view into the file's bytes) */
  bytes: Buffer;
}

const isJsonSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;

/** The rows of a JSONL file's bytes (see the header). Never copies the row bytes. */
export function jsonlRows(data: Uint8Array): JsonlRow[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const rows: JsonlRow[] = [];
  let start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 1;
  while (start <= buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    let a = start;
    let b = end;
    while (a < b && isJsonSpace(buf[a]!)) a++;
    while (b > a && isJsonSpace(buf[b - 1]!)) b--;
    if (b > a) rows.push({ line, bytes: buf.subarray(a, b) });
    start = end + 1;
    line++;
  }
  return rows;
}

/** Parse one row's JSON; a failure names the line only (the row may be hidden). */
export function parseJsonlRow(row: JsonlRow, what: string, code: 'E_DATASET_INVALID' | 'E_CHAT_DATA' = 'E_DATASET_INVALID'): unknown {
  try {
    return JSON.parse(row.bytes.toString('utf8'));
  } catch (e) {
    // JSON.parse messages quote a few characters of the input: keep only the position.
    const pos = /position \d+/.exec((e as Error).message)?.[0];
    throw new ArbiterError(code, `${what} line ${row.line}: not valid JSON${pos ? ` (at ${pos})` : ''}: expected one JSON object per line`, { line: row.line });
  }
}

/** The id of one parsed row (see the header). */
export function jsonlRowId(row: unknown, line: number, idField: string, file: string): string {
  const v = row && typeof row === 'object' && !Array.isArray(row) ? (row as Record<string, unknown>)[idField] : undefined;
  if (v === undefined) return String(line);
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: line ${line}: "${idField}" must be a non-empty string or an integer, found a ${typeof v === 'string' ? 'empty string' : typeof v === 'number' ? 'non-integer number' : typeof v}`, { file, line });
}

/**
 * Whether bytes hold JSONL rather than an Arrow IPC stream: the first byte that is not JSON
 * whitespace (or a BOM) is `{`. An Arrow stream starts with 0xFFFFFFFF or a little-endian length.
 */
export function looksLikeJsonl(data: Uint8Array): boolean {
  let i = data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
  while (i < data.length && isJsonSpace(data[i]!)) i++;
  return i < data.length && data[i] === 0x7b;
}
