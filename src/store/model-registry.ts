// The model registry's SQL (`arbiter models`): every submission with its declared base model, the
// scores of finished runs with what decides their visibility, the federated rounds (fl_rounds, the
// federation code's table), and the cache of facts read from model bytes (model_facts: parameter
// count, weights hash, config base model), one row per content hash, written once.
import type Database from 'better-sqlite3';

export interface RegistrySubmissionRow {
  id: number;
  benchmarkId: string;
  participant: string;
  sha256: string;
  /** the column as registered: 'onnx' (an ONNX file, or a language-model folder or archive) or 'predictions' */
  kind: 'onnx' | 'predictions';
  filename: string;
  blobPath: string;
  size: number;
  submittedAt: string;
  /** declared with `arbiter submit --base-model`; null when none was */
  baseModel: string | null;
  /** the benchmark's task (the `task` object of its latest registered spec, as JSON text), null when the store has no spec for it */
  taskJson: string | null;
  /** the `admission` object of that spec as JSON text, null when it has none */
  admissionJson: string | null;
}

export interface RegistryScoreRow {
  runId: number;
  benchmarkId: string;
  sha256: string;
  participant: string;
  split: string;
  metric: string;
  value: number;
  /** the run's spec says leaderboard.live: public and ranks the private split (its private scores wait for the release) */
  publicLive: boolean;
}

export interface CachedFacts {
  sha256: string;
  factsVersion: number;
  params: number | null;
  weightsHash: string | null;
  configBaseModel: string | null;
  error: { code: string; message: string } | null;
}

/** Record the base model a submission declares (`arbiter submit --base-model`): the latest declaration wins. */
export function setSubmissionBaseModel(db: Database.Database, submissionId: number, baseModel: string): void {
  db.prepare(`UPDATE submissions SET base_model = ? WHERE id = ?`).run(baseModel, submissionId);
}

/** Every submission in registration order, with its benchmark's task. */
export function registrySubmissions(db: Database.Database): RegistrySubmissionRow[] {
  const rows = db.prepare(`
    SELECT s.*, (SELECT CASE WHEN json_valid(b.spec_json) THEN json_extract(b.spec_json, '$.task') END
                 FROM benchmarks b WHERE b.id = s.benchmark_id ORDER BY b.registered_at DESC, b.spec_hash LIMIT 1) AS task_json,
           (SELECT CASE WHEN json_valid(b.spec_json) THEN json_extract(b.spec_json, '$.admission') END
                 FROM benchmarks b WHERE b.id = s.benchmark_id ORDER BY b.registered_at DESC, b.spec_hash LIMIT 1) AS admission_json
    FROM submissions s ORDER BY s.id`).all() as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: Number(r.id), benchmarkId: String(r.benchmark_id), participant: String(r.participant), sha256: String(r.sha256),
    kind: r.kind as 'onnx' | 'predictions', filename: String(r.filename), blobPath: String(r.blob_path), size: Number(r.size),
    submittedAt: String(r.submitted_at), baseModel: r.base_model == null ? null : String(r.base_model),
    taskJson: typeof r.task_json === 'string' ? r.task_json : null,
    admissionJson: typeof r.admission_json === 'string' ? r.admission_json : null,
  }));
}

/** Every stored score of a finished run, by submission content hash, in run, hash, split, metric order. */
export function registryScores(db: Database.Database): RegistryScoreRow[] {
  const rows = db.prepare(`
    SELECT r.id AS run_id, r.benchmark_id, s.sha256, s.participant, sc.split, sc.metric, sc.value,
      (SELECT CASE WHEN json_valid(b.spec_json) THEN json_extract(b.spec_json, '$.leaderboard.live') = 'public'
                    AND json_extract(b.spec_json, '$.ranking.split') = 'private' ELSE 0 END
       FROM benchmarks b WHERE b.id = r.benchmark_id AND b.spec_hash = r.spec_hash) AS public_live
    FROM scores sc JOIN runs r ON r.id = sc.run_id JOIN submissions s ON s.id = sc.submission_id
    WHERE r.status = 'finished'
    ORDER BY r.id, s.sha256, s.id, sc.split, sc.metric`).all() as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    runId: Number(r.run_id), benchmarkId: String(r.benchmark_id), sha256: String(r.sha256), participant: String(r.participant), split: String(r.split),
    metric: String(r.metric), value: Number(r.value), publicLive: Number(r.public_live ?? 0) === 1,
  }));
}

/** Benchmarks (live ids) whose withheld results have been released (`arbiter release`). */
export function releasedBenchmarks(db: Database.Database): Set<string> {
  return new Set((db.prepare(`SELECT benchmark_id FROM releases`).pluck().all() as string[]));
}

/** The cached facts of every model read so far, by content hash. */
export function cachedModelFacts(db: Database.Database): Map<string, CachedFacts> {
  const rows = db.prepare(`SELECT * FROM model_facts`).all() as Array<Record<string, unknown>>;
  return new Map(rows.map((r) => [String(r.sha256), {
    sha256: String(r.sha256), factsVersion: Number(r.facts_version),
    params: r.params == null ? null : Number(r.params), weightsHash: r.weights_hash == null ? null : String(r.weights_hash),
    configBaseModel: r.config_base_model == null ? null : String(r.config_base_model),
    error: r.error_code == null ? null : { code: String(r.error_code), message: String(r.error_message ?? '') },
  }]));
}

/** Cache the facts read from one model's bytes (a newer facts version replaces an older row). */
export function cacheModelFacts(db: Database.Database, f: CachedFacts): void {
  db.prepare(`INSERT OR REPLACE INTO model_facts (sha256, facts_version, params, weights_hash, config_base_model, error_code, error_message, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(f.sha256, f.factsVersion, f.params, f.weightsHash, f.configBaseModel, f.error?.code ?? null, f.error?.message ?? null, new Date().toISOString());
}

/** Content hashes of known models (submissions and round models) starting with `prefix` (lower-case hex), at most `limit`, sorted. */
export function modelHashesWithPrefix(db: Database.Database, prefix: string, limit: number): string[] {
  return db.prepare(`
    SELECT sha256 FROM (SELECT sha256 FROM submissions UNION SELECT model_sha256 AS sha256 FROM fl_rounds)
    WHERE substr(sha256, 1, ?) = ? ORDER BY sha256 LIMIT ?`).pluck().all(prefix.length, prefix, limit) as string[];
}
