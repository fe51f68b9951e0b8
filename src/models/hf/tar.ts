// Safe unpacking of a language-model submission .tar (read by ../tar-format.ts) into a fresh folder.
// Rejected with E_TAR_UNSAFE: absolute paths, ".." components, backslashes/NUL, duplicate paths,
// devices/FIFOs, links whose target is not a regular file already unpacked inside the archive,
// bad header checksums, truncated data, and archives that unpack to more than `maxBytes`.
// Links that stay inside are materialised as copies: no symlink is ever created on disk, so no
// later entry can be written through one.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import { tarEntries } from '../tar-format.ts';

export interface UnpackOptions {
  /** total bytes of unpacked regular files allowed */
  maxBytes: number;
  maxEntries?: number;
}

function unsafe(message: string, details?: Record<string, unknown>): never {
  throw new ArbiterError('E_TAR_UNSAFE', message, details);
}

/** Normalise an entry path; throws E_TAR_UNSAFE for anything that could leave the folder. */
export function safeEntryPath(raw: string): string {
  if (raw.includes('\0') || raw.includes('\\')) unsafe(`tar entry ${JSON.stringify(raw)} has a NUL or backslash`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) unsafe(`tar entry ${JSON.stringify(raw)} is an absolute path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) unsafe(`tar entry ${JSON.stringify(raw)} contains ".."`);
  return parts.join('/');
}

/** Unpack into `dest` (created, must not exist or be empty). Returns the unpacked regular files (relative paths, sorted). */
export function unpackTar(tar: Uint8Array, dest: string, opts: UnpackOptions): string[] {
  mkdirSync(dest, { recursive: true });
  const files = new Set<string>();
  const dirs = new Set<string>();
  let total = 0;
  let entries = 0;
  const maxEntries = opts.maxEntries ?? 10_000;
  for (const { type, name: rawName, link: rawLink, size, data } of tarEntries(tar, (m) => unsafe(m))) {
    if (++entries > maxEntries) unsafe(`the archive has more than ${maxEntries} entries`);
    const rel = safeEntryPath(rawName);
    if (type === '5') {
      // a folder over an earlier file of the same name ('sub', then 'sub/') cannot be made
      if (rel) { dirs.add(rel); write(path.join(dest, rel), () => mkdirSync(path.join(dest, rel), { recursive: true }), rel); }
      continue;
    }
    if (rel === '') unsafe(`tar entry ${JSON.stringify(rawName)} has an empty path`);
    if (files.has(rel) || dirs.has(rel)) unsafe(`tar entry ${rel} appears twice`);
    const out = path.join(dest, rel);
    if (type === '0' || type === '\0' || type === '7') {
      total += size;
      if (total > opts.maxBytes) unsafe(`the archive unpacks to more than ${opts.maxBytes} bytes`, { maxBytes: opts.maxBytes });
      write(out, () => writeFileSync(out, data, { flag: 'wx', mode: 0o644 }), rel);
    } else if (type === '1' || type === '2') {
      // hard links name a path from the archive root, symlinks a path from the link's folder
      const target = type === '1' ? rawLink : path.posix.join(path.posix.dirname(rel), rawLink);
      if (rawLink.startsWith('/')) unsafe(`link ${rel} points to an absolute path (${rawLink})`);
      const norm = path.posix.normalize(target);
      if (norm === '..' || norm.startsWith('../')) unsafe(`link ${rel} points outside the archive (${rawLink})`);
      if (!files.has(norm)) unsafe(`link ${rel} -> ${rawLink} does not point to a regular file earlier in the archive`);
      total += statSync(path.join(dest, norm)).size;
      if (total > opts.maxBytes) unsafe(`the archive unpacks to more than ${opts.maxBytes} bytes`, { maxBytes: opts.maxBytes });
      write(out, () => copyFileSync(path.join(dest, norm), out), rel);
    } else {
      unsafe(`tar entry ${rel} has type ${JSON.stringify(type)} (device, FIFO or unknown): only files, folders and links are allowed`);
    }
    files.add(rel);
  }
  return [...files].sort();
}

function write(out: string, fn: () => void, rel: string): void {
  try {
    mkdirSync(path.dirname(out), { recursive: true });
    fn();
  } catch (e) {
    unsafe(`cannot unpack ${rel}: ${(e as Error).message}`);
  }
}

/**
 * A submission path as a model folder: a directory is used as is; a .tar is unpacked into
 * `workDir/<sha256 of the tar>` (reused when already there) and its model root returned: the
 * unpacked folder itself, or its single top-level folder when config.json sits there.
 */
export function resolveModelFolder(submission: string, workDir: string, opts: UnpackOptions): string {
  if (!existsSync(submission)) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission ${submission} does not exist`);
  if (statSync(submission).isDirectory()) return path.resolve(submission);
  const bytes = readFileSync(submission);
  const dest = path.join(workDir, createHash('sha256').update(bytes).digest('hex'));
  const marker = path.join(dest, '.arbiter-unpacked');
  if (!existsSync(marker)) {
    if (existsSync(dest)) unsafe(`unpack folder ${dest} exists but is incomplete; remove it`);
    const tmp = `${dest}.partial-${process.pid}`;
    try {
      const files = unpackTar(bytes, tmp, opts);
      if (files.includes('.arbiter-unpacked')) unsafe('the archive contains .arbiter-unpacked, a name arbiter reserves');
      writeFileSync(path.join(tmp, '.arbiter-unpacked'), JSON.stringify(files));
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    // rename is atomic: a crash never leaves a half-unpacked folder under the final name
    renameIntoPlace(tmp, dest);
  }
  if (existsSync(path.join(dest, 'config.json'))) return dest;
  const files: string[] = JSON.parse(readFileSync(marker, 'utf8'));
  const tops = [...new Set(files.map((f) => f.split('/')[0]!))];
  if (tops.length === 1 && existsSync(path.join(dest, tops[0]!, 'config.json'))) return path.join(dest, tops[0]!);
  return dest; // checkFolderFiles will name the missing config.json
}

function renameIntoPlace(tmp: string, dest: string): void {
  try { renameSync(tmp, dest); } catch (e) {
    if (existsSync(path.join(dest, '.arbiter-unpacked'))) { rmSync(tmp, { recursive: true, force: true }); return; }
    throw e;
  }
}
