// `arbiter check` as a function: what a participant runs before submitting. It applies the very
// admission functions the scoring job applies (admitOnnxBytes for ONNX, loadPredictions for
// prediction files), then scores the submission with the real engine (scoreWithStore, in a
// throw-away store) on the benchmark's PUBLIC sample, never the hidden set. So a submission that
// passes here is admitted and scores under `arbiter score`, up to rules that need the hidden rows.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArbiterError, toErrorData, type ErrorData } from '../errors.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { isLmTaskType, requireModel } from '../benchmark/schema.ts';
import { canonicalJson, sha256Hex } from '../benchmark/canonical.ts';
import { sha256File } from '../data/file-hash.ts';
import { isEncryptedFile } from '../data/encryption.ts';
import { openArrowStream } from '../data/arrow-stream.ts';
import { admitOnnxBytes } from '../models/onnx/contract.ts';
import { loadPredictions } from '../models/predictions.ts';
import { Store } from '../store/store.ts';
import { metricsNeed } from '../fold/fold.ts';
import { kindOf, participantOf } from '../tasks/tabular/submissions.ts';
import { scoreWithStore } from './index.ts';
import { admissionRules } from '../benchmark/admission-rules.ts';
import { sanityCheckModel, sanityProbe, sanityRows } from '../tasks/tabular/sanity-run.ts';

export type CheckRuleName = 'file' | 'admission' | 'sample-score';

export interface CheckRule {
  rule: CheckRuleName;
  /** what the rule checks, one line */
  title: string;
  status: 'pass' | 'fail' | 'skip';
  /** why it passed (what was found), failed (code + message) or was skipped */
  message: string;
  error: { code: string; message: string } | null;
}

export interface CheckReport {
  benchmark: { id: string; version: number; specHash: string };
  submission: { path: string; kind: 'onnx' | 'predictions' | 'model-folder'; bytes: number; sha256: string } | null;
  sample: { path: string; sha256: string; rows: number } | null;
  rules: CheckRule[];
  /** metric key -> value per split of the sample, when the scoring pass ran and passed */
  sampleScores: Record<string, Record<string, number>> | null;
  /** the split the benchmark ranks by (its scores are the ones that would rank) */
  rankSplit: string;
  /** true when every rule passed (or was skipped): the submission would be admitted and scored */
  ok: boolean;
}

export interface CheckOptions {
  workers?: number;
}

const TITLES: Record<CheckRuleName, string> = {
  file: 'the submission exists and has a known kind',
  admission: 'admission rules of `arbiter score`',
  'sample-score': 'a scoring pass on the public sample',
};

function rule(name: CheckRuleName, status: CheckRule['status'], message: string, error: ErrorData | null = null): CheckRule {
  return { rule: name, title: TITLES[name], status, message, error: error ? { code: error.code, message: error.message } : null };
}

/**
 * The benchmark as the engine would load it, but with the public sample as its dataset. The sample
 * is plain: `dataset.encrypted` describes the hidden set, whose key participants never hold. A
 * sample that is itself an arbiter encrypted file says so by its magic bytes, and only then is it
 * treated as encrypted.
 */
export function sampleBenchmark(b: LoadedBenchmark, samplePath: string, sampleSha256: string): LoadedBenchmark {
  // The sample is a plain file of its own: the hidden set's Merkle root and encryption do not apply
  // to it (participants never hold the key); it is encrypted only when its own bytes say so.
  const { commitment: _c, encrypted: _e, ...dataset } = b.spec.dataset;
  const spec = { ...b.spec, dataset: { ...dataset, path: samplePath, sha256: sampleSha256, ...(isEncryptedFile(samplePath) ? { encrypted: true } : {}) } };
  return { ...b, spec, specHash: sha256Hex(canonicalJson(spec)), datasetPath: samplePath };
}

