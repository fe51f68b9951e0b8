// The labels-free inputs file that isolated child processes read their rows from: an input
// window's columns written once, raw (no ids, no labels, no header), to a memory-backed file
// system, so a task's message names a row range instead of carrying the rows over IPC. /dev/shm is
// memory; the OS temp dir may be a disk, so it is used only for a set that is in clear on disk
// already, never for a decrypted one (then there is no file and rows go over IPC, as before).
// Files are 0600, named after the engine's pid, removed when their window is done, when the
// executor closes, and on process exit; files left by an engine that was killed (kill -9) are
// removed by the next engine that writes one.
import { closeSync, existsSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { InputWindow } from '../shared-inputs.ts';

const PREFIX = 'arbiter-inputs-';
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
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
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
  if (!swept.has(where.dir)) {
    swept.add(where.dir);
    sweepStale(where.dir);
  }
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => { for (const f of live) removeQuietly(f); });
  }
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

export function removeInputsFile(file: string): void {
  live.delete(file);
  removeQuietly(file);
}

/** Inputs files this process has written and not yet removed (for tests). */
export function liveInputsFiles(): string[] {
  return [...live].filter((f) => existsSync(f));
}
