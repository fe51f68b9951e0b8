// The SQLite store (better-sqlite3, WAL): benchmarks, submissions and their content-addressed
// blobs, runs, entries and scores. The one place that touches the database file.
import { accessSync, closeSync, constants, copyFileSync, statSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { sha256FileSync, specialKind } from '../data/file-hash.ts';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ArbiterError } from '../errors.ts';
import { MIGRATIONS } from './migrations.ts';

export interface SubmissionRecord {
  id: number;
  benchmarkId: string;
  participant: string;
  sha256: string;
  kind: 'onnx' | 'predictions';
  filename: string;
  blobPath: string;
  size: number;
  submittedAt: string;
}

export interface RunRecord {
  id: number;
  taskRows: number | null;
  benchmarkId: string;
  specHash: string;
  datasetSha256: string;
  /** terminal: finished, failed (reason), cancelled (reason, resumable); running may have a dead holder (see engine/runs.ts) */
  status: 'running' | 'finished' | 'failed' | 'cancelled';
  /** why a run failed or was cancelled (null while running and once finished) */
  reason: string | null;
  workers: number;
  startedAt: string;
  finishedAt: string | null;
  resultJson: string | null;
}

import { DEFAULT_DB } from './default-path.ts';

export interface StoreOpenOptions {
  /** the command only reads: open read-only when the file is not writable, and check integrity */
  read?: boolean;
}

