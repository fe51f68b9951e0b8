// Compares what a receipt claims with a fresh re-score of the same job. Scores must be
// bit-identical (compared through their exact text: equal text <=> equal bits), and statuses,
// ranks, error codes and messages, rewards and the row order must match; so must every job-level
// field that follows from the spec the receipt carries (ranking, rewards section, spec and dataset
// hashes, batch size) and the shape of its submission set. Every difference is reported.
import { parseBenchmarkJson } from '../benchmark/loader.ts';
import { canonicalize, sha256Hex } from '../benchmark/canonical.ts';
import { decodeScore, type Receipt, type ReceiptNumber, type ReceiptRow, canonicalSubmissionOrder, scoreText } from './receipt.ts';
import { sanitizeMessage } from '../messages.ts';
import type { ScoreResult, ScoreRow } from './score-result.ts';

export interface Difference {
  /** submission sha256, or null for job-level fields (spec hash, dataset commitment) */
  submission: string | null;
  participant: string | null;
  /** metric key, or one of: specHash, datasetSha256, row, order, status, rank, error, message, reward, or a job-level field path (ranking.primary, rewards, fingerprint.batchSize, submissions, ...) */
  metric: string;
  /** split for splitScores differences, null for the ranking scores and non-score fields */
  split: string | null;
  expected: string;
  found: string;
}

/** A re-score as verify sees it; `unlisted` are files the verifier gave (--submissions) that the receipt does not list. */
export type RescoredJob = ScoreResult & { unlisted?: Array<{ submission: string; file: string }> };

/** Informational: fingerprint fields that differ (a different CPU or version is not itself a failure). */
export interface FingerprintNote {
  field: string;
  expected: string;
  found: string;
}

const ABSENT = '(absent)';

/** Codes whose messages quote a measurement of the run (elapsed ms, resident memory, a crash's stderr): the code is compared, not the text. */
export const MEASURED_ERROR_CODES: ReadonlySet<string> = new Set(['E_TIMEOUT', 'E_MEMORY_LIMIT', 'E_WORKER_CRASH']);
const MEASURED = MEASURED_ERROR_CODES;

