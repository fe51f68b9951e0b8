// The SQLite store on real files: migrations and schema version, idempotent reopen, refusal of
// newer or foreign files, idempotent submission registration with content-addressed blobs, and
// runs, entries and scores round-tripping bit for bit.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { Store } from '../../src/store/store.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const dbFile = () => path.join(tmp, `db-${n++}`, 'arbiter.db');
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function storeError(file: string): ArbiterError {
  try {
    Store.open(file).close();
  } catch (err) {
    expect(err).toBeInstanceOf(ArbiterError);
    expect((err as ArbiterError).code).toBe('E_STORE');
    return err as ArbiterError;
  }
  return expect.unreachable('the store opened') as never;
}

function tables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    db.close();
  }
}

function submissionFile(name: string, content: string): { path: string; sha256: string; size: number } {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return { path: p, sha256: sha(content), size: Buffer.byteLength(content) };
}

describe('opening and migrations', () => {
  it('a fresh file gets every migration: schema version = MIGRATIONS.length, WAL mode, the tables', () => {
    const file = dbFile();
    const s = Store.open(file);
    expect(s.schemaVersion()).toBe(MIGRATIONS.length);
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(1);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(s.blobDir).toBe(path.join(path.dirname(file), 'blobs'));
    s.close();
    expect(tables(file)).toEqual(['benchmarks', 'fl_federations', 'fl_partials', 'fl_rounds', 'journal', 'leases', 'model_facts', 'outcomes', 'prediction_fingerprints', 'queue_items', 'releases', 'run_entries', 'run_members', 'runs', 'scores', 'submissions']);
  });

  it('reopening is idempotent and keeps the data', () => {
    const file = dbFile();
    const a = Store.open(file);
    a.upsertBenchmark('bench', 1, 'h1', '{}');
    const sub = submissionFile('keep.onnx', 'model bytes');
    a.registerSubmission({ benchmarkId: 'bench', participant: 'p', sha256: sub.sha256, kind: 'onnx', sourcePath: sub.path, size: sub.size });
    a.close();
    for (let i = 0; i < 3; i++) {
      const b = Store.open(file);
      expect(b.schemaVersion()).toBe(MIGRATIONS.length);
      expect(b.submissions('bench').map((s) => s.participant)).toEqual(['p']);
      b.close();
    }
  });

  it('a store from a newer arbiter (higher user_version) is refused with E_STORE', () => {
    const file = dbFile();
    Store.open(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    const e = storeError(file);
    expect(e.message).toBe(`${file} has schema version ${MIGRATIONS.length + 1}; this arbiter knows up to ${MIGRATIONS.length}. Upgrade arbiter.`);
    expect(e.details).toEqual({ file });
  });

  it('a file that is not SQLite is refused with E_STORE', () => {
    const file = path.join(tmp, 'not-a-db.db');
    writeFileSync(file, 'this is plain text, not a database file, padded to look large enough. '.repeat(20));
    const e = storeError(file);
    expect(e.message).toMatch(/^cannot open the store .*not-a-db\.db: file is not a database$/);
  });

  it('a path whose parent is a file is refused with E_STORE', () => {
    const parent = path.join(tmp, 'a-file');
    writeFileSync(parent, 'x');
    const e = storeError(path.join(parent, 'arbiter.db'));
    expect(e.message).toMatch(/^cannot open the store /);
  });
});

describe('benchmarks and submissions', () => {
  it('upsertBenchmark is idempotent per (id, spec hash)', () => {
    const s = Store.open(dbFile());
    s.upsertBenchmark('b', 1, 'hash-a', '{"v":1}');
    s.upsertBenchmark('b', 1, 'hash-a', '{"v":"changed"}');
    s.upsertBenchmark('b', 2, 'hash-b', '{"v":2}');
    const rows = s.db.prepare('SELECT id, version, spec_hash, spec_json FROM benchmarks ORDER BY spec_hash').all();
    expect(rows).toEqual([
      { id: 'b', version: 1, spec_hash: 'hash-a', spec_json: '{"v":1}' },
      { id: 'b', version: 2, spec_hash: 'hash-b', spec_json: '{"v":2}' },
    ]);
    s.close();
  });

  it('registration is idempotent for the same (benchmark, participant, bytes) and copies the blob', () => {
    const file = dbFile();
    const s = Store.open(file);
    const sub = submissionFile('Model.ONNX', 'onnx bytes v1');
    const args = { benchmarkId: 'b', participant: 'alice', sha256: sub.sha256, kind: 'onnx' as const, sourcePath: sub.path, size: sub.size };
    const first = s.registerSubmission(args);
    expect(first).toMatchObject({ id: 1, benchmarkId: 'b', participant: 'alice', sha256: sub.sha256, kind: 'onnx', filename: 'Model.ONNX', size: sub.size });
    expect(first.blobPath).toBe(path.join(path.dirname(file), 'blobs', `${sub.sha256}.onnx`));
    expect(readFileSync(first.blobPath, 'utf8')).toBe('onnx bytes v1');
    expect(first.submittedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // the blob is a copy: changing the source afterwards changes nothing
    writeFileSync(sub.path, 'tampered');
    expect(readFileSync(first.blobPath, 'utf8')).toBe('onnx bytes v1');
    const again = s.registerSubmission(args);
    expect(again).toEqual(first);
    expect(s.submissions('b')).toHaveLength(1);
    s.close();
  });

  it('same bytes from another participant or for another benchmark are new submissions sharing one blob', () => {
    const s = Store.open(dbFile());
    const sub = submissionFile('same.csv', 'id,prediction\n1,0\n');
    const reg = (benchmarkId: string, participant: string) => s.registerSubmission({ benchmarkId, participant, sha256: sub.sha256, kind: 'predictions', sourcePath: sub.path, size: sub.size });
    const a = reg('b', 'alice');
    const b = reg('b', 'bob');
    const c = reg('other', 'alice');
    expect([a.id, b.id, c.id]).toEqual([1, 2, 3]);
    expect(new Set([a.blobPath, b.blobPath, c.blobPath]).size).toBe(1);
    expect(s.submissions('b').map((x) => x.participant)).toEqual(['alice', 'bob']);
    expect(s.submissions('other').map((x) => x.id)).toEqual([3]);
    expect(s.submissions('nope')).toEqual([]);
    expect(s.submission(2)).toEqual(b);
    expect(s.submission(99)).toBeUndefined();
    s.close();
  });

  it('submissions come back in registration order (the order "earliest" uses)', () => {
    const s = Store.open(dbFile());
    const names = ['zed', 'amy', 'mo', 'bea'];
    for (const p of names) {
      const f = submissionFile(`${p}.onnx`, `bytes of ${p}`);
      s.registerSubmission({ benchmarkId: 'b', participant: p, sha256: f.sha256, kind: 'onnx', sourcePath: f.path, size: f.size });
    }
    expect(s.submissions('b').map((x) => x.participant)).toEqual(names);
    s.close();
  });

  it('the kind column only takes onnx or predictions', () => {
    const s = Store.open(dbFile());
    const f = submissionFile('k.bin', 'x');
    expect(() => s.registerSubmission({ benchmarkId: 'b', participant: 'p', sha256: f.sha256, kind: 'zip' as never, sourcePath: f.path, size: 1 })).toThrow(/CHECK constraint failed/);
    s.close();
  });
});

describe('runs', () => {
  it('create, finish with entries and scores, read back bit for bit', () => {
    const file = dbFile();
    const s = Store.open(file);
    const subs = ['a', 'b', 'c'].map((p) => {
      const f = submissionFile(`${p}-run.onnx`, `run bytes ${p}`);
      return s.registerSubmission({ benchmarkId: 'bench', participant: p, sha256: f.sha256, kind: 'onnx', sourcePath: f.path, size: f.size });
    });
    const runId = s.createRun({ benchmarkId: 'bench', specHash: 'spec-h', datasetSha256: 'data-h', fingerprintJson: '{"engine":"x"}', workers: 2, taskRows: 256, members: subs.map((x) => x.id) });
    const running = s.run(runId)!;
    expect(running).toMatchObject({ id: runId, benchmarkId: 'bench', specHash: 'spec-h', datasetSha256: 'data-h', status: 'running', workers: 2, finishedAt: null, resultJson: null });
    expect(s.latestFinishedRun('bench')).toBeUndefined();

    const awkward = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -2.5, 0];
    s.finishRun(runId, [
      { submissionId: subs[0]!.id, status: 'scored', rank: 1, error: null, splitScores: { public: { acc: awkward[0]!, ll: awkward[1]! }, private: { acc: awkward[2]!, ll: awkward[3]! } } },
      { submissionId: subs[1]!.id, status: 'scored', rank: 2, error: null, splitScores: { public: { acc: awkward[4]!, ll: awkward[5]! }, private: { acc: 0.5, ll: 0.25 } } },
      { submissionId: subs[2]!.id, status: 'failed', rank: null, error: { code: 'E_MODEL_FORMAT', message: 'not onnx' }, splitScores: {} },
    ], '{"rows":[]}');
    const done = s.run(runId)!;
    expect(done.status).toBe('finished');
    expect(done.resultJson).toBe('{"rows":[]}');
    expect(done.finishedAt).not.toBeNull();
    expect(s.latestFinishedRun('bench')!.id).toBe(runId);

    const scores = s.scores(runId);
    expect(scores).toHaveLength(8);
    const get = (sub: number, split: string, metric: string) => scores.find((x) => x.submissionId === sub && x.split === split && x.metric === metric)!.value;
    expect(Object.is(get(subs[0]!.id, 'public', 'acc'), awkward[0])).toBe(true);
    expect(Object.is(get(subs[0]!.id, 'public', 'll'), awkward[1])).toBe(true);
    expect(Object.is(get(subs[0]!.id, 'private', 'acc'), awkward[2])).toBe(true);
    expect(Object.is(get(subs[0]!.id, 'private', 'll'), awkward[3])).toBe(true);
    expect(get(subs[1]!.id, 'public', 'acc')).toBe(-2.5);
    // ordered by submission, split, metric
    expect(scores.map((x) => `${x.submissionId}/${x.split}/${x.metric}`)).toEqual([
      '1/private/acc', '1/private/ll', '1/public/acc', '1/public/ll', '2/private/acc', '2/private/ll', '2/public/acc', '2/public/ll',
    ]);
    const entries = s.db.prepare('SELECT submission_id, status, rank, error_code, error_message FROM run_entries WHERE run_id = ? ORDER BY submission_id').all(runId);
    expect(entries).toEqual([
      { submission_id: 1, status: 'scored', rank: 1, error_code: null, error_message: null },
      { submission_id: 2, status: 'scored', rank: 2, error_code: null, error_message: null },
      { submission_id: 3, status: 'failed', rank: null, error_code: 'E_MODEL_FORMAT', error_message: 'not onnx' },
    ]);
    s.close();
    // and after reopening
    const again = Store.open(file);
    expect(again.scores(runId)).toEqual(scores);
    expect(again.run(runId)).toEqual(done);
    again.close();
  });

  it('finishRun is all or nothing: a bad entry leaves the run running with no entries', () => {
    const s = Store.open(dbFile());
    const runId = s.createRun({ benchmarkId: 'b', specHash: 'h', datasetSha256: 'd', fingerprintJson: '{}', workers: 1, taskRows: 256, members: [] });
    expect(() => s.finishRun(runId, [{ submissionId: 42, status: 'scored', rank: 1, error: null, splitScores: {} }], '{}')).toThrow(/FOREIGN KEY/);
    expect(s.run(runId)!.status).toBe('running');
    expect(s.db.prepare('SELECT count(*) AS n FROM run_entries').get()).toEqual({ n: 0 });
    s.close();
  });

  it('failRun records the error; latestFinishedRun skips failed and running runs', () => {
    const s = Store.open(dbFile());
    const mk = () => s.createRun({ benchmarkId: 'b', specHash: 'h', datasetSha256: 'd', fingerprintJson: '{}', workers: 1, taskRows: 256, members: [] });
    const r1 = mk();
    s.finishRun(r1, [], '{"n":1}');
    const r2 = mk();
    s.failRun(r2, 'disk full');
    mk(); // still running
    expect(s.run(r2)).toMatchObject({ status: 'failed', resultJson: '{"error":"disk full"}' });
    expect(s.latestFinishedRun('b')!.id).toBe(r1);
    expect(s.latestFinishedRun('other')).toBeUndefined();
    expect(s.run(999)).toBeUndefined();
    s.close();
  });
});

describe('blob directory', () => {
  it('is created next to the database file on first registration', () => {
    const file = dbFile();
    const s = Store.open(file);
    expect(existsSync(path.join(path.dirname(file), 'blobs'))).toBe(false);
    const f = submissionFile('noext', 'bytes');
    const rec = s.registerSubmission({ benchmarkId: 'b', participant: 'p', sha256: f.sha256, kind: 'onnx', sourcePath: f.path, size: f.size });
    expect(rec.blobPath).toBe(path.join(path.dirname(file), 'blobs', f.sha256));
    expect(readFileSync(rec.blobPath, 'utf8')).toBe('bytes');
    s.close();
  });
});
