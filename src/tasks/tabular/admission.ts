// Admission for a scoring run: which submissions go to the workers and which are settled before any
// row is read. Byte copies are duplicates of the first; prediction files are loaded and checked; an
// ONNX model passes the contract check and then the static rules of the spec's `admission:` section
// (defaults when absent: opsets, IR versions, standard operators only, node and depth limits, no
// external data), and a model storing the same weights as an earlier admitted one is a duplicate.
// A .tar / .tar.gz submission (one model plus its external data) is checked entry by entry and
// unpacked next to its blob in the store; once admitted, its external data is copied into the model
// (raw_data), so onnxruntime loads one self-contained model and never resolves a path itself.
// Pure JS on the bytes: no native code sees a submission before it is admitted.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { toErrorData, type ErrorData } from '../../errors.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { requireModel } from '../../benchmark/schema.ts';
import { admitOnnxBytes } from '../../models/onnx/contract.ts';
import { admitOnnx } from '../../models/admission/onnx.ts';
import { dropWeightCopies, type WeightsRef } from '../weight-copies.ts';
import { extractSubmission, isGzip, isTar, readSubmissionArchive } from '../../models/admission/archive.ts';
import { externalRef, readSlice, resolveInside } from '../../models/admission/external.ts';
import { isExternal, storedTensors } from '../../models/admission/tensors.ts';
import { decodeModel, encodeModel } from '../../models/onnx/proto.ts';
import { ArbiterError } from '../../errors.ts';
import { admissionContract, admissionRules } from '../../benchmark/admission-rules.ts';
import { loadPredictions, type PredictionTable } from '../../models/predictions.ts';
import type { SubmissionRecord } from '../../store/store.ts';
import type { Outcome } from '../../results.ts';
import { sanitizeMessage } from '../../messages.ts';

export interface AdmissionOutcome { splitScores: null; error: ErrorData | { code: string; message: string } }

/**
 * For an archive, `sub.blobPath` is the unpacked model (a copy of the record: the store keeps the
 * archive). A prediction file (`sub.kind` 'predictions') is checked whole at admission and dropped;
 * `predictions` is its table only while it is scored (withPredictions), so a run holds one table
 * per submission being scored, not one per admitted file.
 */
export interface AdmittedSubmission { sub: SubmissionRecord; order: number; predictions?: PredictionTable }

export interface RunAdmission {
  /** outcomes settled at admission (failed or duplicate), by submission id */
  outcomes: Map<number, AdmissionOutcome>;
  /** submissions to score, in run order */
  todo: AdmittedSubmission[];
}

/**
 * Admit `subs` (run order). Submissions in `settled` already have an outcome (a resumed run) and
 * are skipped, but still count as originals for byte copies.
 */
export async function admitForRun(b: LoadedBenchmark, subs: readonly SubmissionRecord[], settled: ReadonlySet<number>, needsProbabilities: boolean): Promise<RunAdmission> {
  const spec = b.spec;
  const rules = admissionRules(b);
  const contract = admissionContract(b);
  const outcomes = new Map<number, AdmissionOutcome>();
  const todo: AdmittedSubmission[] = [];
  const firstBySha = new Map<string, SubmissionRecord>();
  const weights: WeightsRef[] = [];
  for (const [order, sub] of subs.entries()) {
    const original = firstBySha.get(sub.sha256);
    if (!original) firstBySha.set(sub.sha256, sub);
    if (settled.has(sub.id)) continue;
    if (original) {
      outcomes.set(sub.id, { splitScores: null, error: { code: 'E_DUPLICATE', message: `same bytes as the earlier submission ${sub.sha256.slice(0, 12)} by ${original.participant}; only the first is ranked` } });
      continue;
    }
    if (sub.kind === 'predictions') {
      try {
        // every check of the file (format, values, duplicate ids); the table itself is not kept
        await loadPredictions(sub.blobPath, b, needsProbabilities);
        todo.push({ sub, order });
      } catch (err) {
        outcomes.set(sub.id, { splitScores: null, error: asSubmitted(toErrorData(err, 'E_PREDICTIONS'), sub) });
      }
      continue;
    }
    let bytes = readFileSync(sub.blobPath);
    let modelPath = sub.blobPath;
    let folder: string | undefined;
    if (isGzip(bytes) || isTar(bytes)) {
      try {
        const entries = readSubmissionArchive(bytes, rules);
        // One fixed folder per archive (its blob's name): re-admission replaces it, nothing piles up.
        folder = `${sub.blobPath}.d`;
        rmSync(folder, { recursive: true, force: true });
        mkdirSync(folder, { recursive: true });
        modelPath = extractSubmission(entries, folder);
        bytes = readFileSync(modelPath);
      } catch (err) {
        // fs errors (EEXIST, ENOSPC...) quote the store's paths: the published message names none.
        const data = toErrorData(err, 'E_SUBMISSION_ARCHIVE');
        outcomes.set(sub.id, { splitScores: null, error: { ...data, message: sanitizeMessage(data.message) } });
        continue;
      }
    }
    const contractCheck = admitOnnxBytes(bytes, requireModel(spec).model, spec.batching.size, spec.batching.last === 'pad');
    if (!contractCheck.ok) { outcomes.set(sub.id, { splitScores: null, error: contractCheck.error }); continue; }
    // A plain .onnx blob sits alone in the store, so its external data can never resolve. An
    // archive's model reads external data relative to its own folder (as onnxruntime resolves it),
    // and must stay inside that folder.
    const admitted = folder
      ? await admitOnnx(modelPath, rules, contract, { name: sub.filename, folder: dirname(modelPath) })
      : await admitOnnx(bytes, rules, contract, { name: sub.filename });
    if (!admitted.ok) { outcomes.set(sub.id, { splitScores: null, error: admitted.error }); continue; }
    if (folder && admitted.info.externalFiles.length > 0) {
      try {
        modelPath = inlineExternalData(modelPath, `${sub.blobPath}.inlined.onnx`);
      } catch (err) {
        outcomes.set(sub.id, { splitScores: null, error: toErrorData(err, 'E_MODEL_EXTERNAL_DATA') });
        continue;
      }
    }
    // A model that stores no parameters says nothing about copying (findCopies skips '').
    weights.push({ key: String(sub.id), order, sha256: sub.sha256, weightsHash: admitted.info.paramCount > 0 ? admitted.info.weightsHash : '' });
    todo.push({ sub: modelPath === sub.blobPath ? sub : { ...sub, blobPath: modelPath }, order });
  }
  // Same weights in another wrapper: a copy of the earliest admitted model that stores them.
  return { outcomes, todo: dropWeightCopies(subs, todo, weights, rules.duplicates.weights, outcomes) };
}

