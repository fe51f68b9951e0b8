// `arbiter fl rounds`: a federation's stored rounds as the rows the report formats print
// (src/report/rounds.ts). Reads the store only.
import { ArbiterError } from '../errors.ts';
import { Store, DEFAULT_DB } from '../store/store.ts';
import { flFederation, flFederationIds, flRounds } from '../store/fl.ts';
import type { RoundsTable } from '../report/rounds.ts';
import { federationFromJson } from './spec.ts';

/** The rounds of federation `id` in the store, oldest first. */
export function roundsTable(id: string, db: string = DEFAULT_DB): RoundsTable {
  const store = Store.open(db, { read: true });
  try {
    const known = flFederation(store.db, id);
    if (!known) {
      const ids = flFederationIds(store.db);
      throw new ArbiterError('E_USAGE', `no federation "${id}" in the store ${db}: expected one of ${ids.length > 0 ? ids.join(', ') : '(none: `arbiter fl aggregate` records the first round)'}`, { federation: id });
    }
    const fed = federationFromJson(known.specJson);
    return {
      federation: { id, version: fed.spec.version, specHash: known.specHash },
      primary: fed.primary,
      higherIsBetter: fed.higherIsBetter,
      rounds: flRounds(store.db, id).map((r) => ({
        round: r.round, modelSha256: r.modelSha256, modelKind: r.modelKind, parentRound: r.parentRound,
        globalScores: JSON.parse(r.globalScoresJson) as Record<string, number>, accepted: r.accepted,
        votes: JSON.parse(r.votesJson) as Record<string, 'accept' | 'reject'>,
        flagged: (JSON.parse(r.flaggedJson) as Array<{ party: string; reason: string }>).map((f) => ({ party: f.party, reason: f.reason })),
        rewards: JSON.parse(r.rewardsJson) as Record<string, string>,
      })),
    };
  } finally {
    store.close();
  }
}