/** Whether this process may write `file`: its mode has a write bit and access(W_OK) agrees (root passes access checks, so the mode bits decide). */
function isWritable(file: string): boolean {
  try {
    if ((statSync(file).mode & 0o222) === 0) return false;
    accessSync(file, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export { DEFAULT_DB };

export class Store {
  readonly db: Database.Database;
  readonly file: string;
  readonly blobDir: string;

  /** opened read-only (a read command on a store file without write permission) */
  readonly readonly: boolean;

  private constructor(file: string, opts: StoreOpenOptions) {
    this.file = file;
    this.blobDir = file === ':memory:' ? path.resolve('.arbiter/blobs') : path.join(path.dirname(path.resolve(file)), 'blobs');
    const writable = file === ':memory:' || !existsSync(file) || isWritable(file);
    if (!writable && !opts.read) {
      throw new ArbiterError('E_STORE', `the store ${file} is read-only (no write permission): this command writes to it; read commands (leaderboard, runs, report) still work`, { file });
    }
    this.readonly = !writable;
    try {
      if (file !== ':memory:' && writable) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      if (this.readonly) {
        this.db = new Database(file, { readonly: true, fileMustExist: true });
      } else {
        this.db = new Database(file);
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
      }
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
    } catch (err) {
      throw new ArbiterError('E_STORE', `cannot open the store ${file}: ${(err as Error).message}`, { file });
    }
    if (opts.read) this.checkIntegrity();
    this.migrate();
  }

  /**
   * Open the store. `read: true` is for commands that only read (leaderboard, runs, report): a
   * store file without write permission is opened read-only, and the file is checked with
   * `PRAGMA quick_check` first, so a corrupted store is E_STORE instead of garbage.
   */
  static open(file = DEFAULT_DB, opts: StoreOpenOptions = {}): Store {
    return new Store(file, opts);
  }

  /** PRAGMA quick_check (O(pages), no index cross-check): E_STORE naming the first problem. */
  private checkIntegrity(): void {
    let rows: Array<{ quick_check: string }>;
    try {
      rows = this.db.pragma('quick_check(5)') as Array<{ quick_check: string }>;
    } catch (err) {
      this.db.close();
      throw new ArbiterError('E_STORE', `the store ${this.file} is corrupted: ${(err as Error).message}`, { file: this.file });
    }
    if (rows.length !== 1 || rows[0]!.quick_check !== 'ok') {
      this.db.close();
      throw new ArbiterError('E_STORE', `the store ${this.file} is corrupted (PRAGMA quick_check: ${rows.map((r) => r.quick_check).join('; ')})`, { file: this.file });
    }
  }

  private migrate(): void {
    let version: number;
    try {
      version = this.db.pragma('user_version', { simple: true }) as number;
    } catch (err) {
      throw new ArbiterError('E_STORE', `${this.file} is not an arbiter SQLite store: ${(err as Error).message}`, { file: this.file });
    }
    if (version > MIGRATIONS.length) {
      throw new ArbiterError('E_STORE', `${this.file} has schema version ${version}; this arbiter knows up to ${MIGRATIONS.length}. Upgrade arbiter.`, { file: this.file });
    }
    if (this.readonly && version < MIGRATIONS.length) {
      throw new ArbiterError('E_STORE', `${this.file} has schema version ${version} and is read-only: this arbiter needs version ${MIGRATIONS.length}; open it once with write permission to upgrade it`, { file: this.file });
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        const m = MIGRATIONS[v]!;
        if (typeof m === 'string') this.db.exec(m); else m(this.db);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }

  upsertBenchmark(id: string, version: number, specHash: string, specJson: string): void {
    this.db.prepare(`INSERT OR IGNORE INTO benchmarks (id, version, spec_hash, spec_json, registered_at) VALUES (?, ?, ?, ?, ?)`)
      .run(id, version, specHash, specJson, new Date().toISOString());
  }

  /** The canonical spec JSON a run was scored under. */
  benchmarkSpec(id: string, specHash: string): string | undefined {
    const row = this.db.prepare(`SELECT spec_json FROM benchmarks WHERE id = ? AND spec_hash = ?`).get(id, specHash) as { spec_json: string } | undefined;
    return row?.spec_json;
  }

  /**
   * Register a submission (idempotent per benchmark, participant and bytes); copies the file into
   * the blob store as `<sha256><ext>`. A folder (a language-model submission) is copied as the
   * folder `<sha256>/`, regular files and folders only (anything else is refused); its sha256 is the
   * caller's content hash (src/tasks/lm/submissions.ts), and `hashOf` recomputes it for a folder.
   * A blob is written under a temporary name in the blob folder, fsynced, then renamed, so a crash
   * never leaves a partial blob under its hash; an existing blob is reused only when its content
   * still hashes to its name (a blob truncated by an older arbiter is copied again).
   */
  registerSubmission(s: { benchmarkId: string; participant: string; sha256: string; kind: 'onnx' | 'predictions'; sourcePath: string; size: number }, hashOf?: (blobPath: string) => string): SubmissionRecord {
    const existing = this.db.prepare(`SELECT * FROM submissions WHERE benchmark_id = ? AND participant = ? AND sha256 = ?`)
      .get(s.benchmarkId, s.participant, s.sha256) as Record<string, unknown> | undefined;
    if (existing) return toSubmission(existing);
    mkdirSync(this.blobDir, { recursive: true });
    const isDir = lstatSync(s.sourcePath).isDirectory();
    const ext = isDir ? '' : path.extname(s.sourcePath).toLowerCase();
    const blobPath = path.join(this.blobDir, `${s.sha256}${ext}`);
    const contentHash = hashOf ?? ((p: string) => sha256FileSync(p).sha256);
    const intact = (): boolean => {
      if (!existsSync(blobPath)) return false;
      try { return contentHash(blobPath) === s.sha256; } catch { return false; }
    };
    if (!intact()) {
      const tmp = `${blobPath}.partial-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      try {
        if (isDir) copyFolder(s.sourcePath, tmp);
        else copyFileDurably(s.sourcePath, tmp);
        if (contentHash(tmp) !== s.sha256) {
          throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission ${path.basename(s.sourcePath)} changed while it was being registered: expected content ${s.sha256.slice(0, 12)}, the copy has other bytes`, { path: s.sourcePath });
        }
        rmSync(blobPath, { recursive: true, force: true });
        renameSync(tmp, blobPath);
        fsyncDir(this.blobDir);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    const info = this.db.prepare(`INSERT INTO submissions (benchmark_id, participant, sha256, kind, filename, blob_path, size, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(s.benchmarkId, s.participant, s.sha256, s.kind, path.basename(s.sourcePath), blobPath, s.size, new Date().toISOString());
    return this.submission(Number(info.lastInsertRowid))!;
  }

  submission(id: number): SubmissionRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM submissions WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    return row ? toSubmission(row) : undefined;
  }

  /** Submissions of a benchmark in registration order (the order "earliest" tie-breaks use). */
  submissions(benchmarkId: string): SubmissionRecord[] {
    return (this.db.prepare(`SELECT * FROM submissions WHERE benchmark_id = ? ORDER BY id`).all(benchmarkId) as Record<string, unknown>[]).map(toSubmission);
  }

  /** Create a run with its members (in registration order) in one transaction. */
  createRun(r: { benchmarkId: string; specHash: string; datasetSha256: string; fingerprintJson: string; workers: number; taskRows: number; members: number[] }): number {
    return this.db.transaction(() => {
      const info = this.db.prepare(`INSERT INTO runs (benchmark_id, spec_hash, dataset_sha256, fingerprint_json, workers, status, started_at, task_rows) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)`)
        .run(r.benchmarkId, r.specHash, r.datasetSha256, r.fingerprintJson, r.workers, new Date().toISOString(), r.taskRows);
      const runId = Number(info.lastInsertRowid);
      const ins = this.db.prepare(`INSERT INTO run_members (run_id, submission_id, seq) VALUES (?, ?, ?)`);
      r.members.forEach((id, seq) => ins.run(runId, id, seq));
      return runId;
    })();
  }

  runMembers(runId: number): SubmissionRecord[] {
    return (this.db.prepare(`SELECT s.* FROM run_members m JOIN submissions s ON s.id = m.submission_id WHERE m.run_id = ? ORDER BY m.seq`).all(runId) as Record<string, unknown>[]).map(toSubmission);
  }

  /** Journal one folded chunk's metric states. Chunks of a submission are journaled in order. */
  journalChunk(runId: number, submissionId: number, chunkIndex: number, rows: number, statesJson: string): void {
    this.db.prepare(`INSERT INTO journal (run_id, submission_id, chunk_index, rows, states_json) VALUES (?, ?, ?, ?, ?)`).run(runId, submissionId, chunkIndex, rows, statesJson);
  }

  journal(runId: number, submissionId: number): Array<{ chunkIndex: number; rows: number; statesJson: string }> {
    return (this.db.prepare(`SELECT chunk_index, rows, states_json FROM journal WHERE run_id = ? AND submission_id = ? ORDER BY chunk_index`).all(runId, submissionId) as Array<Record<string, unknown>>)
      .map((r) => ({ chunkIndex: Number(r.chunk_index), rows: Number(r.rows), statesJson: String(r.states_json) }));
  }

  /** A submission's outcome in a run: its split scores, or its error. Written once. */
  recordOutcome(runId: number, submissionId: number, o: { splitScores: Record<string, Record<string, number>> | null; error: { code: string; message: string } | null }): void {
    this.db.prepare(`INSERT OR REPLACE INTO outcomes (run_id, submission_id, split_scores_json, error_code, error_message) VALUES (?, ?, ?, ?, ?)`)
      .run(runId, submissionId, o.splitScores ? JSON.stringify(o.splitScores) : null, o.error?.code ?? null, o.error?.message ?? null);
  }

  outcomes(runId: number): Map<number, { splitScores: Record<string, Record<string, number>> | null; error: { code: string; message: string } | null }> {
    const rows = this.db.prepare(`SELECT * FROM outcomes WHERE run_id = ?`).all(runId) as Array<Record<string, unknown>>;
    return new Map(rows.map((r) => [Number(r.submission_id), {
      splitScores: r.split_scores_json == null ? null : JSON.parse(String(r.split_scores_json)),
      error: r.error_code == null ? null : { code: String(r.error_code), message: String(r.error_message ?? '') },
    }]));
  }

  finishRun(runId: number, entries: Array<{ submissionId: number; status: 'scored' | 'failed' | 'duplicate'; rank: number | null; error: { code: string; message: string } | null; splitScores: Record<string, Record<string, number>> }>, resultJson: string): void {
    const insEntry = this.db.prepare(`INSERT INTO run_entries (run_id, submission_id, status, rank, error_code, error_message) VALUES (?, ?, ?, ?, ?, ?)`);
    const insScore = this.db.prepare(`INSERT INTO scores (run_id, submission_id, split, metric, value) VALUES (?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const e of entries) {
        insEntry.run(runId, e.submissionId, e.status, e.rank, e.error?.code ?? null, e.error?.message ?? null);
        for (const [split, metrics] of Object.entries(e.splitScores)) {
          for (const [metric, value] of Object.entries(metrics)) insScore.run(runId, e.submissionId, split, metric, value);
        }
      }
      this.db.prepare(`UPDATE runs SET status = 'finished', finished_at = ?, result_json = ? WHERE id = ?`).run(new Date().toISOString(), resultJson, runId);
    })();
  }

  failRun(runId: number, message: string): void {
    this.db.prepare(`UPDATE runs SET status = 'failed', reason = ?, finished_at = ?, result_json = ? WHERE id = ?`).run(message, new Date().toISOString(), JSON.stringify({ error: message }), runId);
  }

  /** A stopped run (SIGINT/SIGTERM): resumable, like a failed one. */
  cancelRun(runId: number, reason: string): void {
    this.db.prepare(`UPDATE runs SET status = 'cancelled', reason = ?, finished_at = ? WHERE id = ? AND status <> 'finished'`).run(reason, new Date().toISOString(), runId);
  }

  /** A resumed run is running again (its earlier failure or cancellation is cleared). */
  reopenRun(runId: number): void {
    this.db.prepare(`UPDATE runs SET status = 'running', reason = NULL, finished_at = NULL, result_json = NULL WHERE id = ? AND status <> 'finished'`).run(runId);
  }

  /** Every run, newest first (optionally of one benchmark). */
  runs(benchmarkId?: string): RunRecord[] {
    const rows = benchmarkId === undefined
      ? this.db.prepare(`SELECT * FROM runs ORDER BY id DESC`).all()
      : this.db.prepare(`SELECT * FROM runs WHERE benchmark_id = ? ORDER BY id DESC`).all(benchmarkId);
    return (rows as Record<string, unknown>[]).map(toRun);
  }

  run(runId: number): RunRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as Record<string, unknown> | undefined;
    return row ? toRun(row) : undefined;
  }

  latestFinishedRun(benchmarkId: string): RunRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM runs WHERE benchmark_id = ? AND status = 'finished' ORDER BY id DESC LIMIT 1`).get(benchmarkId) as Record<string, unknown> | undefined;
    return row ? toRun(row) : undefined;
  }

  /** Journal one chunk's prediction fingerprint (4 bytes per row); a re-run chunk replaces it with the same bytes. */
  journalFingerprint(runId: number, submissionId: number, chunkIndex: number, hashes: Uint32Array): void {
    this.db.prepare(`INSERT OR REPLACE INTO prediction_fingerprints (run_id, submission_id, chunk_index, rows, hashes) VALUES (?, ?, ?, ?, ?)`)
      .run(runId, submissionId, chunkIndex, hashes.length, Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength));
  }

  /** A submission's prediction fingerprint in a run: its chunks in order, concatenated; null when none was journaled. */
  fingerprint(runId: number, submissionId: number): Uint32Array | null {
    const rows = this.db.prepare(`SELECT rows, hashes FROM prediction_fingerprints WHERE run_id = ? AND submission_id = ? ORDER BY chunk_index`).all(runId, submissionId) as Array<{ rows: number; hashes: Buffer }>;
    if (rows.length === 0) return null;
    const out = new Uint32Array(rows.reduce((a, r) => a + r.rows, 0));
    let at = 0;
    for (const r of rows) {
      // copy: a Buffer from SQLite need not be 4-byte aligned
      out.set(new Uint32Array(Uint8Array.from(r.hashes).buffer), at);
      at += r.rows;
    }
    return out;
  }

  /** Record that the final hidden set of `benchmarkId` (the live id) is released; idempotent. */
  recordRelease(benchmarkId: string): void {
    this.db.prepare(`INSERT OR IGNORE INTO releases (benchmark_id, released_at) VALUES (?, ?)`).run(benchmarkId, new Date().toISOString());
  }

  /** Whether the final hidden set of `benchmarkId` (the live id) has been released. */
  isReleased(benchmarkId: string): boolean {
    return this.db.prepare(`SELECT 1 FROM releases WHERE benchmark_id = ?`).get(benchmarkId) !== undefined;
  }

  /** Scores as stored, for checks that the database agrees with the run's JSON. */
  scores(runId: number): Array<{ submissionId: number; split: string; metric: string; value: number }> {
    return (this.db.prepare(`SELECT submission_id, split, metric, value FROM scores WHERE run_id = ? ORDER BY submission_id, split, metric`).all(runId) as Array<Record<string, unknown>>)
      .map((r) => ({ submissionId: Number(r.submission_id), split: String(r.split), metric: String(r.metric), value: Number(r.value) }));
  }
}

/** Copy a file and fsync it: after a crash the copy is either whole or absent once renamed. */
function copyFileDurably(src: string, dest: string): void {
  const st = lstatSync(src);
  if (!st.isFile()) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `submission ${path.basename(src)}: expected a regular file, found ${specialKind(st)}`, { path: src });
  copyFileSync(src, dest);
  const fd = openSync(dest, constants.O_RDONLY);
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** Copy a folder's regular files and folders; any other entry (symlink, FIFO, socket, device) is refused. */
function copyFolder(src: string, dest: string): void {
  mkdirSync(dest);
  for (const name of readdirSync(src)) {
    const from = path.join(src, name);
    const st = lstatSync(from);
    if (st.isDirectory()) copyFolder(from, path.join(dest, name));
    else if (st.isFile()) copyFileDurably(from, path.join(dest, name));
    else throw new ArbiterError('E_MODEL_FORMAT', `model folder entry ${name}: expected a regular file or folder, found ${specialKind(st)}`, { entry: name });
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* some file systems cannot fsync a folder: the rename is still atomic */ }
}

function toSubmission(r: Record<string, unknown>): SubmissionRecord {
  return {
    id: Number(r.id), benchmarkId: String(r.benchmark_id), participant: String(r.participant), sha256: String(r.sha256),
    kind: r.kind as 'onnx' | 'predictions', filename: String(r.filename), blobPath: String(r.blob_path), size: Number(r.size),
    submittedAt: String(r.submitted_at),
  };
}

function toRun(r: Record<string, unknown>): RunRecord {
  return {
    id: Number(r.id), benchmarkId: String(r.benchmark_id), specHash: String(r.spec_hash), datasetSha256: String(r.dataset_sha256),
    status: r.status as RunRecord['status'], reason: r.reason == null ? null : String(r.reason), workers: Number(r.workers), taskRows: r.task_rows == null ? null : Number(r.task_rows), startedAt: String(r.started_at),
    finishedAt: r.finished_at == null ? null : String(r.finished_at), resultJson: r.result_json == null ? null : String(r.result_json),
  };
}
