// SQL of federated evaluation rounds (tables of migration 6): a federation's spec, its aggregated
// rounds and the verified partials of each. `arbiter fl aggregate` writes a round and its partials
// in one transaction; `arbiter fl rounds` and `arbiter models` read them.
import type Database from 'better-sqlite3';
import { ArbiterError } from '../errors.ts';

export interface FlRoundRecord {
  federation: string;
  round: number;
  modelSha256: string;
  modelKind: string;
  modelBytes: number;
  parentRound: number | null;
  globalScoresJson: string;
  accepted: boolean;
  votesJson: string;
  flaggedJson: string;
  rewardsJson: string;
  createdAt: string;
}

export interface FlPartialRecord { federation: string; round: number; party: string; sha256: string; bodyJson: string }

interface RoundRow {
  federation: string; round: number; model_sha256: string; model_kind: string; model_bytes: number; parent_round: number | null;
  global_scores_json: string; accepted: number; votes_json: string; flagged_json: string; rewards_json: string; created_at: string;
}

const fromRow = (r: RoundRow): FlRoundRecord => ({
  federation: r.federation, round: r.round, modelSha256: r.model_sha256, modelKind: r.model_kind, modelBytes: r.model_bytes,
  parentRound: r.parent_round, globalScoresJson: r.global_scores_json, accepted: r.accepted === 1, votesJson: r.votes_json,
  flaggedJson: r.flagged_json, rewardsJson: r.rewards_json, createdAt: r.created_at,
});

/** The stored spec of a federation: its hash and canonical JSON, or undefined. */
export function flFederation(db: Database.Database, id: string): { specHash: string; specJson: string } | undefined {
  const r = db.prepare(`SELECT spec_hash, spec_json FROM fl_federations WHERE id = ?`).get(id) as { spec_hash: string; spec_json: string } | undefined;
  return r ? { specHash: r.spec_hash, specJson: r.spec_json } : undefined;
}

/** Record a federation's spec on its first round; a later round must be under the same spec. */
export function ensureFlFederation(db: Database.Database, id: string, specHash: string, specJson: string): void {
  const known = flFederation(db, id);
  if (!known) {
    db.prepare(`INSERT INTO fl_federations (id, spec_json, spec_hash, created_at) VALUES (?, ?, ?, ?)`).run(id, specJson, specHash, new Date().toISOString());
    return;
  }
  if (known.specHash !== specHash) {
    throw new ArbiterError('E_FL_MISMATCH', `federation ${id} is stored with spec ${known.specHash.slice(0, 12)}; this spec hashes to ${specHash.slice(0, 12)} (a changed federation needs a new id)`, { federation: id });
  }
}

/** Every stored round of a federation, in round order. */
export function flRounds(db: Database.Database, federation: string): FlRoundRecord[] {
  return (db.prepare(`SELECT * FROM fl_rounds WHERE federation = ? ORDER BY round`).all(federation) as RoundRow[]).map(fromRow);
}

/** Every stored round of every federation, by federation and round number (the model registry's view). */
export function allFlRounds(db: Database.Database): FlRoundRecord[] {
  return (db.prepare(`SELECT * FROM fl_rounds ORDER BY federation, round`).all() as RoundRow[]).map(fromRow);
}

/** Every federation with stored rounds, by id. */
export function flFederationIds(db: Database.Database): string[] {
  return db.prepare(`SELECT id FROM fl_federations ORDER BY id`).pluck().all() as string[];
}

/** The stored partial of one party in one round, or undefined. */
export function flPartial(db: Database.Database, federation: string, round: number, party: string): FlPartialRecord | undefined {
  const r = db.prepare(`SELECT federation, round, party, sha256, body_json FROM fl_partials WHERE federation = ? AND round = ? AND party = ?`)
    .get(federation, round, party) as { federation: string; round: number; party: string; sha256: string; body_json: string } | undefined;
  return r ? { federation: r.federation, round: r.round, party: r.party, sha256: r.sha256, bodyJson: r.body_json } : undefined;
}

/** Where a partial with these bytes (sha256 of its canonical JSON) is already stored, if anywhere. */
export function flPartialBySha(db: Database.Database, sha256: string): { federation: string; round: number; party: string } | undefined {
  return db.prepare(`SELECT federation, round, party FROM fl_partials WHERE sha256 = ? LIMIT 1`).get(sha256) as { federation: string; round: number; party: string } | undefined;
}

/** Store an aggregated round and its verified partials (the caller wraps it in a transaction with its checks). A round is written once. */
export function insertFlRound(db: Database.Database, r: Omit<FlRoundRecord, 'createdAt'>, partials: readonly FlPartialRecord[] = []): void {
  db.prepare(`INSERT INTO fl_rounds (federation, round, model_sha256, model_kind, model_bytes, parent_round, global_scores_json, accepted, votes_json, flagged_json, rewards_json, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(r.federation, r.round, r.modelSha256, r.modelKind, r.modelBytes, r.parentRound, r.globalScoresJson, r.accepted ? 1 : 0, r.votesJson, r.flaggedJson, r.rewardsJson, new Date().toISOString());
  const ins = db.prepare(`INSERT INTO fl_partials (federation, round, party, sha256, body_json) VALUES (?, ?, ?, ?, ?)`);
  for (const p of partials) ins.run(p.federation, p.round, p.party, p.sha256, p.bodyJson);
}
