// Migration 4 on a real store file written by the version-2 schema: runs keep their ids, data
// and references; a failed run's error becomes its reason; the status 'cancelled' and the lease
// and queue tables exist; foreign keys still hold; new runs continue the id sequence.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { Store } from '../../src/store/store.ts';
import { LEASE_SCHEMA_SQL } from '../../src/store/lease.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-migrate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A store as arbiter wrote it before leases: migrations 1 and 2, two runs with members, journal, outcomes, entries and scores. */
function v2Store(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  for (const m of MIGRATIONS.slice(0, 2)) db.exec(m as string);
  db.pragma('user_version = 2');
  db.exec(`
    INSERT INTO submissions (benchmark_id, participant, sha256, kind, filename, blob_path, size, submitted_at) VALUES ('b', 'alice', 'aa', 'onnx', 'a.onnx', '/x/aa.onnx', 10, 't0');
    INSERT INTO runs (benchmark_id, spec_hash, dataset_sha256, fingerprint_json, workers, status, started_at, finished_at, result_json, task_rows)
      VALUES ('b', 'h', 'd', '{}', 2, 'finished', 't1', 't2', '{"rows":[]}', 256), ('b', 'h', 'd', '{}', 1, 'failed', 't3', 't4', '{"error":"disk full"}', 256);
    INSERT INTO run_members VALUES (1, 1, 0), (2, 1, 0);
    INSERT INTO journal VALUES (1, 1, 0, 3000, '{}');
    INSERT INTO outcomes VALUES (1, 1, '{"public":{"acc":0.5}}', NULL, NULL);
    INSERT INTO run_entries VALUES (1, 1, 'scored', 1, NULL, NULL);
    INSERT INTO scores VALUES (1, 1, 'public', 'acc', 0.5);`);
  db.close();
}

describe('migration 4: run states, leases, queue', () => {
  it('upgrades a version-2 store in place and keeps every row and reference', () => {
    const file = path.join(tmp, 'v2.db');
    v2Store(file);
    const s = Store.open(file);
    try {
      expect(s.schemaVersion()).toBe(MIGRATIONS.length);
      expect(s.run(1)).toMatchObject({ id: 1, status: 'finished', reason: null, taskRows: 256, resultJson: '{"rows":[]}', finishedAt: 't2' });
      expect(s.run(2)).toMatchObject({ id: 2, status: 'failed', reason: 'disk full' });
      expect(s.journal(1, 1)).toEqual([{ chunkIndex: 0, rows: 3000, statesJson: '{}' }]);
      expect(s.scores(1)).toEqual([{ submissionId: 1, split: 'public', metric: 'acc', value: 0.5 }]);
      expect(s.db.pragma('foreign_key_check')).toEqual([]);
      // references still point at runs: a journal row of an unknown run is refused
      expect(() => s.journalChunk(99, 1, 0, 1, '{}')).toThrow(/FOREIGN KEY/);
      // cancelled is a state now, with its reason; a resume reopens it
      s.cancelRun(2, 'cancelled: SIGTERM received');
      expect(s.run(2)).toMatchObject({ status: 'cancelled', reason: 'cancelled: SIGTERM received' });
      s.reopenRun(2);
      expect(s.run(2)).toMatchObject({ status: 'running', reason: null, finishedAt: null });
      // a finished run is never reopened or cancelled
      s.cancelRun(1, 'x');
      s.reopenRun(1);
      expect(s.run(1)!.status).toBe('finished');
      // new runs continue the id sequence
      const id = s.createRun({ benchmarkId: 'b', specHash: 'h', datasetSha256: 'd', fingerprintJson: '{}', workers: 1, taskRows: 256, members: [1] });
      expect(id).toBe(3);
      expect(s.runs('b').map((r) => r.id)).toEqual([3, 2, 1]);
      // the lease and queue tables are those of src/store/lease.ts
      const cols = (t: string) => (s.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(t) as Array<{ name: string }>).map((c) => c.name);
      const fresh = new Database(':memory:');
      fresh.exec(LEASE_SCHEMA_SQL);
      for (const t of ['leases', 'queue_items']) expect(cols(t)).toEqual((fresh.prepare(`SELECT name FROM pragma_table_info(?)`).all(t) as Array<{ name: string }>).map((c) => c.name));
      fresh.close();
    } finally {
      s.close();
    }
  });

  it('a status outside the four states is still refused', () => {
    const file = path.join(tmp, 'fresh.db');
    const s = Store.open(file);
    try {
      expect(() => s.db.prepare(`INSERT INTO runs (benchmark_id, spec_hash, dataset_sha256, fingerprint_json, workers, status, started_at) VALUES ('b', 'h', 'd', '{}', 1, 'paused', 't')`).run()).toThrow(/CHECK/);
    } finally {
      s.close();
    }
  });
});
