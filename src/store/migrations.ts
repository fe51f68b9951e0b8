// The SQLite schema, as an ordered list of migrations. PRAGMA user_version holds how many ran.
// Never edit a shipped migration: append a new one.
export const MIGRATIONS: string[] = [
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
  // 3 and 4 are taken by other branches (sharding; run leases): no-op placeholders here so that this
  // branch's migration is version 5 as agreed. On merge, the real migrations replace these two.
  `-- 3: reserved (sharding)
  SELECT 1;`,
  `-- 4: reserved (run leases)
  SELECT 1;`,
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
];