export async function checkSubmission(b: LoadedBenchmark, submissionPath: string, opts: CheckOptions = {}): Promise<CheckReport> {
  const spec = b.spec;
  const rules: CheckRule[] = [];
  const report: CheckReport = {
    benchmark: { id: spec.id, version: spec.version, specHash: b.specHash },
    submission: null, sample: null, rules, sampleScores: null, rankSplit: spec.ranking.split, ok: false,
  };
  const finish = (): CheckReport => { report.ok = rules.every((r) => r.status !== 'fail'); return report; };
  const skipRest = (after: CheckRuleName) => {
    const names: CheckRuleName[] = ['file', 'admission', 'sample-score'];
    for (const n of names.slice(names.indexOf(after) + 1)) rules.push(rule(n, 'skip', `not run: rule "${after}" failed`));
  };

  if (isLmTaskType(spec.task.type)) return checkLmSubmission(b, submissionPath, opts, report, rules, finish, skipRest);

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
    rules.push(rule('file', 'fail', e.message, e));
    skipRest('file');
    return finish();
  }
  const sha256 = sha256Hex(bytes);
  report.submission = { path: path.resolve(submissionPath), kind, bytes: bytes.length, sha256 };
  rules.push(rule('file', 'pass', `${kind === 'onnx' ? 'ONNX model' : 'prediction file'}, ${bytes.length} bytes, sha256 ${sha256.slice(0, 12)}`));

  // 2. Admission: the same calls the scoring job makes (src/run/index.ts).
  if (kind === 'onnx') {
    const model = requireModel(spec).model;
    const res = admitOnnxBytes(bytes, model, spec.batching.size, spec.batching.last === 'pad');
    if (!res.ok) { rules.push(rule('admission', 'fail', res.error.message, res.error)); skipRest('admission'); return finish(); }
    const io = (t: { name: string; dtype: string; shape: (number | string)[] }) => `${t.name} ${t.dtype} [${t.shape.join(', ')}]`;
    // The sanity run on the public sample, as `arbiter score` runs it (there on the same sample).
    let sanity = '';
    if (admissionRules(b).sanity.enabled && spec.dataset.publicSample !== undefined) {
      const probe = sanityProbe(b);
      try {
        const rows = await sanityRows(b, null, admissionRules(b).sanity.rows);
        const e = await sanityCheckModel(probe, b, path.resolve(submissionPath), rows, path.basename(submissionPath));
        if (e) { rules.push(rule('admission', 'fail', e.message, e)); skipRest('admission'); return finish(); }
        sanity = `; sanity run on ${Math.min(rows.rows, spec.batching.size)} public sample rows: contracted shape, finite${admissionRules(b).sanity.rejectConstant ? ', not constant' : ''}`;
      } catch (err) {
        const e = toErrorData(err);
        rules.push(rule('admission', 'fail', e.message, e)); skipRest('admission'); return finish();
      } finally {
        await probe.close();
      }
    }
    rules.push(rule('admission', 'pass', `size ${bytes.length} ≤ ${model.maxBytes} bytes; parses as ONNX; inputs ${model.inputs.map(io).join(', ')}; output ${io(model.outputs[0]!)}${sanity}`));
  } else {
    try {
      const table = await loadPredictions(submissionPath, b, metricsNeed(b, 'probabilities'));
      rules.push(rule('admission', 'pass', `${table.index.size} rows of ${table.kind}${table.kind === 'probabilities' ? ` (${table.width} per row)` : ''}, ids unique, values finite`));
    } catch (err) {
      const e = toErrorData(err, 'E_PREDICTIONS');
      rules.push(rule('admission', 'fail', e.message, e));
      skipRest('admission');
      return finish();
    }
  }

  // 3. The scoring pass on the public sample, by the engine itself, in a throw-away store.
  await samplePass(b, submissionPath, kind, opts, report, rules);
  return finish();
}

