// The shape of `arbiter score --json` (agreed in the project's common brief), as receipts and
// consensus read it. Declared structurally so the engine's own ScoreResult type is assignable.

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
  rank: number | null; // null for failed / duplicate
  submission: string; // sha256 hex of the submission bytes
  participant: string;
  status: 'scored' | 'failed' | 'duplicate';
  scores: Record<string, number>; // metric key -> value on the split the spec ranks by
  splitScores: Record<string, Record<string, number>>; // split -> metric -> value
  error: { code: string; message: string } | null;
  /** decimal integer string, present once rewards are allocated */
  reward?: string;
}

export interface ScoreResult {
  benchmark: { id: string; version: number; specHash: string };
  run: { id: number; fingerprint: Fingerprint };
  rows: ScoreRow[];
}
