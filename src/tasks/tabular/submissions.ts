// Finds submission files, identifies them (sha256 of the bytes, kind by extension) and
// registers them in the store. A missing path is a usage-level error; a bad file is not: it is
// registered and fails at admission, so it shows on the leaderboard with its reason.
// Only regular files are ever opened (a FIFO blocks its reader, a device never ends, a symlink
// points anywhere), and a file's size is checked from `lstat` before a byte is read.
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import { sha256FileSync, specialKind } from '../../data/file-hash.ts';
import { PREDICTION_EXTENSIONS } from '../../models/predictions.ts';
import type { Store, SubmissionRecord } from '../../store/store.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { AdmissionRulesSchema } from '../../models/admission/schema.ts';

import { checkParticipant, checkSubmissionSize, MAX_PARTICIPANT_CHARS, participantOf, refuseSpecial, regularFileSize, type SubmissionFile } from '../../models/submission-file.ts';

export { checkParticipant, checkSubmissionSize, MAX_PARTICIPANT_CHARS, participantOf, refuseSpecial, regularFileSize, type SubmissionFile };

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

export function kindOf(file: string): 'onnx' | 'predictions' {
  return PREDICTION_EXTENSIONS.includes(path.extname(file).toLowerCase()) ? 'predictions' : 'onnx';
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
