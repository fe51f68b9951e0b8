// sha256 of a file, streamed: never the whole file in memory (a file may be larger than a Buffer can
// hold), and never a special file (opening a FIFO blocks, /dev/zero never ends).
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync, constants } from 'node:fs';

const CHUNK = 1 << 20;

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * sha256 of a regular file, read in 1 MiB chunks (synchronous, bounded memory). Opened with
 * O_NONBLOCK so a FIFO swapped in after a caller's lstat cannot block the open; anything that is not
 * a regular file once open is refused (a plain Error: callers give it their own code).
 */
export function sha256FileSync(file: string): { sha256: string; size: number } {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${file} is not a regular file`);
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      size += n;
    }
    return { sha256: h.digest('hex'), size };
  } finally {
    closeSync(fd);
  }
}

/** What a non-regular file is, for messages. */
export function specialKind(st: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean; isDirectory(): boolean }): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return 'a special file';
}