/** Row key -> row, numbering repeated (submission, participant) pairs in order (duplicate submissions share a hash). */
export function keyedRows<T extends { submission: string; participant: string }>(rows: readonly T[]): Map<string, T> {
  const seen = new Map<string, number>();
  const out = new Map<string, T>();
  for (const r of rows) {
    const base = `${r.submission}\u0000${r.participant}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.set(`${base}\u0000${n}`, r);
  }
  return out;
}

function compareScoreMaps(
  expected: Record<string, ReceiptNumber>,
  found: Record<string, number>,
  at: { submission: string; participant: string; split: string | null },
  out: Difference[],
): void {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])].sort();
  for (const k of keys) {
    const e = Object.hasOwn(expected, k) ? scoreText(decodeScore(expected[k])) : ABSENT;
    const f = Object.hasOwn(found, k) ? scoreText(found[k]) : ABSENT;
    if (e !== f) out.push({ ...at, metric: k, expected: e, found: f });
  }
}

function compareRow(e: ReceiptRow, f: ScoreRow, out: Difference[]): void {
  const at = { submission: e.submission, participant: e.participant };
  if (e.status !== f.status) out.push({ ...at, split: null, metric: 'status', expected: e.status, found: f.status });
  if (e.rank !== f.rank) out.push({ ...at, split: null, metric: 'rank', expected: String(e.rank), found: String(f.rank) });
  const ec = e.error?.code ?? 'null';
  const fc = f.error?.code ?? 'null';
  if (ec !== fc) out.push({ ...at, split: null, metric: 'error', expected: ec, found: fc });
  else if (e.error && f.error && !MEASURED.has(e.error.code) && e.error.message !== sanitizeMessage(f.error.message)) {
    out.push({ ...at, split: null, metric: 'message', expected: JSON.stringify(e.error.message), found: JSON.stringify(sanitizeMessage(f.error.message)) });
  }
  const ed = e.duplicateOf ? `${e.duplicateOf.participant} ${e.duplicateOf.submission}` : 'null';
  const fd = f.duplicateOf ? `${f.duplicateOf.participant} ${f.duplicateOf.submission}` : 'null';
  if (ed !== fd) out.push({ ...at, split: null, metric: 'duplicateOf', expected: ed, found: fd });
  compareScoreMaps(e.scores, f.scores, { ...at, split: null }, out);
  const splits = [...new Set([...Object.keys(e.splitScores), ...Object.keys(f.splitScores)])].sort();
  for (const s of splits) compareScoreMaps(e.splitScores[s] ?? {}, f.splitScores[s] ?? {}, { ...at, split: s }, out);
  // The re-score allocates the spec's pool itself; a spec without a pool gives no reward (null).
  if (String(e.reward) !== String(f.reward ?? null)) {
    out.push({ ...at, split: null, metric: 'reward', expected: String(e.reward), found: String(f.reward ?? null) });
  }
}

/** Every difference between the receipt's claims and `rescored`, in receipt row order; [] means identical. */
export function compareScores(receipt: Receipt, rescored: ScoreResult): Difference[] {
  const out: Difference[] = [];
  const body = receipt.body;
  if (body.benchmark.specHash !== rescored.benchmark.specHash) {
    out.push({ submission: null, participant: null, split: null, metric: 'specHash', expected: body.benchmark.specHash, found: rescored.benchmark.specHash });
  }
  if (body.dataset.sha256 !== rescored.run.fingerprint.datasetSha256) {
    out.push({
      submission: null,
      participant: null,
      split: null,
      metric: 'datasetSha256',
      expected: body.dataset.sha256,
      found: rescored.run.fingerprint.datasetSha256,
    });
  }
  const expected = keyedRows(body.rows);
  const found = keyedRows(rescored.rows);
  for (const [key, e] of expected) {
    const f = found.get(key);
    if (!f) {
      out.push({ submission: e.submission, participant: e.participant, split: null, metric: 'row', expected: 'present', found: ABSENT });
      continue;
    }
    compareRow(e, f, out);
  }
  for (const [key, f] of found) {
    if (!expected.has(key)) {
      out.push({ submission: f.submission, participant: f.participant, split: null, metric: 'row', expected: ABSENT, found: 'present' });
    }
  }
  // The row order is the leaderboard order (unranked rows in registration order): a claim too.
  const order = (rows: ReadonlyArray<{ submission: string; participant: string }>) => rows.map((r) => `${r.submission.slice(0, 12)} ${r.participant}`).join(', ');
  if (out.every((d) => d.metric !== 'row') && order(body.rows) !== order(rescored.rows)) {
    out.push({ submission: null, participant: null, split: null, metric: 'order', expected: order(body.rows), found: order(rescored.rows) });
  }
  return out;
}

// As in compareScores: `expected` is what the receipt says, `found` what re-deriving gives.
const job = (metric: string, derived: string, claimed: string): Difference => ({ submission: null, participant: null, split: null, metric, expected: claimed, found: derived });

/** Fingerprint fields that follow from the spec, the dataset and the engine's fixed settings: a difference fails verify. */
export const DERIVED_FINGERPRINT_FIELDS = ['specHash', 'datasetSha256', 'batchSize', 'graphOptimizationLevel'] as const;

/**
 * Every job-level claim that can be re-derived from the receipt's own spec and the re-score:
 * spec hash, benchmark id and version, ranking metric and direction, the rewards section (the
 * spec's own), the derived fingerprint fields, and the submission set (canonical order, one entry
 * per row, registration order 0..n-1, no stake: `arbiter score` takes none).
 */
export function compareJobFields(receipt: Receipt, rescored: RescoredJob): Difference[] {
  const out: Difference[] = [];
  const body = receipt.body;
  const spec = body.spec;
  if (!spec) return [job('spec', 'the spec the run was scored under', ABSENT)];
  let specHash: string;
  try {
    specHash = sha256Hex(canonicalize(spec));
  } catch {
    specHash = '(spec cannot be canonicalised)';
  }
  if (specHash !== body.benchmark.specHash) out.push(job('spec', `a spec hashing to ${body.benchmark.specHash}`, `one hashing to ${specHash}`));
  if (body.inputs.spec.sha256 !== rescored.benchmark.specHash) out.push(job('inputs.spec.sha256', rescored.benchmark.specHash, body.inputs.spec.sha256));
  if (body.inputs.dataset.sha256 !== rescored.run.fingerprint.datasetSha256) {
    out.push(job('inputs.dataset.sha256', rescored.run.fingerprint.datasetSha256, body.inputs.dataset.sha256));
  }
  if (body.benchmark.id !== rescored.benchmark.id) out.push(job('benchmark.id', rescored.benchmark.id, body.benchmark.id));
  if (body.benchmark.version !== rescored.benchmark.version) out.push(job('benchmark.version', String(rescored.benchmark.version), String(body.benchmark.version)));
  try {
    const derived = parseBenchmarkJson(canonicalize(spec));
    if (body.ranking.primary !== derived.primary) out.push(job('ranking.primary', derived.primary, body.ranking.primary));
    const hib = derived.higherIsBetter[derived.primary];
    if (body.ranking.higherIsBetter !== hib) out.push(job('ranking.higherIsBetter', String(hib), String(body.ranking.higherIsBetter)));
    const rewards = canonicalize(derived.spec.rewards ?? null);
    const claimed = canonicalize(body.rewards);
    if (rewards !== claimed) out.push(job('rewards', rewards, claimed));
  } catch (err) {
    out.push(job('spec', 'a valid benchmark spec', (err as Error).message.split('\n')[0]!));
  }
  const fp = body.fingerprint as unknown as Record<string, unknown>;
  const rfp = rescored.run.fingerprint as unknown as Record<string, unknown>;
  for (const k of DERIVED_FINGERPRINT_FIELDS) if (String(fp[k]) !== String(rfp[k])) out.push(job(`fingerprint.${k}`, String(rfp[k]), String(fp[k])));

  const subs = body.inputs.submissions;
  const text = (xs: typeof subs) => xs.map((s) => `${s.submission.slice(0, 12)} ${s.participant} #${s.submittedSeq}`).join(', ');
  if (text(canonicalSubmissionOrder(subs)) !== text(subs)) out.push(job('submissions', 'sorted by submission hash, then participant', text(subs)));
  const seqs = subs.map((s) => s.submittedSeq).sort((a, b) => a - b);
  if (seqs.some((q, i) => q !== i)) out.push(job('submissions.submittedSeq', `0..${subs.length - 1}, each once`, seqs.join(', ')));
  for (const s of subs) {
    if (s.stake !== null) out.push({ submission: s.submission, participant: s.participant, split: null, metric: 'submissions.stake', expected: s.stake, found: 'null (arbiter score takes no stake)' });
  }
  const pairs = (xs: ReadonlyArray<{ submission: string; participant: string }>) => xs.map((x) => `${x.submission}\u0000${x.participant}`).sort().join('\n');
  if (pairs(subs) !== pairs(body.rows)) out.push(job('submissions', 'one entry per row of the receipt', `${subs.length} entries for ${body.rows.length} rows, or other pairs`));
  for (const u of rescored.unlisted ?? []) {
    out.push({ submission: u.submission, participant: null, split: null, metric: 'submissions', expected: ABSENT, found: `given file ${u.file}, which the receipt does not list` });
  }
  return out;
}

/** Everything `verify` checks against a re-score: the rows (compareScores) and the job-level fields (compareJobFields). */
export function compareReceipt(receipt: Receipt, rescored: RescoredJob): Difference[] {
  return [...compareJobFields(receipt, rescored), ...compareScores(receipt, rescored)];
}

/** Machine fields of the fingerprint that differ (CPU, versions): informational, a receipt's claim about its validator's machine. */
export function fingerprintNotes(receipt: Receipt, rescored: ScoreResult): FingerprintNote[] {
  const a = receipt.body.fingerprint as unknown as Record<string, unknown>;
  const b = rescored.run.fingerprint as unknown as Record<string, unknown>;
  const derived = new Set<string>(DERIVED_FINGERPRINT_FIELDS);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((k) => !derived.has(k))
    .filter((k) => String(a[k]) !== String(b[k]))
    .map((k) => ({ field: k, expected: String(a[k] ?? ABSENT), found: String(b[k] ?? ABSENT) }));
}

/** One line per difference, for the CLI: `submission participant metric[split]: expected X, found Y`. */
export function formatDifference(d: Difference): string {
  const where = d.submission === null ? 'job' : `${d.submission.slice(0, 12)} ${d.participant ?? ''}`.trim();
  const metric = d.split ? `${d.metric} [${d.split}]` : d.metric;
  return `${where} ${metric}: expected ${d.expected}, found ${d.found}`;
}
