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
import { canonicalJson, sha256Hex } from '../benchmark/canonical.ts';
import { sha256File } from '../data/file-hash.ts';
import { isEncryptedFile } from '../data/encryption.ts';
import { Store } from '../store/store.ts';
import { participantOf } from '../models/submission-file.ts';
import { scoreWithStore } from './lifecycle.ts';
import { taskKindOf } from '../tasks/index.ts';
import type { CheckVerdict } from '../tasks/task-kind.ts';

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

  // 1. The file and 2. admission: the task kind's, with the calls its scoring job makes.
  const kind = taskKindOf(b);
  const steps = await kind.checkRules(b, submissionPath);
  report.submission = steps.submission;
  const verdict = (name: CheckRuleName, v: CheckVerdict): boolean => {
    rules.push(v.ok ? rule(name, 'pass', v.message) : rule(name, 'fail', v.error.message, v.error));
    if (!v.ok) skipRest(name);
    return v.ok;
  };
  if (!verdict('file', steps.file) || !steps.admission || !verdict('admission', steps.admission)) return finish();

  // 3. The scoring pass on the public sample, by the engine itself, in a throw-away store.
  await samplePass(b, submissionPath, steps.submission!.kind, opts, report, rules);
  return finish();
}

/** Rule 3: score the submission with the engine on the benchmark's public sample (never the hidden set). */
async function samplePass(b: LoadedBenchmark, submissionPath: string, kind: NonNullable<CheckReport['submission']>['kind'], opts: CheckOptions, report: CheckReport, rules: CheckRule[]): Promise<void> {
  const spec = b.spec;
  if (spec.dataset.publicSample === undefined) {
    rules.push(rule('sample-score', 'skip', 'the benchmark has no dataset.publicSample: ask the host for one to test-run submissions'));
    return;
  }
  const taskKind = taskKindOf(b);
  const samplePath = path.resolve(b.dir, spec.dataset.publicSample);
  let sampleSha: string;
  try {
    sampleSha = await sha256File(samplePath);
  } catch {
    const e = new ArbiterError('E_DATASET_INVALID', `public sample ${samplePath}: expected a readable ${taskKind.name === 'tabular' ? 'Arrow' : 'JSONL'} file (dataset.publicSample in ${path.basename(b.file)}), found nothing there`).toData();
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
    const rows = await taskKind.sampleRows(samplePath);
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
