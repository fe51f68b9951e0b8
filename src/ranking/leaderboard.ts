// Ranks scored submissions: the primary metric in its direction, then the tie-break metrics in
// order, then (when listed) the earlier submission. Entries still tied share a rank ("1224").
// Failed and duplicate submissions follow the ranked ones in submission order. Pure.

export interface RankInput {
  /** registration order: smaller is earlier */
  seq: number;
  status: 'scored' | 'failed' | 'duplicate';
  scores: Record<string, number>;
}

export interface RankRule {
  primary: string;
  tieBreak: string[]; // metric keys, optionally ending with 'earliest'
  higherIsBetter: Record<string, boolean>;
}

/** Negative when a ranks above b, positive when below, 0 when tied under the rule. */
export function compareEntries(a: RankInput, b: RankInput, rule: RankRule): number {
  for (const key of [rule.primary, ...rule.tieBreak]) {
    if (key === 'earliest') return a.seq - b.seq;
    const x = a.scores[key]!;
    const y = b.scores[key]!;
    if (x === y) continue;
    const better = rule.higherIsBetter[key] ? x > y : x < y;
    return better ? -1 : 1;
  }
  return 0;
}

/** Order entries and assign ranks; returns indices into `entries` with their rank (null when unranked). */
export function rankEntries(entries: RankInput[], rule: RankRule): Array<{ index: number; rank: number | null }> {
  const scored = entries.map((e, index) => ({ e, index })).filter((x) => x.e.status === 'scored');
  scored.sort((p, q) => compareEntries(p.e, q.e, rule) || p.e.seq - q.e.seq);
  const out: Array<{ index: number; rank: number | null }> = [];
  scored.forEach((x, i) => {
    const prev = scored[i - 1];
    const tied = prev !== undefined && compareEntries(prev.e, x.e, rule) === 0;
    out.push({ index: x.index, rank: tied ? out[i - 1]!.rank : i + 1 });
  });
  const rest = entries.map((e, index) => ({ e, index })).filter((x) => x.e.status !== 'scored');
  rest.sort((p, q) => p.e.seq - q.e.seq);
  for (const x of rest) out.push({ index: x.index, rank: null });
  return out;
}

/** A stored run's row, as much of it as the public view reads and writes. */
export interface ViewRow {
  rank: number | null;
  submission: string;
  status: 'scored' | 'failed' | 'duplicate';
  scores: Record<string, number>;
  splitScores: Record<string, Record<string, number>>;
  reward?: string;
}

/**
 * The live leaderboard of `leaderboard.live: public` (Kaggle's public leaderboard): the rows ranked
 * on the public split's scores by `rule`, with only the public split's scores. Nothing in it depends
 * on the private split: no private scores, no rewards (computed on the private split), and ties and
 * unranked rows ordered by `seqOf` (registration order), never by the stored private order.
 */
export function publicView<R extends ViewRow>(rows: readonly R[], rule: RankRule, seqOf: (submission: string) => number, split = 'public'): R[] {
  const stripped = rows.map((r) => {
    const { reward: _reward, ...rest } = r;
    const pub = r.splitScores[split] ?? {};
    return { ...rest, rank: null, scores: { ...pub }, splitScores: r.splitScores[split] ? { [split]: { ...pub } } : {} } as unknown as R;
  });
  const entries: RankInput[] = stripped.map((r) => ({ seq: seqOf(r.submission), status: r.status, scores: r.scores }));
  return rankEntries(entries, rule).map(({ index, rank }) => ({ ...stripped[index]!, rank }));
}
