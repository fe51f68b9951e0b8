// Finds submission files, identifies them (sha256 of the bytes, kind by extension) and
// registers them in the store. A missing path is a usage-level error; a bad file is not: it is
// registered and fails at admission, so it shows on the leaderboard with its reason.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import { sha256Hex } from '../../benchmark/canonical.ts';
import { PREDICTION_EXTENSIONS } from '../../models/predictions.ts';
import type { Store, SubmissionRecord } from '../../store/store.ts';
import { participantOf, type SubmissionFile } from '../../models/submission-file.ts';

export { participantOf, type SubmissionFile };


function isSubmissionName(name: string): boolean {
  return !name.startsWith('.') && !/\.(md|txt|json|yaml|yml)$/i.test(name);
}

/** Expand files and folders (a folder's own files, sorted by name) into submission files. */
export function collectSubmissionFiles(paths: string[]): SubmissionFile[] {
  const out: SubmissionFile[] = [];
  for (const p of paths) {
    let st;
    try { st = statSync(p); } catch {
      throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission path ${p}: expected a file or folder, found nothing there`, { path: p });
    }
    if (st.isDirectory()) {
      const names = readdirSync(p).filter(isSubmissionName).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const n of names) {
        const f = path.join(p, n);
        if (statSync(f).isFile()) out.push({ path: path.resolve(f), participant: participantOf(f) });
      }
    } else if (st.isFile()) out.push({ path: path.resolve(p), participant: participantOf(p) });
    else throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission path ${p}: expected a regular file or folder`, { path: p });
  }
  return out;
}

export function kindOf(file: string): 'onnx' | 'predictions' {
  return PREDICTION_EXTENSIONS.includes(path.extname(file).toLowerCase()) ? 'predictions' : 'onnx';
}

export function registerFile(store: Store, benchmarkId: string, f: SubmissionFile): SubmissionRecord {
  const bytes = readFileSync(f.path);
  return store.registerSubmission({
    benchmarkId, participant: f.participant, sha256: sha256Hex(bytes), kind: kindOf(f.path), sourcePath: f.path, size: bytes.length,
  });
}
