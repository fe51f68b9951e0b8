// The shape of `arbiter score --json` as receipts and consensus read it: the engine's own types.
export type { ScoreResult, ScoreRow, Fingerprint } from '../results.ts';
