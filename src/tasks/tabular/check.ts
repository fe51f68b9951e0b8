// `arbiter check` for the tabular kind: the file rule (an ONNX model or a prediction file, read
// whole: a participant's own file) and the admission rule, with the calls the scoring job makes
// (the contract check and the sanity run on the public sample for a model; the prediction-file
// reader for a prediction file). The run layer (src/run/check.ts) then scores the public sample.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError, toErrorData } from '../../errors.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { requireModel } from '../../benchmark/schema.ts';
import { sha256Hex } from '../../benchmark/canonical.ts';
import { admissionRules } from '../../benchmark/admission-rules.ts';
import { openArrowStream } from '../../data/arrow-stream.ts';
import { admitOnnxBytes } from '../../models/onnx/contract.ts';
import { loadPredictions } from '../../models/predictions.ts';
import { metricsNeed } from '../../fold/fold.ts';
import { kindOf } from './submissions.ts';
import { sanityCheckModel, sanityProbe, sanityRows } from './sanity-run.ts';
import type { CheckSteps } from '../task-kind.ts';

export async function checkTabular(b: LoadedBenchmark, submissionPath: string): Promise<CheckSteps> {
  const spec = b.spec;
  // 1. The file.
  let bytes: Buffer;
  const kind = kindOf(submissionPath);
  try {
    const st = statSync(submissionPath);
    if (!st.isFile()) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `${submissionPath}: expected a file, found a ${st.isDirectory() ? 'folder' : 'special file'} (give the .onnx or prediction file itself)`);
    bytes = readFileSync(submissionPath);
  } catch (err) {
    const e = err instanceof ArbiterError ? err.toData()
      : { code: 'E_SUBMISSION_NOT_FOUND' as const, message: `${submissionPath}: expected a submission file, found nothing there (check the path)` };
    return { submission: null, file: { ok: false, error: e } };
  }
  const sha256 = sha256Hex(bytes);
  const submission = { path: path.resolve(submissionPath), kind, bytes: bytes.length, sha256 };
  const file = { ok: true as const, message: `${kind === 'onnx' ? 'ONNX model' : 'prediction file'}, ${bytes.length} bytes, sha256 ${sha256.slice(0, 12)}` };

  // 2. Admission: the same calls the scoring job makes.
  if (kind === 'onnx') {
    const model = requireModel(spec).model;
    const res = admitOnnxBytes(bytes, model, spec.batching.size, spec.batching.last === 'pad');
    if (!res.ok) return { submission, file, admission: { ok: false, error: res.error } };
    const io = (t: { name: string; dtype: string; shape: (number | string)[] }) => `${t.name} ${t.dtype} [${t.shape.join(', ')}]`;
    // The sanity run on the public sample, as `arbiter score` runs it (there on the same sample).
    let sanity = '';
    if (admissionRules(b).sanity.enabled && spec.dataset.publicSample !== undefined) {
      const probe = sanityProbe(b);
      try {
        const rows = await sanityRows(b, null, admissionRules(b).sanity.rows);
        const e = await sanityCheckModel(probe, b, path.resolve(submissionPath), rows, path.basename(submissionPath));
        if (e) return { submission, file, admission: { ok: false, error: e } };
        sanity = `; sanity run on ${Math.min(rows.rows, spec.batching.size)} public sample rows: contracted shape, finite${admissionRules(b).sanity.rejectConstant ? ', not constant' : ''}`;
      } catch (err) {
        return { submission, file, admission: { ok: false, error: toErrorData(err) } };
      } finally {
        await probe.close();
      }
    }
    return { submission, file, admission: { ok: true, message: `size ${bytes.length} ≤ ${model.maxBytes} bytes; parses as ONNX; inputs ${model.inputs.map(io).join(', ')}; output ${io(model.outputs[0]!)}${sanity}` } };
  }
  try {
    const table = await loadPredictions(submissionPath, b, metricsNeed(b, 'probabilities'));
    return { submission, file, admission: { ok: true, message: `${table.index.size} rows of ${table.kind}${table.kind === 'probabilities' ? ` (${table.width} per row)` : ''}, ids unique, values finite` } };
  } catch (err) {
    return { submission, file, admission: { ok: false, error: toErrorData(err, 'E_PREDICTIONS') } };
  }
}

/** Rows of an Arrow public sample. */
export async function arrowRows(file: string): Promise<number> {
  const { batches } = await openArrowStream(file, 'public sample');
  let n = 0;
  for await (const batch of batches) n += batch.numRows;
  return n;
}
