// Re-runs the job a receipt describes, in a scratch store, from what the receipt carries: its
// canonical spec (not whatever benchmark.yaml says today), the dataset it commits to, and the
// submissions it lists, registered in the order it records (ranking ties and the earlier-submission
// margin depend on that order) under their recorded participants and original file names.
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArbiterError } from '../errors.ts';
import type { Receipt, ReceiptSubmission } from '../receipts/receipt.ts';
import type { RescoredJob } from '../receipts/compare.ts';
import { canonicalJson } from '../benchmark/canonical.ts';
import { parseBenchmark, resolveBenchmarkFile, type LoadedBenchmark } from '../benchmark/loader.ts';
import { Store } from '../store/store.ts';
import { liveIdOf } from './final-set.ts';
import type { SubmissionFile } from '../models/submission-file.ts';
import { taskKindOf } from '../tasks/index.ts';
import { scoreWithStore } from './index.ts';
import type { Isolation } from '../inference/executor.ts';

export interface RescoreOptions {
  workers?: number;
  /** where the receipt's relative paths are read from (default: the working directory) */
  cwd?: string;
  /** the dataset file, when it is not where the spec's folder or the receipt says */
  dataset?: string;
  /** key file of an encrypted dataset (default: ARBITER_DATASET_KEY) */
  datasetKeyFile?: string;
  /** submission files or folders, matched to the receipt by content hash (default: the paths the receipt records) */
  submissions?: string[];
  /** where inference runs (as `score --isolation`) */
  isolation?: Isolation;
}

const short = (sha: string) => sha.slice(0, 12);

/** The receipt's spec, loaded as `arbiter score` loads a spec file, anchored in `dir` for its relative paths. */
function receiptBenchmark(receipt: Receipt, dir: string): LoadedBenchmark {
  const spec = receipt.body.spec;
  if (!spec) {
    throw new ArbiterError('E_RECEIPT_INVALID', 'expected a receipt that carries its spec (format arbiter-receipt/2), found none: the job cannot be re-run from it');
  }
  // Canonical JSON is YAML; the loader's cross-field checks run on it as on a spec file.
  return parseBenchmark(canonicalJson(spec), path.join(dir, 'benchmark.yaml'));
}

/** The spec's original folder: the recorded spec path's folder, else the benchmark of that id here (./benchmarks or the bundled ones). */
function specFolder(receipt: Receipt, cwd: string): string | null {
  const recorded = receipt.body.inputs.spec.path;
  if (recorded) {
    const dir = path.dirname(path.resolve(cwd, recorded));
    if (existsSync(dir)) return dir;
  }
  const spec = receipt.body.spec as { id?: unknown } | null;
  if (spec && typeof spec.id === 'string') {
    try {
      return path.dirname(resolveBenchmarkFile(liveIdOf(spec.id), path.join(cwd, 'benchmarks')));
    } catch {
      return null;
    }
  }
  return null;
}

function datasetFile(b: LoadedBenchmark, receipt: Receipt, cwd: string, specDir: string | null, given?: string): string {
  if (given) {
    const file = path.resolve(cwd, given);
    if (!existsSync(file)) throw new ArbiterError('E_DATASET_INVALID', `--dataset: expected the dataset file, found nothing at ${given}`);
    return file;
  }
  const tried: string[] = [];
  const rel = b.spec.dataset.path;
  if (specDir) tried.push(path.resolve(specDir, rel));
  if (receipt.body.inputs.dataset.path) tried.push(path.resolve(cwd, receipt.body.inputs.dataset.path));
  for (const t of tried) if (existsSync(t)) return t;
  throw new ArbiterError(
    'E_DATASET_INVALID',
    `verify needs the dataset the receipt commits to (${rel}, sha256 ${short(receipt.body.dataset.sha256)}…): expected it ${tried.length > 0 ? `at ${tried.map((t) => path.relative(cwd, t) || '.').join(' or ')}` : 'beside the spec'}, found nothing; give it with --dataset <file>`,
    { dataset: rel, sha256: receipt.body.dataset.sha256 },
  );
}


/** Given files (or model folders, as the benchmark's task kind collects them), by content hash. */
function filesByHash(b: LoadedBenchmark, paths: string[], cwd: string): Map<string, string> {
  const out = new Map<string, string>();
  const kind = taskKindOf(b);
  for (const f of kind.collect(paths.map((p) => path.resolve(cwd, p)))) {
    const sha = kind.identify(f.path);
    if (sha && !out.has(sha)) out.set(sha, f.path);
  }
  return out;
}

function locate(s: ReceiptSubmission, cwd: string, given: Map<string, string> | null): string {
  if (given) {
    const found = given.get(s.submission);
    if (found) return found;
  }
  if (s.path) {
    const p = path.resolve(cwd, s.path);
    if (existsSync(p)) return p;
  }
  throw new ArbiterError(
    'E_SUBMISSION_NOT_FOUND',
    `verify needs submission ${short(s.submission)}… of ${s.participant}${s.file ? ` (${s.file})` : ''}: expected ${given ? 'one of the --submissions files to have that sha256' : s.path ? `it at ${s.path}` : 'its file'}, found none; give the submission files with --submissions`,
    { submission: s.submission, participant: s.participant },
  );
}

/**
 * Re-score a receipt's job. The submissions are registered in the receipt's recorded order
 * (submittedSeq). A file is registered through a link named as the participant's original file, so
 * messages that name the file read as they did for the validator.
 */
export async function rescoreReceipt(receipt: Receipt, opts: RescoreOptions = {}): Promise<RescoredJob> {
  const cwd = opts.cwd ?? process.cwd();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'arbiter-verify-'));
  try {
    const specDir = specFolder(receipt, cwd);
    const loaded = receiptBenchmark(receipt, specDir ?? scratch);
    const b: LoadedBenchmark = { ...loaded, datasetPath: datasetFile(loaded, receipt, cwd, specDir, opts.dataset) };
    const given = opts.submissions && opts.submissions.length > 0 ? filesByHash(loaded, opts.submissions, cwd) : null;
    const ordered = [...receipt.body.inputs.submissions].sort((x, y) => x.submittedSeq - y.submittedSeq);
    const files: SubmissionFile[] = ordered.map((s, i) => {
      const source = locate(s, cwd, given);
      if (!s.file || statSync(source).isDirectory()) return { path: source, participant: s.participant };
      const dir = path.join(scratch, 'files', String(i));
      mkdirSync(dir, { recursive: true });
      // A hard link (a copy across file systems): registration takes regular files only, never a symlink.
      const link = path.join(dir, path.basename(s.file));
      try { linkSync(source, link); } catch { copyFileSync(source, link); }
      return { path: link, participant: s.participant };
    });
    const store = Store.open(path.join(scratch, 'verify.db'));
    try {
      const result = await scoreWithStore(b, store, { benchmark: b.file, submissions: files, workers: opts.workers, datasetKeyFile: opts.datasetKeyFile, isolation: opts.isolation });
      if (!given) return result;
      // Files the verifier was given that the receipt does not list: the receipt left a submission out.
      const listed = new Set(receipt.body.inputs.submissions.map((s) => s.submission));
      const unlisted = [...given].filter(([sha]) => !listed.has(sha)).map(([sha, file]) => ({ submission: sha, file: path.basename(file) }));
      return unlisted.length > 0 ? { ...result, unlisted } : result;
    } finally {
      store.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
