// Finds submission files, identifies them (sha256 of the bytes, kind by extension) and
// registers them in the store. A missing path is a usage-level error; a bad file is not: it is
// registered and fails at admission, so it shows on the leaderboard with its reason.
// Only regular files are ever opened (a FIFO blocks its reader, a device never ends, a symlink
// points anywhere), and a file's size is checked from `lstat` before a byte is read.
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../errors.ts';
import { sha256FileSync, specialKind } from '../data/file-hash.ts';
import { PREDICTION_EXTENSIONS } from '../models/predictions.ts';
import type { Store, SubmissionRecord } from '../store/store.ts';
import type { LoadedBenchmark } from '../spec/loader.ts';
import { AdmissionRulesSchema } from '../models/admission/schema.ts';

export interface SubmissionFile { path: string; participant: string }

function isSubmissionName(name: string): boolean {
  return !name.startsWith('.') && !/\.(md|txt|json|yaml|yml)$/i.test(name);
}

/** Expand files and folders (a folder's own files, sorted by name) into submission files. */
export function collectSubmissionFiles(paths: string[]): SubmissionFile[] {
  const out: SubmissionFile[] = [];
  for (const p of paths) {
    let st;
    try { st = lstatSync(p); } catch {
      throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission path ${p}: expected a file or folder, found nothing there`, { path: p });
    }
    if (st.isDirectory()) {
      const names = readdirSync(p).filter(isSubmissionName).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const n of names) {
        const f = path.join(p, n);
        const s = lstatSync(f);
        if (s.isFile()) out.push({ path: path.resolve(f), participant: participantOf(f) });
        else if (!s.isDirectory()) refuseSpecial(f, s);
      }
    } else if (st.isFile()) out.push({ path: path.resolve(p), participant: participantOf(p) });
    else refuseSpecial(p, st);
  }
  return out;
}

export const MAX_PARTICIPANT_CHARS = 64;

/**
 * The rule for participant names (from `--participant` or a file name): 1 to 64 characters, no
 * control or format characters (C0/C1 controls, DEL, bidirectional controls, zero-width
 * characters: Unicode Cc, Cf, Zl, Zp), no leading or trailing space. Refused with E_USAGE.
 * Outputs neutralise names anyway (stores written before this rule).
 */
export function checkParticipant(name: string, source: string): void {
  const chars = [...name];
  const bad = chars.find((c) => /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(c));
  const why = chars.length === 0 ? 'it is empty'
    : chars.length > MAX_PARTICIPANT_CHARS ? `it has ${chars.length} characters`
      : bad !== undefined ? `it contains the control or format character U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
        : name.trim() !== name ? 'it starts or ends with a space' : null;
  if (why) {
    throw new ArbiterError('E_USAGE', `participant name for ${source}: expected 1 to ${MAX_PARTICIPANT_CHARS} printable characters without control or format characters, but ${why} (rename the file or pass --participant)`, { source });
  }
}

/** The participant name a file stands for by default: its name without extension. */
export function participantOf(file: string): string {
  const base = path.basename(file);
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

export function kindOf(file: string): 'onnx' | 'predictions' {
  return PREDICTION_EXTENSIONS.includes(path.extname(file).toLowerCase()) ? 'predictions' : 'onnx';
}

/** A submission path that is not a regular file or folder: refused, never opened. */
export function refuseSpecial(p: string, st: Parameters<typeof specialKind>[0]): never {
  throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission path ${p}: expected a regular file or folder, found ${specialKind(st)}`, { path: p });
}

/**
 * The largest submission file a benchmark registers, checked from `lstat` before any byte is read:
 * a prediction file is held to `model.maxBytes`; an ONNX file or archive to the larger of
 * `model.maxBytes` and `admission.maxBytes + admission.maxExternalBytes` + 1 MiB (admission then applies
 * the exact limits).
 */
export function submissionByteLimit(b: LoadedBenchmark, kind: 'onnx' | 'predictions'): number {
  const model = (b.spec as { model?: { maxBytes: number } }).model;
  const modelMax = model?.maxBytes ?? 100 * 1024 * 1024;
  if (kind === 'predictions') return modelMax;
  const rules = (b.spec as { admission?: { maxBytes: number; maxExternalBytes: number } }).admission ?? AdmissionRulesSchema.parse({});
  // 1 MiB for an archive's own framing (tar headers, padding)
  return Math.max(modelMax, rules.maxBytes + rules.maxExternalBytes + 1024 * 1024);
}

/** Refuse a submission file larger than `limit` (from its size on disk, before reading it). */
export function checkSubmissionSize(file: string, size: number, limit: number): void {
  if (size > limit) {
    const what = kindOf(file) === 'predictions' ? 'prediction files' : 'submission files';
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

/**
 * Register a submission file: refused (E_MODEL_TOO_LARGE) from its size before reading when
 * `limit` is given; hashed by streaming (bounded memory, any size), then copied into the store.
 */
export function registerFile(store: Store, benchmarkId: string, f: SubmissionFile, limit?: number): SubmissionRecord {
  checkParticipant(f.participant, JSON.stringify(path.basename(f.path)));
  const size = regularFileSize(f.path);
  if (limit !== undefined) checkSubmissionSize(f.path, size, limit);
  let hashed;
  try { hashed = sha256FileSync(f.path); } catch (err) {
    throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission path ${f.path}: cannot read it as a regular file (${(err as Error).message})`, { path: f.path });
  }
  return store.registerSubmission({
    benchmarkId, participant: f.participant, sha256: hashed.sha256, kind: kindOf(f.path), sourcePath: f.path, size: hashed.size,
  });
}