/**
 * Copy every external tensor's bytes (already admitted: inside the model's folder, in range, within
 * the limits) into the model as raw_data and write it to `out`. The result loads the same weights
 * from one file, in a worker thread or an isolated process alike (which loads models from bytes).
 */
function inlineExternalData(modelPath: string, out: string): string {
  const dir = dirname(modelPath);
  const model = decodeModel(readFileSync(modelPath));
  for (const { tensor, where } of storedTensors(model)) {
    if (!isExternal(tensor)) continue;
    const ref = externalRef(tensor);
    const at = typeof ref === 'string' ? ref : resolveInside(dir, ref.location);
    if (typeof ref === 'string' || typeof at === 'string') throw new ArbiterError('E_MODEL_EXTERNAL_DATA', `${where}: external data ${typeof at === 'string' ? at : ref}`);
    tensor.rawData = readSlice(at.path, ref.offset, ref.length ?? at.size - ref.offset);
    delete tensor.externalData;
    delete tensor.dataLocation;
  }
  writeFileSync(out, encodeModel(model));
  return out;
}

/** Whether an admitted submission is a prediction file (no model, no inference, no sanity run). */
export function isPredictionFile(t: AdmittedSubmission): boolean {
  return t.sub.kind === 'predictions';
}

/**
 * Runs `score` on `t` with its prediction file loaded (a model is passed as is). The table lives
 * only until `score` settles. A file that no longer loads fails like it would have at admission.
 */
export async function withPredictions(
  b: LoadedBenchmark, t: AdmittedSubmission, needsProbabilities: boolean, score: (t: AdmittedSubmission) => Promise<Outcome>,
): Promise<Outcome> {
  if (!isPredictionFile(t)) return score(t);
  let predictions: PredictionTable;
  try {
    predictions = await loadPredictions(t.sub.blobPath, b, needsProbabilities);
  } catch (err) {
    return { splitScores: null, error: asSubmitted(toErrorData(err, 'E_PREDICTIONS'), t.sub) };
  }
  return score({ ...t, predictions });
}

export { admissionContract, admissionRules };
/** An error about a stored copy, told in the participant's own file name (the record keeps it), not the blob's (`3c5698….csv`). */
export function asSubmitted(e: ErrorData, sub: Pick<SubmissionRecord, 'blobPath' | 'filename'>): ErrorData {
  if (!sub.filename || !sub.blobPath) return e;
  const rename = (t: string) => t.split(sub.blobPath).join(sub.filename).split(basename(sub.blobPath)).join(sub.filename);
  const details = e.details && typeof e.details.file === 'string' ? { ...e.details, file: rename(e.details.file) } : e.details;
  return { ...e, message: rename(e.message), ...(details ? { details } : {}) };
}
