// Two hidden sets per benchmark: set A feeds the live leaderboard during the competition, set B is
// scored too but feeds only the final ranking, and its scores stay hidden until the host releases
// them. This module is the spec fragment (zod) and the pure redaction rule every output goes through.
import { z } from 'zod';

export const HiddenSetSchema = z.object({
  /** Name used in split scores and outputs, e.g. 'A' / 'B' or 'live' / 'final'. */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/),
  /** Dataset file (Arrow IPC stream, or an arbiter encrypted file), relative to the benchmark folder. */
  file: z.string().min(1),
  /** Merkle root published before the competition (`arbiter dataset commit`). */
  commitment: z.string().regex(/^[0-9a-f]{64}$/),
  /** Which leaderboard the set feeds. */
  leaderboard: z.enum(['live', 'final']),
}).strict();

export const HiddenSetsSchema = z.array(HiddenSetSchema).min(1).max(2).superRefine((sets, ctx) => {
  const names = new Set<string>();
  for (const [i, s] of sets.entries()) {
    if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `hidden set name '${s.name}' is used twice` });
    names.add(s.name);
  }
  const live = sets.filter((s) => s.leaderboard === 'live').length;
  const final = sets.filter((s) => s.leaderboard === 'final').length;
  if (live !== 1) ctx.addIssue({ code: 'custom', path: [], message: `exactly one hidden set must feed the live leaderboard, found ${live}` });
  if (final > 1) ctx.addIssue({ code: 'custom', path: [], message: `at most one hidden set may feed the final ranking, found ${final}` });
});

export type HiddenSet = z.infer<typeof HiddenSetSchema>;

/** The set whose scores rank a leaderboard: 'final' falls back to the live set when there is no set B. */
export function setFor(sets: readonly HiddenSet[], board: 'live' | 'final'): HiddenSet {
  return sets.find((s) => s.leaderboard === board) ?? sets.find((s) => s.leaderboard === 'live')!;
}

/**
 * Scores per set as an output may show them: a final-only set's scores are removed until the host
 * has released it (`released` holds the names of released sets). Apply to every printed, stored-for-
 * display or exported result; the unredacted scores stay in the store.
 */
export function visibleSetScores<T>(scores: Readonly<Record<string, T>>, sets: readonly HiddenSet[], released: ReadonlySet<string>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const name of Object.keys(scores).sort()) {
    const set = sets.find((s) => s.name === name);
    if (set && set.leaderboard === 'final' && !released.has(name)) continue;
    out[name] = scores[name]!;
  }
  return out;
}
