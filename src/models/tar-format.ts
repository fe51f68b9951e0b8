// The tar format itself (ustar, pax and GNU long names), read from bytes in memory: one
// reader for both kinds of submission archive (ONNX archives in src/models/admission/archive.ts,
// language-model folders in src/models/hf/tar.ts). It checks what every caller needs (header
// checksums, octal fields, truncation) and resolves long names; what an entry may be (links,
// devices, paths) is each caller's policy, and each reports errors under its own code.

/** One archive member as written: its raw path and link target (not yet checked) and its bytes. */
export interface TarEntry {
  /** the ustar type flag: '0'/'\0'/'7' file, '1' hard link, '2' symlink, '5' folder, other */
  type: string;
  /** the member's path as the archive names it (pax path, GNU long name or prefix/name) */
  name: string;
  /** the link target (pax linkpath, GNU long link or the header field); '' when none */
  link: string;
  size: number;
  data: Uint8Array;
  /** byte offset of the member's header, for messages */
  offset: number;
}

export type TarFail = (message: string) => never;

function cstr(b: Uint8Array, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return Buffer.from(z < 0 ? s : s.subarray(0, z)).toString('utf8');
}

function octal(b: Uint8Array, off: number, len: number, field: string, fail: TarFail): number {
  if (b[off]! & 0x80) {
    // GNU base-256 for large values: refuse anything beyond 2^53.
    let n = 0;
    for (let i = 1; i < len; i++) n = n * 256 + b[off + i]!;
    if ((b[off]! & 0x7f) !== 0 || !Number.isSafeInteger(n)) fail(`tar header field ${field} is out of range`);
    return n;
  }
  const s = cstr(b, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) fail(`tar header field ${field} '${s.slice(0, 20)}' is not an octal number`);
  return parseInt(s, 8);
}

function parsePax(data: Uint8Array, fail: TarFail): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    let sp = i;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = parseInt(Buffer.from(data.subarray(i, sp)).toString('ascii'), 10);
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) fail('malformed pax header record');
    const rec = Buffer.from(data.subarray(sp + 1, i + len - 1)).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** True when the bytes start with a ustar header. */
export function isTar(b: Uint8Array): boolean {
  return b.length >= 512 && Buffer.from(b.subarray(257, 262)).toString('latin1') === 'ustar';
}

/**
 * The members of a tar in order, up to the end-of-archive block. Pax extended headers ('x'),
 * global headers ('g') and GNU long names/links ('L', 'K') are folded into the member they
 * precede. Calls `fail` (which must throw) on a bad checksum, a bad numeric field, a malformed
 * pax record or a member that runs past the end of the bytes.
 */
export function* tarEntries(tar: Uint8Array, fail: TarFail): Generator<TarEntry> {
  let pax: Record<string, string> = {};
  let longName: string | null = null;
  let longLink: string | null = null;
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) return;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (octal(h, 148, 8, 'checksum', fail) !== sum) fail(`tar header at byte ${off} has a bad checksum: the archive is corrupt (or not a tar file)`);
    const size = octal(h, 124, 12, 'size', fail);
    const type = String.fromCharCode(h[156]!);
    const dataStart = off + 512;
    if (dataStart + size > tar.length) fail(`tar entry at byte ${off} declares ${size} bytes, past the end of the archive: the archive is truncated`);
    const data = tar.subarray(dataStart, dataStart + size);
    const at = off;
    off = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x') { pax = parsePax(data, fail); continue; }
    if (type === 'g') continue; // global pax defaults: nothing we use
    if (type === 'L') { longName = cstr(data, 0, data.length); continue; }
    if (type === 'K') { longLink = cstr(data, 0, data.length); continue; }
    const prefix = cstr(h, 345, 155);
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    const link = pax.linkpath ?? longLink ?? cstr(h, 157, 100);
    pax = {}; longName = null; longLink = null;
    yield { type, name, link, size, data, offset: at };
  }
}
