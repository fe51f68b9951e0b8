// Language-model submissions: transformers.js model folders or .tar archives of one. Finds them,
// gives each a content hash and registers it in the store (which copies it into the blob store).
// A folder's hash is the sha256 of its manifest (see folderManifest): it depends only on the
// relative paths and bytes of its regular files, never on timestamps, order on disk or location.
// Only regular files and folders are read: a symlink, FIFO, socket or device anywhere in a folder
// refuses the submission (E_MODEL_FORMAT) before anything is opened; files are hashed by streaming.
import { readdirSync, statSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import { sha256Hex } from '../../benchmark/canonical.ts';
import { sha256FileSync, specialKind } from '../../data/file-hash.ts';
import type { Store, SubmissionRecord } from '../../store/store.ts';
import { checkParticipant, checkSubmissionSize, participantOf, refuseSpecial, regularFileSize, type SubmissionFile } from '../../models/submission-file.ts';

/**
 * Every regular file under `dir` (relative POSIX paths, sorted by UTF-8 bytes). Any other entry
 * (symlink, FIFO, socket, device) is refused with E_MODEL_FORMAT, naming its relative path.
 */
export function folderFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) out.push(r);
      else throw new ArbiterError('E_MODEL_FORMAT', `model folder ${path.basename(dir)}: entry ${r} is ${specialKind(st)}; a model folder holds only regular files and folders`, { entry: r });
    }
  };
  walk('');
  return out.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/**
 * The canonical manifest of a folder: one line `<sha256 of the file bytes>  <relative path>\n` per
 * regular file, sorted by path bytes (the format `sha256sum` prints). The folder's content hash is
 * the sha256 of this text.
 */
export function folderManifest(dir: string): { text: string; size: number } {
  let text = '';
  let size = 0;
  for (const rel of folderFiles(dir)) {
    const h = sha256FileSync(path.join(dir, rel));
    size += h.size;
    text += `${h.sha256}  ${rel}\n`;
  }
  return { text, size };
}

export function folderSha256(dir: string): string {
  return sha256Hex(folderManifest(dir).text);
}

/** A folder is a model folder (one submission) when it holds config.json or onnx/. */
export function isModelFolder(dir: string): boolean {
  const has = (rel: string) => { try { statSync(path.join(dir, rel)); return true; } catch { return false; } };
  return has('config.json') || has('onnx');
}

function isLmSubmissionName(name: string): boolean {
  return !name.startsWith('.') && !/\.(md|txt|json|yaml|yml|ts|js)$/i.test(name);
}

/**
 * Expand paths into LM submissions: a model folder or a file is one submission; any other folder
 * contributes each of its entries (model folders and files such as .tar, sorted by name).
 * The participant is the folder name, or the file name without extension.
 */
export function collectLmSubmissions(paths: string[]): SubmissionFile[] {
  const out: SubmissionFile[] = [];
  for (const p of paths) {
    let st;
    try { st = lstatSync(p); } catch {
      throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission path ${p}: expected a model folder, a .tar file or a folder of them, found nothing there`, { path: p });
    }
    if (st.isFile() || (st.isDirectory() && isModelFolder(p))) { out.push({ path: path.resolve(p), participant: participantOf(p) }); continue; }
    if (!st.isDirectory()) refuseSpecial(p, st);
    const names = readdirSync(p).filter(isLmSubmissionName).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) {
      const f = path.join(p, n);
      const s = lstatSync(f);
      if (s.isFile() || s.isDirectory()) out.push({ path: path.resolve(f), participant: participantOf(f) });
      else refuseSpecial(f, s);
    }
  }
  return out;
}

/**
 * Register one LM submission: a folder by its manifest hash, a file (.tar) by the sha256 of its
 * bytes. With `limit`, a .tar or folder larger than it is refused (E_MODEL_TOO_LARGE) from sizes on
 * disk before any byte is read.
 */
export function registerLmSubmission(store: Store, benchmarkId: string, f: SubmissionFile, limit?: number): SubmissionRecord {
  checkParticipant(f.participant, JSON.stringify(path.basename(f.path)));
  if (lstatSync(f.path).isDirectory()) {
    if (limit !== undefined) checkSubmissionSize(f.path, folderFiles(f.path).reduce((a, rel) => a + lstatSync(path.join(f.path, rel)).size, 0), limit);
    const { text, size } = folderManifest(f.path);
    return store.registerSubmission({ benchmarkId, participant: f.participant, sha256: sha256Hex(text), kind: 'onnx', sourcePath: f.path, size }, folderSha256);
  }
  const size = regularFileSize(f.path);
  if (limit !== undefined) checkSubmissionSize(f.path, size, limit);
  const h = sha256FileSync(f.path);
  return store.registerSubmission({ benchmarkId, participant: f.participant, sha256: h.sha256, kind: 'onnx', sourcePath: f.path, size: h.size });
}
