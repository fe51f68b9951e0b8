// Unpacks a tar or tar.gz submission (a model plus its external-data files) into a fresh folder,
// refusing anything unsafe before writing a byte: decompression bombs (gunzip is capped at the
// benchmark's size limits), links and device entries, absolute or `..` paths, duplicate names, too
// many entries, and nested archives (which a later step might be tempted to unpack).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ArbiterError } from '../../errors.ts';
import type { AdmissionRules } from './schema.ts';
import { isTar, tarEntries } from '../tar-format.ts';

export interface ArchiveEntry { name: string; data: Uint8Array }

const fail = (message: string): never => { throw new ArbiterError('E_SUBMISSION_ARCHIVE', message); };

export function isGzip(b: Uint8Array): boolean { return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b; }
export { isTar };

/** Magic numbers of archive and compressed formats refused inside a submission. */
function nestedArchiveKind(b: Uint8Array): string | null {
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5 || b[2] === 7)) return 'zip';
  if (isGzip(b)) return 'gzip';
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2';
  if (b.length >= 6 && b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58) return 'xz';
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  if (b.length >= 6 && b[0] === 0x37 && b[1] === 0x7a && b[2] === 0xbc && b[3] === 0xaf) return '7z';
  if (isTar(b)) return 'tar';
  return null;
}

/** Why a path is unsafe, or null. */
function unsafeName(name: string): string | null {
  if (name === '') return 'has an empty name';
  if (name.includes('\0') || name.includes('\\')) return 'has a NUL byte or a backslash in its name';
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return 'has an absolute path';
  if (name.split('/').some((s) => s === '..')) return "has a '..' path segment";
  if (name.length > 255) return 'has a name longer than 255 characters';
  return null;
}

/**
 * Parse a (possibly gzipped) tar held in memory. Total unpacked bytes are capped at
 * `maxBytes + maxExternalBytes`; gunzip output is capped at that plus the tar framing.
 */
export function readSubmissionArchive(bytes: Uint8Array, rules: Pick<AdmissionRules, 'maxBytes' | 'maxExternalBytes' | 'archive'>): ArchiveEntry[] {
  const cap = rules.maxBytes + rules.maxExternalBytes;
  let tar = bytes;
  if (isGzip(bytes)) {
    // Framing: one 512-byte header per entry plus padding and the end blocks.
    const limit = cap + (rules.archive.maxEntries + 2) * 1024 + 10240;
    try {
      tar = gunzipSync(bytes, { maxOutputLength: limit });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) fail(`the archive unpacks to more than ${limit} bytes: the benchmark allows ${cap} bytes of model and external data (a decompression bomb?)`);
      fail(`the archive is not valid gzip: ${(e as Error).message.slice(0, 120)}`);
    }
  }
  if (!isTar(tar)) fail('the submission is not a tar archive (ustar) nor a gzipped one: expected a .onnx file, .tar or .tar.gz');
  const entries: ArchiveEntry[] = [];
  const names = new Set<string>();
  let total = 0;
  for (const entry of tarEntries(tar, fail)) {
    const { type, size, data } = entry;
    const name = entry.name.replace(/^(\.\/)+/, '');
    if (type === '5') { if (name !== '' && unsafeName(name.replace(/\/$/, ''))) fail(`archive entry '${name.slice(0, 120)}' ${unsafeName(name.replace(/\/$/, ''))}`); continue; }
    if (type === '1' || type === '2') fail(`archive entry '${name.slice(0, 120)}' is a ${type === '1' ? 'hard link' : 'symbolic link'}: submissions may contain regular files only`);
    if (type !== '0' && type !== '\0' && type !== '7') fail(`archive entry '${name.slice(0, 120)}' has type '${type}': submissions may contain regular files and folders only`);
    const bad = unsafeName(name);
    if (bad) fail(`archive entry '${name.slice(0, 120)}' ${bad}: entries must be relative paths inside the submission`);
    if (names.has(name)) fail(`archive entry '${name.slice(0, 120)}' appears twice`);
    names.add(name);
    if (entries.length + 1 > rules.archive.maxEntries) fail(`the archive has more than ${rules.archive.maxEntries} files: the benchmark allows at most ${rules.archive.maxEntries}`);
    total += size;
    if (total > cap) fail(`the archive's files total more than ${cap} bytes: the benchmark allows ${rules.maxBytes} bytes of model plus ${rules.maxExternalBytes} of external data`);
    const nested = nestedArchiveKind(data);
    if (nested) fail(`archive entry '${name.slice(0, 120)}' is itself a ${nested} archive: nested archives are not allowed`);
    entries.push({ name, data });
  }
  const models = entries.filter((e) => e.name.endsWith('.onnx'));
  if (models.length !== 1) fail(`the archive holds ${models.length} .onnx files: expected exactly one model`);
  return entries;
}

/**
 * Write parsed entries into `dest` (a fresh folder) and return the model's path. A name that is
 * both a file and a folder of another entry ('sub' and 'sub/model.onnx') cannot be unpacked: the
 * archive is refused (E_SUBMISSION_ARCHIVE), not reported as an internal error.
 */
export function extractSubmission(entries: ArchiveEntry[], dest: string): string {
  let model = '';
  for (const e of entries) {
    const p = join(dest, e.name);
    try {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, e.data, { flag: 'wx' });
    } catch (err) {
      fail(`archive entry '${e.name.slice(0, 120)}' cannot be unpacked (${(err as NodeJS.ErrnoException).code ?? 'error'}): a file and a folder of the archive share a name`);
    }
    if (e.name.endsWith('.onnx')) model = p;
  }
  return model;
}
