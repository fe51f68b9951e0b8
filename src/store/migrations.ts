// The SQLite schema, as an ordered list of migrations. PRAGMA user_version holds how many ran.
// Never edit a shipped migration: append a new one. A migration is SQL, or a function for a step
// that must read the schema it finds (v4 rebuilds `runs` whatever columns earlier steps added).
import type Database from 'better-sqlite3';

export type Migration = string | ((db: Database.Database) => void);

export const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE benchmarks (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    spec_hash TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    PRIMARY KEY (id, spec_hash)
  );
  CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    benchmark_id TEXT NOT NULL,
    participant TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('onnx', 'predictions')),
    filename TEXT NOT NULL,
    blob_path TEXT NOT NULL,
    size INTEGER NOT NULL,
    submitted_at TEXT NOT NULL,
    UNIQUE (benchmark_id, participant, sha256)
  );
  CREATE INDEX submissions_by_benchmark ON submissions (benchmark_id, id);
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    benchmark_id TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    dataset_sha256 TEXT NOT NULL,
    fingerprint_json TEXT NOT NULL,
    workers INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    result_json TEXT
  );
  CREATE TABLE run_entries (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    status TEXT NOT NULL CHECK (status IN ('scored', 'failed', 'duplicate')),
    rank INTEGER,
    error_code TEXT,
    error_message TEXT,
    PRIMARY KEY (run_id, submission_id)
  );
  CREATE TABLE scores (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    split TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, submission_id, split, metric)
  );
  `,
  // 2: the crash-safe journal. A run lists its submissions up front; every folded chunk's metric
  // states are journaled; each submission's outcome is written the moment it is known.
  `
  ALTER TABLE runs ADD COLUMN task_rows INTEGER;
  CREATE TABLE run_members (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    seq INTEGER NOT NULL,
    PRIMARY KEY (run_id, submission_id)
  );
  CREATE TABLE journal (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    chunk_index INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    states_json TEXT NOT NULL,
    PRIMARY KEY (run_id, submission_id, chunk_index)
  );
  CREATE TABLE outcomes (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    split_scores_json TEXT,
    error_code TEXT,
    error_message TEXT,
    PRIMARY KEY (run_id, submission_id)
  );
  `,
  // 3: reserved (unused: sharding needed no table); kept as a no-op so later version numbers stay fixed.
  `SELECT 1;`,
  // 4: run leases and the work queue (src/store/lease.ts), and terminal run states with a reason:
  // a run ends finished, failed (reason) or cancelled (reason); see docs/operations.md.
  migrateV4RunStates,
  // 5: issue 7. Per-chunk prediction fingerprints (journaled with the fold, so --resume keeps them)
  // for prediction-agreement copy detection, and the recorded release of a final hidden set.
  // IF NOT EXISTS: safe whatever order the branches' migrations end up in.
  `
  CREATE TABLE IF NOT EXISTS prediction_fingerprints (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    chunk_index INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (run_id, submission_id, chunk_index)
  );
  CREATE TABLE IF NOT EXISTS releases (
    benchmark_id TEXT PRIMARY KEY,
    released_at TEXT NOT NULL
  );
  `,
  // 6: issue 15. Federated evaluation rounds (src/store/fl.ts): a federation's spec, every
  // aggregated round (its model, global scores, decision, votes, flags, rewards, and the last
  // accepted round before it: the model lineage `arbiter models` reads), and every verified
  // partial (a replayed one is the same bytes again). IF NOT EXISTS: safe in any merge order.
  `
  CREATE TABLE IF NOT EXISTS fl_federations (
    id TEXT PRIMARY KEY,
    spec_json TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS fl_rounds (
    federation TEXT NOT NULL,
    round INTEGER NOT NULL,
    model_sha256 TEXT NOT NULL,
    model_kind TEXT NOT NULL,
    model_bytes INTEGER NOT NULL,
    parent_round INTEGER,
    global_scores_json TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    votes_json TEXT NOT NULL,
    flagged_json TEXT NOT NULL,
    rewards_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (federation, round)
  );
  CREATE TABLE IF NOT EXISTS fl_partials (
    federation TEXT,
    round INTEGER,
    party TEXT,
    sha256 TEXT,
    body_json TEXT,
    PRIMARY KEY (federation, round, party)
  );
  CREATE INDEX IF NOT EXISTS fl_partials_by_sha ON fl_partials (sha256);
  `,
  // 7: issue 15. The model registry (src/store/model-registry.ts): a base model declared at
  // submit, a cache of what reading a model's bytes tells (parameter count, weights hash, the base
  // model its config names), computed once per content hash; and the federated rounds' tables, with
  // the exact schema the federation code writes (IF NOT EXISTS: whichever branch's migration runs
  // first creates them, the other's is a no-op).
  `
  ALTER TABLE submissions ADD COLUMN base_model TEXT;
  CREATE TABLE IF NOT EXISTS model_facts (
    sha256 TEXT PRIMARY KEY,
    facts_version INTEGER NOT NULL,
    params INTEGER,
    weights_hash TEXT,
    config_base_model TEXT,
    error_code TEXT,
    error_message TEXT,
    computed_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS fl_federations (id TEXT PRIMARY KEY, spec_json TEXT NOT NULL, spec_hash TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS fl_rounds (federation TEXT NOT NULL, round INTEGER NOT NULL, model_sha256 TEXT NOT NULL, model_kind TEXT NOT NULL, model_bytes INTEGER NOT NULL, parent_round INTEGER, global_scores_json TEXT NOT NULL, accepted INTEGER NOT NULL, votes_json TEXT NOT NULL, flagged_json TEXT NOT NULL, rewards_json TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (federation, round));
  `,
];

/** The CHECK on runs.status as migration 1 wrote it, and what v4 makes of it. */
const OLD_STATUS_CHECK = `CHECK (status IN ('running', 'finished', 'failed'))`;
const NEW_STATUS_CHECK = `CHECK (status IN ('running', 'finished', 'failed', 'cancelled'))`;

/** The lease and queue tables of src/store/lease.ts (LEASE_SCHEMA_SQL), frozen as shipped in v4. */
const V4_LEASES = `
CREATE TABLE IF NOT EXISTS leases (
  resource     TEXT    PRIMARY KEY,          -- what is held, e.g. 'run:42'
  holder       TEXT    NOT NULL,             -- '<host>:<pid>:<uuid>' of the holding process
  token        INTEGER NOT NULL,             -- fencing token: +1 on every acquire or takeover
  acquired_at  INTEGER NOT NULL,             -- ms since epoch
  heartbeat_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS queue_items (
  queue        TEXT    NOT NULL,             -- e.g. 'run:42'
  item         TEXT    NOT NULL,             -- e.g. a submission sha256
  seq          INTEGER NOT NULL,             -- claim order (the order items were enqueued)
  state        TEXT    NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued', 'claimed', 'done', 'failed', 'cancelled')),
  holder       TEXT,
  token        INTEGER NOT NULL DEFAULT 0,
  attempts     INTEGER NOT NULL DEFAULT 0,   -- claims so far (a takeover is a new attempt)
  claimed_at   INTEGER,
  expires_at   INTEGER,
  finished_at  INTEGER,
  reason       TEXT,                         -- 'scored', 'failed:E_TIMEOUT', 'cancelled', ...
  PRIMARY KEY (queue, item)
) STRICT;
CREATE INDEX IF NOT EXISTS queue_items_claim ON queue_items (queue, state, seq);
`;

/**
 * SQLite cannot alter a CHECK constraint: rebuild `runs` from its own CREATE statement with the
 * wider status list (so columns added by any earlier step are kept, in order), then add `reason`.
 * The tables referencing runs(id) keep pointing at the rebuilt table; defer_foreign_keys lets the
 * drop and re-insert happen inside the migration's transaction and checks the references at commit.
 */
function migrateV4RunStates(db: Database.Database): void {
  db.exec(V4_LEASES);
  const row = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'runs'`).get() as { sql: string } | undefined;
  if (!row || !row.sql.includes(OLD_STATUS_CHECK)) throw new Error(`migration 4: expected the runs table with ${OLD_STATUS_CHECK}, found ${row?.sql ?? 'no runs table'}`);
  db.pragma('defer_foreign_keys = ON');
  db.exec(`CREATE TEMP TABLE runs_before_v4 AS SELECT * FROM runs; DROP TABLE runs;`);
  db.exec(row.sql.replace(OLD_STATUS_CHECK, NEW_STATUS_CHECK));
  db.exec(`INSERT INTO runs SELECT * FROM temp.runs_before_v4; DROP TABLE temp.runs_before_v4;
    ALTER TABLE runs ADD COLUMN reason TEXT;
    UPDATE runs SET reason = json_extract(result_json, '$.error') WHERE status = 'failed' AND json_valid(result_json);`);
}
