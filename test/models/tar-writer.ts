// Test helper: writes ustar archives in memory entry by entry, including the hostile entries a
// safe reader must refuse (absolute paths, "..", links out, devices, a size field that lies),
// so archives are made in code rather than shipped as fixtures.
export interface TarEntry {
  name: string;
  /** ustar type flag: '0' file (default), '5' folder, '1' hard link, '2' symlink, '3' char device, 'x' pax header, ... */
  type?: string;
  data?: Uint8Array | string;
  /** link target (`linkname` is the same field under its ustar name) */
  link?: string;
  linkname?: string;
  /** override the size field (to declare more bytes than are present) */
  declaredSize?: number;
}

function field(h: Uint8Array, off: number, len: number, s: string): void {
  h.set(Buffer.from(s, 'utf8').subarray(0, len), off);
}
const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';

export function tar(entries: TarEntry[]): Buffer {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : (e.data ?? new Uint8Array(0));
    const h = new Uint8Array(512);
    field(h, 0, 100, e.name);
    field(h, 100, 8, oct(0o644, 8));
    field(h, 108, 8, oct(0, 8));
    field(h, 116, 8, oct(0, 8));
    field(h, 124, 12, oct(e.declaredSize ?? data.length, 12));
    field(h, 136, 12, oct(0, 12));
    h[156] = (e.type ?? '0').charCodeAt(0);
    field(h, 157, 100, e.link ?? e.linkname ?? '');
    field(h, 257, 6, 'ustar\0');
    field(h, 263, 2, '00');
    for (let i = 148; i < 156; i++) h[i] = 32;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += h[i]!;
    field(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    blocks.push(h);
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  return Buffer.concat(blocks);
}

/** The same writer under the name the language-model tests use. */
export const tarBytes = tar;

/** A pax 'path' record entry that renames the next entry. */
export function paxPath(p: string): TarEntry {
  const rec = ` path=${p}\n`;
  let len = rec.length + 2;
  while (`${len}${rec}`.length !== len) len = `${len}${rec}`.length;
  return { name: 'PaxHeader', type: 'x', data: `${len}${rec}` };
}
