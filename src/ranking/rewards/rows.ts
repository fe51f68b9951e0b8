// Glue between leaderboard rows (ScoreResult.rows) and the allocator: builds RewardEntry values
// from rows and returns the rows with a `reward` field, which is what `score --json` prints.
import { type AllocationContext, type RewardAllocation, type RewardEntry, allocateRewards } from './allocate.ts';
import type { RewardsSpec } from './schema.ts';

/** The part of a ScoreRow the allocator reads. */
export interface RankedRow {
  rank: number | null;
  submission: string;
  participant: string;
  status: 'scored' | 'failed' | 'duplicate';
  scores: Record<string, number>;
}

export interface RowRewardOptions<R> extends AllocationContext {
  /** metric key of the primary (ranking) score in row.scores */
  primary: string;
  /** registration order of a row's submission (earlier = smaller) */
  submittedSeq: (row: R, index: number) => number;
  /** stake of a row's participant (decimal integer string), when the scheme needs one */
  stake?: (row: R, index: number) => string | undefined;
}

export function entriesFromRows<R extends RankedRow>(rows: readonly R[], opts: RowRewardOptions<R>): RewardEntry[] {
  return rows.map((row, i) => {
    const score = row.scores[opts.primary];
    const entry: RewardEntry = {
      submission: row.submission,
      participant: row.participant,
      status: row.status,
      rank: row.rank,
      score: typeof score === 'number' ? score : null,
      submittedSeq: opts.submittedSeq(row, i),
    };
    const stake = opts.stake?.(row, i);
    if (stake !== undefined) entry.stake = stake;
    return entry;
  });
}

/** Rows (same order) with `reward` added: a decimal integer string; "0" for failed and duplicate rows. */
export function rewardRows<R extends RankedRow>(
  rows: readonly R[],
  spec: RewardsSpec,
  opts: RowRewardOptions<R>,
): { rows: Array<R & { reward: string }>; allocation: RewardAllocation } {
  const allocation = allocateRewards(entriesFromRows(rows, opts), spec, { higherIsBetter: opts.higherIsBetter });
  return { rows: rows.map((row, i) => ({ ...row, reward: allocation.rewards[i] })), allocation };
}
