// External tensor data: the `location` a tensor names must be a plain relative path that stays
// inside the submission folder, after following symlinks. ONNX Runtime would otherwise read any
// file the scoring process can read (/etc/passwd, the hidden set, the dataset key) into a tensor.
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { OnnxTensor } from '../onnx/proto.ts';

export interface ExternalRef {
  location: string;
  offset: number;
  length: number | undefined;
}

/** Parse a tensor's external_data entries; returns an error string for malformed ones. */
export function externalRef(t: OnnxTensor): ExternalRef | string {
  const kv = new Map<string, string>();
  for (const e of t.externalData ?? []) {
    if (e.key === undefined) return 'an external_data entry has no key';
    if (kv.has(e.key)) return `external_data key '${e.key}' appears twice`;
    kv.set(e.key, e.value ?? '');
  }
  const location = kv.get('location');
  if (location === undefined || location === '') return 'external data has no location';
  const num = (k: string): number | undefined | string => {
    const v = kv.get(k);
    if (v === undefined) return undefined;
    return /^\d{1,15}$/.test(v) ? Number(v) : `external_data ${k} '${v.slice(0, 40)}' is not a non-negative integer`;
  };
  const offset = num('offset');
  const length = num('length');
  if (typeof offset === 'string') return offset;
  if (typeof length === 'string') return length;
  return { location, offset: offset ?? 0, length };
}

/**
 * Why a location is unsafe as written (before touching the file system), or null. Refuses absolute
 * paths (POSIX, Windows drive and UNC forms), any `..` segment, NUL bytes and backslashes.
 */
export function unsafeLocation(location: string): string | null {
  if (location.includes('\0')) return 'contains a NUL byte';
  if (location.includes('\\')) return 'contains a backslash (only relative paths with / are allowed)';
  if (isAbsolute(location) || /^[a-zA-Z]:/.test(location) || location.startsWith('//')) return 'is an absolute path';
  if (location.split('/').some((s) => s === '..')) return "contains a '..' segment";
  if (location.length > 1024) return 'is longer than 1024 characters';
  return null;
}

/**
 * Resolve a location inside `folder`, following symlinks, and check the real path is still inside
 * the real folder and is a regular file. Returns the real path and the file size, or an error string.
 */
export function resolveInside(folder: string, location: string): { path: string; size: number } | string {
  let realFolder: string;
  let real: string;
  try {
    realFolder = realpathSync(folder);
  } catch {
    return `submission folder ${folder} cannot be resolved`;
  }
  try {
    real = realpathSync(join(realFolder, location));
  } catch {
    return 'does not exist in the submission folder';
  }
  const rel = relative(realFolder, real);
  if (rel === '') return 'is the submission folder itself, not a file';
  if (rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) return 'resolves (through a symlink) to a file outside the submission folder';
  const fd = openSync(real, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'is not a regular file';
    return { path: real, size: st.size };
  } finally { closeSync(fd); }
}

/** Read `length` bytes at `offset` of a file (already checked to be inside the folder and in range). */
export function readSlice(path: string, offset: number, length: number): Uint8Array {
  const buf = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    let off = 0;
    while (off < length) {
      const n = readSync(fd, buf, off, length - off, offset + off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally { closeSync(fd); }
}
