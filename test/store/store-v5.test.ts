// Store migration 5 (issue 7): journaled prediction fingerprints and the recorded release of a
// final hidden set, on a real SQLite file.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { tempDir } from '../helpers.ts';

function runWithMember(store: Store): { runId: number; subId: number } {
  store.db.prepare(`INSERT INTO submissions (benchmark_id, participant, sha256, kind, filename, blob_path, size, submitted_at) VALUES ('b', 'p', 'x', 'onnx', 'f', '/f', 1, 't')`).run();
  const subId = Number((store.db.prepare(`SELECT id FROM submissions`).get() as { id: number }).id);
  const runId = store.createRun({ benchmarkId: 'b', specHash: 'h', datasetSha256: 'd', fingerprintJson: '{}', workers: 1, taskRows: 4, members: [subId] });
  return { runId, subId };
}

describe('store v5', () => {
  it('is migration 5 of the list, and a fresh store is at the last version', () => {
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(5);
    const s = Store.open(path.join(tempDir(), 'a.db'));
    expect(s.schemaVersion()).toBe(MIGRATIONS.length);
    s.close();
  });

  it('keeps per-chunk fingerprints in chunk order, whatever order they were written in, across reopening', () => {
    const file = path.join(tempDir(), 'f.db');
    let s = Store.open(file);
    const { runId, subId } = runWithMember(s);
    expect(s.fingerprint(runId, subId)).toBeNull();
    s.journalFingerprint(runId, subId, 1, Uint32Array.of(7, 8));
    s.journalFingerprint(runId, subId, 0, Uint32Array.of(0xffffffff, 1, 2));
    // a re-run chunk replaces its row with the same bytes
    s.journalFingerprint(runId, subId, 1, Uint32Array.of(7, 8));
    s.close();
    s = Store.open(file);
    expect(Array.from(s.fingerprint(runId, subId)!)).toEqual([0xffffffff, 1, 2, 7, 8]);
    s.close();
  });

  it('records a release once (idempotent) and per benchmark', () => {
    const s = Store.open(path.join(tempDir(), 'r.db'));
    expect(s.isReleased('demo')).toBe(false);
    s.recordRelease('demo');
    s.recordRelease('demo');
    expect([s.isReleased('demo'), s.isReleased('other')]).toEqual([true, false]);
    expect((s.db.prepare(`SELECT COUNT(*) AS n FROM releases`).get() as { n: number }).n).toBe(1);
    s.close();
  });
});