/** Rule 3: score the submission with the engine on the benchmark's public sample (never the hidden set). */
async function samplePass(b: LoadedBenchmark, submissionPath: string, kind: NonNullable<CheckReport['submission']>['kind'], opts: CheckOptions, report: CheckReport, rules: CheckRule[]): Promise<void> {
  const spec = b.spec;
  if (spec.dataset.publicSample === undefined) {
    rules.push(rule('sample-score', 'skip', 'the benchmark has no dataset.publicSample: ask the host for one to test-run submissions'));
    return;
  }
  const lm = isLmTaskType(spec.task.type);
  const samplePath = path.resolve(b.dir, spec.dataset.publicSample);
  let sampleSha: string;
  try {
    sampleSha = await sha256File(samplePath);
  } catch {
    const e = new ArbiterError('E_DATASET_INVALID', `public sample ${samplePath}: expected a readable ${lm ? 'JSONL' : 'Arrow'} file (dataset.publicSample in ${path.basename(b.file)}), found nothing there`).toData();
    rules.push(rule('sample-score', 'fail', e.message, e));
    return;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-check-'));
  const store = Store.open(path.join(tmp, 'check.db'));
  try {
    const result = await scoreWithStore(sampleBenchmark(b, samplePath, sampleSha), store, {
      benchmark: b.file,
      submissions: [{ path: path.resolve(submissionPath), participant: participantOf(submissionPath) }], workers: opts.workers ?? 1,
    });
    const row = result.rows[0]!;
    const rows = lm ? countJsonlRows(samplePath) : await countRows(samplePath);
    report.sample = { path: samplePath, sha256: sampleSha, rows };
    if (row.status === 'scored') {
      report.sampleScores = row.splitScores;
      rules.push(rule('sample-score', 'pass', `scored ${rows} sample rows`));
    } else {
      const e = row.error ?? { code: 'E_INTERNAL', message: `status ${row.status}` };
      // A prediction file names row ids: the one `check` scores must cover the sample's ids.
      const hint = kind === 'predictions' && e.code === 'E_PREDICTIONS'
        ? ` (to check a prediction file, give one row per id of the public sample ${path.basename(samplePath)}; the file you submit covers the hidden set's ids instead)` : '';
      rules.push(rule('sample-score', 'fail', e.message + hint, { code: e.code, message: e.message + hint } as ErrorData));
    }
  } catch (err) {
    // A broken sample is the host's problem, but it still means this check could not pass.
    const e = toErrorData(err);
    report.sample = { path: samplePath, sha256: sampleSha, rows: 0 };
    rules.push(rule('sample-score', 'fail', e.message, e));
  } finally {
    store.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * `check` for language-model benchmarks: the submission is a transformers.js model folder or a
 * .tar of one; admission is the scoring job's (admitLmFolder with the spec's rules, after the
 * same safe unpacking); the sample pass is the LM job on the public sample.
 */
async function checkLmSubmission(
  b: LoadedBenchmark, submissionPath: string, opts: CheckOptions, report: CheckReport, rules: CheckRule[],
  finish: () => CheckReport, skipRest: (after: CheckRuleName) => void,
): Promise<CheckReport> {
  // 1. The folder or archive.
  let isDir: boolean;
  try {
    const st = statSync(submissionPath);
    isDir = st.isDirectory();
    if (!isDir && !st.isFile()) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `${submissionPath}: expected a model folder or a .tar of one, found a special file`);
  } catch (err) {
    const e = err instanceof ArbiterError ? err.toData()
      : { code: 'E_SUBMISSION_NOT_FOUND' as const, message: `${submissionPath}: expected a model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx) or a .tar of one, found nothing there (check the path)` };
    rules.push(rule('file', 'fail', e.message, e));
    skipRest('file');
    return finish();
  }
  const { folderManifest } = await import('../tasks/lm/submissions.ts');
  const manifest = isDir ? folderManifest(submissionPath) : null;
  const bytes = manifest ? manifest.size : statSync(submissionPath).size;
  const sha256 = manifest ? sha256Hex(manifest.text) : await sha256File(submissionPath);
  report.submission = { path: path.resolve(submissionPath), kind: 'model-folder', bytes, sha256 };
  rules.push(rule('file', 'pass', `${isDir ? 'model folder' : 'archive of a model folder'}, ${bytes} bytes, sha256 ${sha256.slice(0, 12)}`));

  // 2. Admission: the LM job's own calls (unpack, then admitLmFolder with the spec's rules).
  const { admitLmFolder } = await import('../models/hf/admission.ts');
  const { admissionRulesOf } = await import('../benchmark/lm-task.ts');
  const { lmFolderFor } = await import('../tasks/lm/kind.ts');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-check-lm-'));
  try {
    const task = b.spec.task as Parameters<typeof admissionRulesOf>[0];
    const folder = lmFolderFor(path.resolve(submissionPath), task, path.join(tmp, 'unpacked'));
    const r = admitLmFolder(folder, admissionRulesOf(task));
    rules.push(rule('admission', 'pass', `model_type ${r.modelType}; ${r.params} parameters; ${r.modelBytes} model bytes${r.opset !== null ? `; opset ${r.opset}` : ''}${r.maxContext !== null ? `; context ${r.maxContext}` : ''}; tokenizer ${r.tokenizerSha256.slice(0, 12)}`));
  } catch (err) {
    const e = toErrorData(err, 'E_MODEL_FORMAT');
    rules.push(rule('admission', 'fail', e.message, e));
    skipRest('admission');
    return finish();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  // 3. The LM job on the public sample.
  await samplePass(b, submissionPath, 'model-folder', opts, report, rules);
  return finish();
}

/** Rows of a JSONL file: its non-blank lines. */
function countJsonlRows(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
}

async function countRows(file: string): Promise<number> {
  const { batches } = await openArrowStream(file, 'public sample');
  let n = 0;
  for await (const batch of batches) n += batch.numRows;
  return n;
}
