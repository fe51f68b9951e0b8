// Compares what a receipt claims with a fresh re-score of the same job. Scores must be
// bit-identical (compared through their exact text: equal text <=> equal bits), and statuses,
// ranks, error codes and rewards must match. Every difference is reported, not just the first.
import { decodeScore, type Receipt, type ReceiptNumber, type ReceiptRow, scoreText } from './receipt.ts';
import type { ScoreResult, ScoreRow } from './score-result.ts';

export interface Difference {
  /** submission sha256, or null for job-level fields (spec hash, dataset commitment) */
  submission: string | null;
  participant: string | null;
  /** metric key, or one of: specHash, datasetSha256, row, status, rank, error, reward */
  metric: string;
  /** split for splitScores differences, null for the ranking scores and non-score fields */
  split: string | null;
  expected: string;
  found: string;
}

/** Informational: fingerprint fields that differ (a different CPU or version is not itself a failure). */
export interface FingerprintNote {
  field: string;
  expected: string;
  found: string;
}

const ABSENT = '(absent)';

function rowKeys<T extends { submission: string; participant: string }>(rows: readonly T[]): Map<string, T> {
  // Duplicate submissions share a hash; number repeated (submission, participant) pairs in order.
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
  compareScoreMaps(e.scores, f.scores, { ...at, split: null }, out);
  const splits = [...new Set([...Object.keys(e.splitScores), ...Object.keys(f.splitScores)])].sort();
  for (const s of splits) compareScoreMaps(e.splitScores[s] ?? {}, f.splitScores[s] ?? {}, { ...at, split: s }, out);
  // Rewards are compared when the re-score computed them (a rescore without rewards cannot disagree).
  if (f.reward !== undefined && String(e.reward) !== String(f.reward)) {
    out.push({ ...at, split: null, metric: 'reward', expected: String(e.reward), found: String(f.reward) });
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
  const expected = rowKeys(body.rows);
  const found = rowKeys(rescored.rows);
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
  return out;
}

export function fingerprintNotes(receipt: Receipt, rescored: ScoreResult): FingerprintNote[] {
  const a = receipt.body.fingerprint as unknown as Record<string, unknown>;
  const b = rescored.run.fingerprint as unknown as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((k) => String(a[k]) !== String(b[k]))
    .map((k) => ({ field: k, expected: String(a[k] ?? ABSENT), found: String(b[k] ?? ABSENT) }));
}

/** One line per difference, for the CLI: `submission participant metric[split]: expected X, found Y`. */
export function formatDifference(d: Difference): string {
  const where = d.submission === null ? 'job' : `${d.submission.slice(0, 12)} ${d.participant ?? ''}`.trim();
  const metric = d.split ? `${d.metric} [${d.split}]` : d.metric;
  return `${where} ${metric}: expected ${d.expected}, found ${d.found}`;
}
