// The labels-free inputs file that isolated child processes read their rows from: an input
// window's columns written once, raw (no ids, no labels, no header), to a memory-backed file
// system, so a task's message names a row range instead of carrying the rows over IPC. /dev/shm is
// memory; the OS temp dir may be a disk, so it is used only for a set that is in clear on disk
// already, never for a decrypted one (then there is no file and rows go over IPC, as before).
// Files are 0600, named after the engine's pid, removed when their window is done, when the
// executor closes, and on process exit; files left by an engine that was killed (kill -9) are
// removed by the next engine that writes one.
// The same rules hold for the outputs files (createOutputsFile): one per in-flight group of a
// child, which the child writes its batches' outputs into and the engine reads back (runner.ts).
import { closeSync, constants, existsSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { InputWindow } from '../shared-inputs.ts';

const PREFIX = 'arbiter-inputs-';
const OUT_PREFIX = 'arbiter-outputs-';
const SHM = '/dev/shm';

/** Where inputs files go: /dev/shm when it is a directory here, else the OS temp dir (not memory). */
export function inputsDir(): { dir: string; memory: boolean } {
  try {
    if (statSync(SHM).isDirectory()) return { dir: SHM, memory: true };
  } catch { /* no /dev/shm */ }
  return { dir: os.tmpdir(), memory: false };
}

const live = new Set<string>();
let exitHook = false;
const swept = new Set<string>();

function removeQuietly(file: string): void {
  try { unlinkSync(file); } catch { /* already gone */ }
}

/** Remove inputs files of engines that no longer run (a kill -9 leaves its files behind). */
function sweepStale(dir: string): void {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const name of names) {
    const m = new RegExp(`^(?:${PREFIX}|${OUT_PREFIX})(\\d+)-`).exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') removeQuietly(path.join(dir, name));
    }
  }
}

/** Byte offset of each column in the file (columns one after another, each row-major). */
export function columnOffsets(w: InputWindow): number[] {
  const out: number[] = [];
  let at = 0;
  for (const c of w.columns) {
    out.push(at);
    at += c.data.byteLength;
  }
  return out;
}

/**
 * Write the window's input columns to a new inputs file; returns its path, or null when there
 * is no place for it (`memoryOnly` and no /dev/shm, or the file system is full): the caller then
 * sends rows over IPC.
 */
export function writeInputsFile(w: InputWindow, opts: { memoryOnly: boolean; where?: { dir: string; memory: boolean } }): string | null {
  const where = opts.where ?? inputsDir();
  if (!where.memory && opts.memoryOnly) return null;
  prepareDir(where.dir);
  const file = path.join(where.dir, `${PREFIX}${process.pid}-${w.id}-${randomBytes(6).toString('hex')}`);
  let fd: number | null = null;
  try {
    fd = openSync(file, 'wx', 0o600);
    live.add(file);
    for (const c of w.columns) {
      const bytes = new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength);
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    }
    closeSync(fd);
    return file;
  } catch {
    if (fd !== null) try { closeSync(fd); } catch { /* closed */ }
    removeInputsFile(file);
    return null;
  }
}

function prepareDir(dir: string): void {
  if (!swept.has(dir)) {
    swept.add(dir);
    sweepStale(dir);
  }
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => { for (const f of live) removeQuietly(f); });
  }
}

let nextOutputsFile = 1;

/**
 * A new, empty outputs file in `dir` (0600, created here, never an existing path: O_EXCL and
 * O_NOFOLLOW), for one child to write outputs into. The engine keeps the returned descriptor and
 * reads through it only, so whatever the child does to the path (unlink, rename, a symlink in its
 * place) cannot redirect the engine's reads. Null when it cannot be made (the caller uses IPC).
 */
export function createOutputsFile(dir: string): { file: string; fd: number } | null {
  prepareDir(dir);
  const file = path.join(dir, `${OUT_PREFIX}${process.pid}-${nextOutputsFile++}-${randomBytes(6).toString('hex')}`);
  try {
    // read and write: the engine reads, and empties the file before each group (runner.ts)
    const fd = openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    live.add(file);
    return { file, fd };
  } catch {
    return null;
  }
}

/** Remove an inputs or outputs file (its open descriptors keep working until closed). */
export function removeInputsFile(file: string): void {
  live.delete(file);
  removeQuietly(file);
}

/** Inputs and outputs files this process has written and not yet removed (for tests). */
export function liveInputsFiles(): string[] {
  return [...live].filter((f) => existsSync(f));
}
