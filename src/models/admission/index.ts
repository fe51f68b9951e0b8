// Entry points of submission admission: a submission path (an .onnx file, or a tar / tar.gz holding
// one model and its external data) goes through the static checks; the sanity run goes through
// onnxruntime in a child process. Re-exports what the engine and the CLI need.
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { ArbiterError, toErrorData, type ErrorData } from '../../errors.ts';
import { extractSubmission, isGzip, isTar, readSubmissionArchive } from './archive.ts';
import { admitOnnx, type AdmissionResult } from './onnx.ts';
import { probeError, type OrtProbe, type ProbeFeeds } from './probe.ts';
import { checkSanity } from './sanity.ts';
import type { AdmissionRules, ModelContract } from './schema.ts';

export { admitOnnx, type AdmissionInfo, type AdmissionResult, type AdmitOptions } from './onnx.ts';
export { AdmissionRulesSchema, ModelContractSchema, type AdmissionRules, type AdmissionRulesInput, type ModelContract, type TensorContract } from './schema.ts';
export { OrtProbe, probeError, type ProbeFeeds, type ProbeResult, type ProbeTensor } from './probe.ts';
export { checkSanity, type SanityOutput } from './sanity.ts';
export {
  duplicateError, findCopies, findPredictionCopies, PredictionFingerprint, predictionAgreement,
  type DuplicateFlag, type DuplicateKind, type SubmissionRef,
} from './duplicates.ts';
export { readSubmissionArchive, extractSubmission } from './archive.ts';

function head(path: string, n: number): { bytes: Buffer; size: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const b = Buffer.alloc(Math.min(n, size));
    const got = readSync(fd, b, 0, b.length, 0);
    return { bytes: b.subarray(0, got), size };
  } finally { closeSync(fd); }
}

/**
 * Admit a submission file. Archives are unpacked (with limits) into a fresh folder under `workDir`;
 * the result then carries `modelPath`, the path the engine must load. Never throws for bad input.
 */
export async function admitSubmission(path: string, rules: AdmissionRules, contract: ModelContract, opts: { workDir: string; name?: string }): Promise<AdmissionResult & { modelPath?: string }> {
  const name = opts.name ?? path;
  try {
    let h: { bytes: Buffer; size: number };
    try { h = head(path, 512); } catch (e) {
      return { ok: false, error: { code: 'E_SUBMISSION_NOT_FOUND', message: `${name}: cannot open the submission (${(e as NodeJS.ErrnoException).code ?? 'error'})` } };
    }
    if (!isGzip(h.bytes) && !isTar(h.bytes)) {
      const r = await admitOnnx(path, rules, contract, { name });
      return r.ok ? { ...r, modelPath: path } : r;
    }
    const cap = rules.maxBytes + rules.maxExternalBytes;
    if (h.size > cap + 1024 * (rules.archive.maxEntries + 2) + 10240) {
      return { ok: false, error: { code: 'E_MODEL_TOO_LARGE', message: `${name} is ${h.size} bytes: the benchmark allows ${cap} bytes of model and external data` } };
    }
    const entries = readSubmissionArchive(readFileSync(path), rules);
    const dir = mkdtempSync(join(opts.workDir, 'submission-'));
    const modelPath = extractSubmission(entries, dir);
    const r = await admitOnnx(modelPath, rules, contract, { name, folder: dir });
    return r.ok ? { ...r, modelPath } : r;
  } catch (e) {
    return { ok: false, error: toErrorData(e) };
  }
}

/**
 * The sanity run: create a session in the probe's child process, run it on `feeds` (a few public
 * rows), and check the outputs. `bindings` fixes symbolic dims, e.g. `{ batch: rows }`.
 */
export async function runSanity(probe: OrtProbe, modelPath: string, feeds: ProbeFeeds, contract: ModelContract, rules: AdmissionRules, rows: number, bindings: Record<string, number> = {}, name = modelPath): Promise<ErrorData | null> {
  if (!rules.sanity.enabled) return null;
  const r = await probe.probe(modelPath, feeds);
  const err = probeError(r, name);
  if (err || r.status !== 'ok') return err ?? new ArbiterError('E_INTERNAL', 'probe returned no outputs').toData();
  return checkSanity(r.outputs ?? {}, contract, rows, rules.sanity, bindings, name);
}
