// Ranking with the two rules that favour the earlier submission (admission.earlierAdvantage and
// duplicates.policy 'rank-after'), on top of the plain ranking of ./leaderboard.ts. Pure.
//
// Earlier-submission advantage ε: a later submission ranks above an earlier one only if it beats
// it under the ranking rule AND, when ε > 0, by more than ε on the primary metric. Submissions are
// placed in registration order, each directly below the lowest-placed earlier submission it does
// not beat; so no submission ever sits above an earlier one it did not beat by the margin. With
// ε = 0 this is exactly rankEntries (insertion in registration order of a stable sort).
// Rank-after: a submission flagged as a copy of an earlier one (prediction agreement) that would
// rank above its original is moved to directly below it, and never shares its rank.
// Ranks: 1, 2, 3 by position; a row fully tied with the row above it (compareEntries = 0, so no
// 'earliest' in the tie-break) shares that row's rank, as in rankEntries.
import { compareEntries, rankEntries, type RankInput, type RankRule } from './leaderboard.ts';

export interface AdvantageOptions {
  /** margin on the primary metric a later submission must beat an earlier one by (>= 0; default 0) */
  epsilon?: number;
  /** flagged entry index -> the index of the earlier entry it must rank after */
  rankAfter?: ReadonlyMap<number, number>;
}

/** Order entries and assign ranks (same shape as rankEntries); failed and duplicate rows follow, unranked, in registration order. */
export function rankWithAdvantage(entries: readonly RankInput[], rule: RankRule, opts: AdvantageOptions = {}): Array<{ index: number; rank: number | null }> {
  const epsilon = opts.epsilon ?? 0;
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`earlierAdvantage must be a finite number >= 0, found ${epsilon}`);
  const rankAfter = opts.rankAfter ?? new Map<number, number>();
  if (epsilon === 0 && rankAfter.size === 0) return rankEntries([...entries], rule);

  const bySeq = (p: number, q: number) => entries[p]!.seq - entries[q]!.seq || p - q;
  const scored = entries.map((_, i) => i).filter((i) => entries[i]!.status === 'scored').sort(bySeq);
  const higher = rule.higherIsBetter[rule.primary] === true;
  const gain = (later: RankInput, earlier: RankInput): number => {
    const x = later.scores[rule.primary]!;
    const y = earlier.scores[rule.primary]!;
    return higher ? x - y : y - x;
  };
  const beats = (later: number, earlier: number): boolean =>
    compareEntries(entries[later]!, entries[earlier]!, rule) < 0 && (epsilon === 0 || gain(entries[later]!, entries[earlier]!) > epsilon);

  // Placement in registration order: directly below the lowest earlier entry not beaten.
  const order: number[] = [];
  for (const s of scored) {
    let at = 0;
    for (let i = order.length - 1; i >= 0; i--) {
      if (!beats(s, order[i]!)) { at = i + 1; break; }
    }
    order.splice(at, 0, s);
  }

  // Rank-after, in registration order so that chains (C copies B copies A) settle.
  const moved = new Set<number>();
  for (const k of [...rankAfter.keys()].filter((k) => order.includes(k)).sort(bySeq)) {
    const orig = rankAfter.get(k)!;
    const pk = order.indexOf(k);
    const po = order.indexOf(orig);
    if (po < 0) continue;
    moved.add(k);
    if (pk > po) continue;
    order.splice(pk, 1);
    order.splice(order.indexOf(orig) + 1, 0, k);
  }

  const out: Array<{ index: number; rank: number | null }> = [];
  order.forEach((index, i) => {
    const prev = order[i - 1];
    const tied = prev !== undefined && !moved.has(index) && compareEntries(entries[prev]!, entries[index]!, rule) === 0;
    out.push({ index, rank: tied ? out[i - 1]!.rank : i + 1 });
  });
  const rest = entries.map((_, i) => i).filter((i) => entries[i]!.status !== 'scored').sort(bySeq);
  for (const index of rest) out.push({ index, rank: null });
  return out;
}
