// Store failures are E_STORE (exit 3), never E_INTERNAL: a store file without write permission
// (read commands still work; tests run as root, so the mode bits decide, see Store.open), a page
// overwritten with garbage (read commands run PRAGMA quick_check first), and a full disk
// (simulated with PRAGMA max_page_count on the scoring connection): the run is left resumable and
// its resume gives the same rows as an uninterrupted run.
import { chmodSync, copyFileSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score, scoreWithStore } from '../../src/run/index.ts';
import { ERROR_CODES, toErrorData } from '../../src/errors.ts';
import { loadBenchmark } from '../../src/benchmark/loader.ts';
import { Store } from '../../src/store/store.ts';
import { writeHiddenBench } from '../run/fixtures/hidden-bench.ts';
import { tempDir } from '../helpers.ts';
import { cliInProcess } from './cli-in-process.ts';

const ROWS = 2000;
const IDS = Array.from({ length: ROWS }, (_, i) => i * 3 + 2);
const csv = (k: number) => ['id,p0,p1,p2', ...IDS.map((id, i) => `${id},${[0.2 + k / 50, 0.5 - k / 50, 0.3].map((p, j) => (j === (i * (k + 1)) % 3 ? p + 0.1 : p - 0.05)).join(',')}`)].join('\n') + '\n';

async function benchWithRun(prefix: string) {
  const dir = tempDir(prefix);
  await writeHiddenBench(dir, { rows: ROWS });
  const subs = [0, 1, 2].map((k) => { const f = path.join(dir, `p${k}.csv`); writeFileSync(f, csv(k)); return f; });
  const db = path.join(dir, 's.db');
  const result = await score({ benchmark: dir, submissions: subs, workers: 1, db, taskRows: 256 });
  return { dir, db, subs, result };
}

describe('store failures', () => {
  it('a read-only store file: leaderboard, runs and report work; score is E_STORE (exit 3) and writes nothing', async () => {
    const { dir, db, subs, result } = await benchWithRun('arbiter-hostile-rostore-');
    chmodSync(db, 0o444);
    try {
      const lb = await cliInProcess(['leaderboard', '-b', dir, '--db', db, '--json']);
      expect(lb.code).toBe(0);
      expect(JSON.parse(lb.stdout).rows).toEqual(result.rows);
      expect((await cliInProcess(['runs', '--db', db])).code).toBe(0);
      expect((await cliInProcess(['report', String(result.run.id), '--db', db, '--html', path.join(dir, 'r.html')])).code).toBe(0);
      const sc = await cliInProcess(['score', '-b', dir, '-s', subs[0]!, '--db', db]);
      expect(sc.code).toBe(3);
      expect(sc.stderr).toMatch(/^arbiter: E_STORE: the store .* is read-only/);
    } finally {
      chmodSync(db, 0o644);
    }
    const store = Store.open(db);
    expect(store.runs().map((r) => r.status)).toEqual(['finished']);
    store.close();
  }, 60_000);

  it('a page overwritten with garbage: leaderboard and runs are E_STORE (exit 3), not garbage', async () => {
    const { dir, db } = await benchWithRun('arbiter-hostile-corrupt-');
    const bad = path.join(dir, 'bad.db');
    copyFileSync(db, bad);
    const fd = openSync(bad, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096 * 3); // page 4
    closeSync(fd);
    for (const args of [['leaderboard', '-b', dir, '--db', bad], ['runs', '--db', bad]]) {
      const r = await cliInProcess(args);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^arbiter: E_STORE: /);
      expect(r.stderr).not.toContain('E_INTERNAL');
    }
  }, 60_000);

  it('a full disk (max_page_count) mid-run is E_STORE (exit 3); after space is freed the resume gives the uninterrupted rows', async () => {
    const { dir, subs, result: reference } = await benchWithRun('arbiter-hostile-full-');
    const db = path.join(dir, 'full.db');
    const b = loadBenchmark(dir);
    let store = Store.open(db);
    // register first (as `arbiter submit` would), then allow no new page: the run row fits in free
    // space of existing pages, its journal does not
    for (const f of subs) store.registerSubmission({ benchmarkId: b.spec.id, participant: path.basename(f, '.csv'), sha256: (await import('../../src/data/file-hash.ts')).sha256FileSync(f).sha256, kind: 'predictions', sourcePath: f, size: 0 });
    store.upsertBenchmark(b.spec.id, b.spec.version, b.specHash, (await import('../../src/benchmark/canonical.ts')).canonicalJson(b.spec));
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    let error: unknown;
    try { await scoreWithStore(b, store, { benchmark: dir, workers: 1, taskRows: 256 }); } catch (err) { error = err; }
    const data = toErrorData(error);
    expect(data.code).toBe('E_STORE');
    expect(data.message).toMatch(/SQLITE_FULL|full/);
    expect(ERROR_CODES[data.code].exit).toBe(3);
    store.close();
    store = Store.open(db);
    const run = store.runs()[0]!;
    expect(['failed', 'running']).toContain(run.status);
    store.close();
    const resumed = await score({ benchmark: dir, resume: run.id, workers: 1, db });
    expect(resumed.rows).toEqual(reference.rows);
  }, 90_000);
});
