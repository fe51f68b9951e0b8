// What a re-score needs from a receipt besides the engine: the rewards to compare are
// re-allocated from the re-scored rows with the receipt's own rewards section, registration
// order and stakes, so `verify` checks that the same scores give the same payouts.
import { rewardRows } from '../ranking/rewards/rows.ts';
import type { Receipt } from './receipt.ts';
import type { ScoreResult, ScoreRow } from './score-result.ts';

/** The rescored result with `reward` on every row (unchanged rows if the receipt has no rewards section). */
export function withReceiptRewards(result: ScoreResult, receipt: Receipt): ScoreResult {
  const rewards = receipt.body.rewards;
  if (!rewards) return result;
  const inputs = new Map(receipt.body.inputs.submissions.map((s) => [`${s.submission}\u0000${s.participant}`, s]));
  const { rows } = rewardRows<ScoreRow>(result.rows, rewards, {
    primary: receipt.body.ranking.primary,
    higherIsBetter: receipt.body.ranking.higherIsBetter,
    // a row the receipt does not list sorts last; compareScores reports it as an extra row anyway
    submittedSeq: (row) => inputs.get(`${row.submission}\u0000${row.participant}`)?.submittedSeq ?? Number.MAX_SAFE_INTEGER,
    stake: (row) => inputs.get(`${row.submission}\u0000${row.participant}`)?.stake ?? undefined,
  });
  return { ...result, rows };
}
