// The result shapes the report layer reads: those of `arbiter score --json`, plus the optional
// reward a row carries once rewards are allocated.
import type { ScoreRow } from '../results.ts';

export type { ScoreResult, ScoreRow } from '../results.ts';
export type { Fingerprint } from '../inference/fingerprint.ts';

/** A leaderboard row that may carry its reward: an integer or decimal string in pool units. */
export interface ReportRow extends ScoreRow {
  reward?: string;
}
