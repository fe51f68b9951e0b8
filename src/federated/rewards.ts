// A round's rewards: the pool split among the parties that delivered a valid partial with a
// consistent vote (pro rata stake, rows evaluated, or equally), exactly, as integers that add up
// to the pool (largest remainder, ties by party name: src/ranking/rewards); every flagged party
// loses the penalty. Amounts are integer strings in the smallest unit (penalties negative). Pure.
import { largestRemainder } from '../ranking/rewards/largest-remainder.ts';
import { ONE, rat, type Rational } from '../ranking/rewards/rational.ts';
import type { FederationSpecData } from './schema.ts';

export interface RewardInput {
  party: string;
  stake: Rational;
  rows: number;
  /** a valid partial with a consistent vote */
  eligible: boolean;
  flagged: boolean;
}

/** party -> amount (integer string; negative for a penalty; "0" for a party neither paid nor penalised). */
export function roundRewards(rewards: FederationSpecData['rewards'], parties: readonly RewardInput[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of parties) out[p.party] = '0';
  if (!rewards) return out;
  const paid = parties.filter((p) => p.eligible && !p.flagged);
  const pool = BigInt(rewards.pool);
  if (paid.length > 0 && pool > 0n) {
    const weights = paid.map((p) => (rewards.scheme === 'stake' ? p.stake : rewards.scheme === 'rows' ? rat(BigInt(p.rows)) : ONE));
    // ties of remainder go to the party whose name sorts first (code-unit order): no input order matters
    const byName = paid.map((_, i) => i).sort((a, b) => (paid[a]!.party < paid[b]!.party ? -1 : paid[a]!.party > paid[b]!.party ? 1 : 0));
    const amounts = largestRemainder(pool, weights, byName);
    paid.forEach((p, i) => { out[p.party] = amounts[i]!.toString(); });
  }
  const penalty = BigInt(rewards.penalty);
  for (const p of parties) if (p.flagged && penalty > 0n) out[p.party] = (-penalty).toString();
  return out;
}
