// The result shapes the report layer reads. They mirror `arbiter score --json` as agreed in the
// common brief; when the ranking module exports its own ScoreResult, these become re-exports.
// Kept structural (interfaces only) so any object of the agreed shape is accepted.

export interface Fingerprint {
  engine: string;
  onnxruntime: string;
  node: string;
  platform: string;
  arch: string;
  cpu: string;
  specHash: string;
  datasetSha256: string;
  batchSize: number;
  graphOptimizationLevel: string;
}

export interface ScoreRow {
  /** null for failed / duplicate rows */
  rank: number | null;
  /** sha256 hex of the submission bytes */
  submission: string;
  participant: string;
  status: 'scored' | 'failed' | 'duplicate';
  /** metric key -> value on the split the spec ranks by */
  scores: Record<string, number>;
  /** split name ('public' | 'private') -> metric key -> value */
  splitScores: Record<string, Record<string, number>>;
  error: { code: string; message: string } | null;
}

export interface ScoreResult {
  benchmark: { id: string; version: number; specHash: string };
  run: { id: number; fingerprint: Fingerprint };
  /** rank order: ranked rows first, then failed and duplicate rows */
  rows: ScoreRow[];
}

/** A leaderboard row that may carry its reward: an integer or decimal string in pool units. */
export interface ReportRow extends ScoreRow {
  reward?: string;
}
