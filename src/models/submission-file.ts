// A submission as a file or folder on the participant's side, before it is registered: where it
// is and whose it is, and the checks every kind makes before reading a byte of it (a regular file,
// within the size limit, a participant name that prints safely). Every task kind collects these.
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../errors.ts';
import { specialKind } from '../data/file-hash.ts';
import { PREDICTION_EXTENSIONS } from './predictions.ts';

export interface SubmissionFile { path: string; participant: string }

export const MAX_PARTICIPANT_CHARS = 64;


/** Why `name` is not a printable name of 1 to `max` characters (control or format characters, edge spaces), or null when it is. */
function unprintableName(name: string, max: number): string | null {
  const chars = [...name];
  const bad = chars.find((c) => /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(c));
  return chars.length === 0 ? 'it is empty'
    : chars.length > max ? `it has ${chars.length} characters`
      : bad !== undefined ? `it contains the control or format character U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
        : name.trim() !== name ? 'it starts or ends with a space' : null;
}

/**
 * The rule for participant names (from `--participant` or a file name): 1 to 64 characters, no
 * control or format characters (C0/C1 controls, DEL, bidirectional controls, zero-width
 * characters: Unicode Cc, Cf, Zl, Zp), no leading or trailing space. Refused with E_USAGE.
 * Outputs neutralise names anyway (stores written before this rule).
 */
export function checkParticipant(name: string, source: string): void {
  const why = unprintableName(name, MAX_PARTICIPANT_CHARS);
  if (why) {
    throw new ArbiterError('E_USAGE', `participant name for ${source}: expected 1 to ${MAX_PARTICIPANT_CHARS} printable characters without control or format characters, but ${why} (rename the file or pass --participant)`, { source });
  }
}


export const MAX_BASE_MODEL_NAME_CHARS = 200;

/**
 * The rule for a base-model name declared at submit (`--base-model`: a hub name such as
 * Qwen/Qwen3-0.6B, or the hash of a model in the store): 1 to 200 characters, no control or format
 * characters, no leading or trailing space. Refused with E_USAGE.
 */
export function checkBaseModelName(name: string): void {
  const why = unprintableName(name, MAX_BASE_MODEL_NAME_CHARS);
  if (why) {
    throw new ArbiterError('E_USAGE', `--base-model: expected 1 to ${MAX_BASE_MODEL_NAME_CHARS} printable characters without control or format characters (a model name or the hash of a model in the store), but ${why}`);
  }
}

/** The participant name a file stands for by default: its name without extension. */
export function participantOf(file: string): string {
  const base = path.basename(file);
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}


/** A submission path that is not a regular file or folder: refused, never opened. */
export function refuseSpecial(p: string, st: Parameters<typeof specialKind>[0]): never {
  throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission path ${p}: expected a regular file or folder, found ${specialKind(st)}`, { path: p });
}


/** Refuse a submission file larger than `limit` (from its size on disk, before reading it). */
export function checkSubmissionSize(file: string, size: number, limit: number): void {
  if (size > limit) {
    const what = PREDICTION_EXTENSIONS.includes(path.extname(file).toLowerCase()) ? 'prediction files' : 'submission files';
    throw new ArbiterError('E_MODEL_TOO_LARGE', `${path.basename(file)} is ${size} bytes: the benchmark accepts ${what} up to ${limit} bytes${what === 'prediction files' ? ' (model.maxBytes)' : ''}`, { size, limit });
  }
}


/** A regular file's size, without following a symlink or opening it. */
export function regularFileSize(file: string): number {
  let st;
  try { st = lstatSync(file); } catch {
    throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission path ${file}: expected a file, found nothing there`, { path: file });
  }
  if (!st.isFile()) refuseSpecial(file, st);
  return st.size;
}

