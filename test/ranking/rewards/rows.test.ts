import { describe, expect, it } from 'vitest';
import { rewardRows } from '../../../src/ranking/rewards/rows.ts';
import { RewardsSpecSchema } from '../../../src/ranking/rewards/schema.ts';
import type { ScoreRow } from '../../../src/receipts/score-result.ts';

describe('rewardRows', () => {
  it('adds a decimal-string reward to every row from the primary score, seq and stake callbacks', () => {
    const rows: ScoreRow[] = [
      { rank: 1, submission: 'aa', participant: 'alice', status: 'scored', scores: { acc: 0.9 }, splitScores: {}, error: null },
      { rank: 2, submission: 'bb', participant: 'bob', status: 'scored', scores: { acc: 0.6 }, splitScores: {}, error: null },
      { rank: null, submission: 'cc', participant: 'carol', status: 'failed', scores: {}, splitScores: {}, error: { code: 'E_MODEL_FORMAT', message: 'x' } },
    ];
    const spec = RewardsSpecSchema.parse({ pool: '1500', scheme: 'proportional' });
    const seq: Record<string, number> = { aa: 0, bb: 1, cc: 2 };
    const { rows: out, allocation } = rewardRows(rows, spec, {
      primary: 'acc',
      higherIsBetter: true,
      submittedSeq: (r) => seq[r.submission],
    });
    expect(out.map((r) => r.reward)).toEqual(['900', '600', '0']);
    expect(out[2].error).toEqual({ code: 'E_MODEL_FORMAT', message: 'x' }); // other fields kept
    expect(allocation.unallocated).toBe('0');
    const staked = rewardRows(rows, RewardsSpecSchema.parse({ pool: '100', scheme: 'geometric', q: 1, stakeAlpha: 1 }), {
      primary: 'acc',
      higherIsBetter: true,
      submittedSeq: (r) => seq[r.submission],
      stake: (r) => ({ alice: '1', bob: '3', carol: '5' })[r.participant],
    });
    expect(staked.rows.map((r) => r.reward)).toEqual(['25', '75', '0']);
  });
});
