// What a scoring run produces, as plain data: a submission's outcome, the ranked rows, the
// result and the fingerprint it was made under. A leaf module (types only): receipts, reports,
// ranking, the store and the CLI read runs through these types without importing the run layer.
import type { ErrorData } from './errors.ts';

export interface Fingerprint {
  engine: string;
  onnxruntime: string;
  node: string;
  platform: string;
  arch: string;
  cpu: string;
  cpuFlags: string;
  specHash: string;
  datasetSha256: string;
  batchSize: number;
  graphOptimizationLevel: string;
  /** language-model runs only: the @huggingface/transformers version that tokenized and ran the models */
  transformers?: string;
}

export interface ScoreRow {
  rank: number | null;
  submission: string;
  participant: string;
  status: 'scored' | 'failed' | 'duplicate';
  scores: Record<string, number>;
  splitScores: Record<string, Record<string, number>>;
  error: { code: string; message: string } | null;
  /** set when the predictions agree with an earlier submission's on more than admission.duplicates.predictionAgreement of the rows */
  duplicateOf?: { submission: string; participant: string; agreement: number };
  /** the row's share of the spec's reward pool (integer, smallest unit, decimal string) */
  reward?: string;
}

export interface ScoreResult {
  benchmark: { id: string; version: number; specHash: string };
  run: { id: number; fingerprint: Fingerprint };
  rows: ScoreRow[];
}

/** A submission's result in a run: its per-split scores, or why it has none. */
export interface Outcome { splitScores: Record<string, Record<string, number>> | null; error: ErrorData | { code: string; message: string } | null }

