// A minimal ustar writer for tests: builds tar archives (regular files, folders, links, odd types)
// in memory, so hostile archives are made in code rather than shipped as fixtures.
export interface TarEntry {
  name: string;
  data?: Uint8Array;
  /** ustar type flag: '0' file (default), '5' folder, '1' hard link, '2' symlink, '3' char device, ... */
  type?: string;
  linkname?: string;
  /** Override the size field (to declare more bytes than are present). */
  declaredSize?: number;
}

function put(h: Buffer, off: number, len: number, s: string): void {
  h.write(s.slice(0, len), off, len, 'utf8');
}

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, '0');
}

export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? new Uint8Array());
    const h = Buffer.alloc(512);
    put(h, 0, 100, e.name);
    put(h, 100, 8, '0000644');
    put(h, 108, 8, '0000000');
    put(h, 116, 8, '0000000');
    put(h, 124, 12, octal(e.declaredSize ?? data.length, 12));
    put(h, 136, 12, octal(0, 12));
    h.fill(32, 148, 156);
    put(h, 156, 1, e.type ?? '0');
    put(h, 157, 100, e.linkname ?? '');
    put(h, 257, 6, 'ustar');
    put(h, 263, 2, '00');
    let sum = 0;
    for (const b of h) sum += b;
    put(h, 148, 8, `${octal(sum, 7)}\0`);
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
