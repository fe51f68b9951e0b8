// `arbiter check` for language-model benchmarks: the submission is a transformers.js model folder
// or a .tar of one; the file rule identifies it as the scoring job does (the folder's manifest
// hash); admission is the scoring job's (the same safe unpacking, then admitLmFolder with the
// task's rules). The run layer (src/run/check.ts) then runs the LM job on the public sample.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArbiterError, toErrorData } from '../../errors.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { sha256Hex } from '../../benchmark/canonical.ts';
import { admissionRulesOf } from '../../benchmark/lm-task.ts';
import { sha256File } from '../../data/file-hash.ts';
import { admitLmFolder } from '../../models/hf/admission.ts';
import { folderManifest } from './submissions.ts';
import type { CheckSteps } from '../task-kind.ts';
import { lmFolderFor, lmTaskOf } from './folder.ts';

export async function checkLm(b: LoadedBenchmark, submissionPath: string): Promise<CheckSteps> {
  // 1. The folder or archive.
  let isDir: boolean;
  try {
    const st = statSync(submissionPath);
    isDir = st.isDirectory();
    if (!isDir && !st.isFile()) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `${submissionPath}: expected a model folder or a .tar of one, found a special file`);
  } catch (err) {
    const e = err instanceof ArbiterError ? err.toData()
      : { code: 'E_SUBMISSION_NOT_FOUND' as const, message: `${submissionPath}: expected a model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx) or a .tar of one, found nothing there (check the path)` };
    return { submission: null, file: { ok: false, error: e } };
  }
  let manifest: { text: string; size: number } | null;
  try { manifest = isDir ? folderManifest(submissionPath) : null; } catch (err) {
    return { submission: null, file: { ok: false, error: toErrorData(err, 'E_MODEL_FORMAT') } };
  }
  const bytes = manifest ? manifest.size : statSync(submissionPath).size;
  const sha256 = manifest ? sha256Hex(manifest.text) : await sha256File(submissionPath);
  const submission = { path: path.resolve(submissionPath), kind: 'model-folder' as const, bytes, sha256 };
  const file = { ok: true as const, message: `${isDir ? 'model folder' : 'archive of a model folder'}, ${bytes} bytes, sha256 ${sha256.slice(0, 12)}` };

  // 2. Admission: the LM job's own calls (unpack, then admitLmFolder with the spec's rules).
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-check-lm-'));
  try {
    const task = lmTaskOf(b.spec);
    const folder = lmFolderFor(path.resolve(submissionPath), task, path.join(tmp, 'unpacked'));
    const r = admitLmFolder(folder, admissionRulesOf(task));
    return { submission, file, admission: { ok: true, message: `model_type ${r.modelType}; ${r.params} parameters; ${r.modelBytes} model bytes${r.opset !== null ? `; opset ${r.opset}` : ''}${r.maxContext !== null ? `; context ${r.maxContext}` : ''}; tokenizer ${r.tokenizerSha256.slice(0, 12)}` } };
  } catch (err) {
    return { submission, file, admission: { ok: false, error: toErrorData(err, 'E_MODEL_FORMAT') } };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Rows of a JSONL public sample: its non-blank lines. */
export async function jsonlRows(file: string): Promise<number> {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
}
