// Leases and the work queue, with real processes sharing one SQLite file (WAL) and kill -9.
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import {
  acquireLease, cancelQueue, claimNext, completeClaim, enqueue, ensureLeaseSchema, newHolderId, queueCounts,
  readLease, releaseClaim, releaseLease, renewClaim, renewLease,
} from '../../src/store/lease.ts';
import { ArbiterError } from '../../src/errors.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-lease-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The worker fixture and the lease code it imports, bundled once to plain JS (esbuild, the
// compiler tsx runs): each of the ~27 processes below then starts in ~0.2 s of CPU instead of
// ~0.7 s under tsx. better-sqlite3 stays external, found through a node_modules link beside it.
const WORKER = join(dir, 'lease-worker.mjs');
symlinkSync(realpathSync(fileURLToPath(new URL('../../node_modules', import.meta.url))), join(dir, 'node_modules'));
buildSync({ entryPoints: [fileURLToPath(new URL('./lease-worker.fixture.ts', import.meta.url))], outfile: WORKER, bundle: true, platform: 'node', format: 'esm', external: ['better-sqlite3'], logLevel: 'error' });

function openDb(name: string): Database.Database {
  const db = new Database(join(dir, name), { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  ensureLeaseSchema(db);
  db.exec('CREATE TABLE IF NOT EXISTS results (item TEXT NOT NULL, holder TEXT NOT NULL, attempt INTEGER NOT NULL, taken_over_from TEXT)');
  return db;
}

/** Start a worker process; resolves its first stdout line as JSON. */
function worker(dbName: string, mode: string, arg?: string): { child: ChildProcess; first: Promise<Record<string, unknown>>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [WORKER, join(dir, dbName), mode, ...(arg ? [arg] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  const first = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before printing`)));
  });
  first.catch(() => undefined);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, first, exit };
}

describe('queue drained by several processes', () => {
  it('three processes drain 60 items; every item is scored exactly once', async () => {
    const db = openDb('drain.db');
    const items = Array.from({ length: 60 }, (_, i) => `sub-${String(i).padStart(3, '0')}`);
    expect(enqueue(db, 'q', items)).toBe(60);
    expect(enqueue(db, 'q', items.slice(0, 5))).toBe(0); // idempotent
    const ws = [worker('drain.db', 'drain', '25'), worker('drain.db', 'drain', '25'), worker('drain.db', 'drain', '25')];
    const outs = await Promise.all(ws.map((w) => w.first));
    expect(await Promise.all(ws.map((w) => w.exit))).toEqual([0, 0, 0]);
    const rows = db.prepare('SELECT item, COUNT(*) AS n FROM results GROUP BY item ORDER BY item').all() as Array<{ item: string; n: number }>;
    expect(rows.map((r) => r.item)).toEqual(items);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(outs.reduce((s, o) => s + (o.done as number), 0)).toBe(60);
    expect(outs.filter((o) => (o.done as number) > 0).length).toBeGreaterThanOrEqual(2); // they really shared the work
    expect(queueCounts(db, 'q')).toEqual({ queued: 0, claimed: 0, done: 60, failed: 0, cancelled: 0 });
    db.close();
  });

  it('an item whose holder was killed -9 mid-item is taken over at once by the next process and scored once', async () => {
    const db = openDb('kill.db');
    enqueue(db, 'q', ['a', 'b', 'c']);
    const h = worker('kill.db', 'hold-item');
    const held = await h.first;
    expect(held.item).toBe('a');
    h.child.kill('SIGKILL');
    await h.exit;
    const d = worker('kill.db', 'drain', '1');
    await d.first;
    expect(await d.exit).toBe(0);
    const rows = db.prepare('SELECT item, attempt, taken_over_from FROM results ORDER BY item').all();
    expect(rows).toEqual([
      { item: 'a', attempt: 2, taken_over_from: held.holder },
      { item: 'b', attempt: 1, taken_over_from: null },
      { item: 'c', attempt: 1, taken_over_from: null },
    ]);
    db.close();
  });
});

describe('journal + claims under kill -9 at 20 seeded random points', () => {
  it('resumes to results identical to an uninterrupted run, no batch counted twice or lost', async () => {
    const items = ['s0', 's1', 's2', 's3'];
    const clean = openDb('journal-clean.db');
    enqueue(clean, 'q', items);
    const c = worker('journal-clean.db', 'journal', '2');
    await c.first;
    expect(await c.exit).toBe(0);

    const db = openDb('journal-killed.db');
    enqueue(db, 'q', items);
    const rand = mulberry32(20261129);
    let midWork = 0;
    for (let k = 0; k < 20; k++) {
      const w = worker('journal-killed.db', 'journal', '20');
      await w.first; // the process is up and has opened the database
      const exited = await Promise.race([w.exit.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10 + Math.floor(rand() * 90)))]);
      if (!exited) {
        midWork++;
        w.child.kill('SIGKILL');
        await w.exit;
      }
    }
    const last = worker('journal-killed.db', 'journal', '2');
    await last.first;
    expect(await last.exit).toBe(0);

    const q = 'SELECT item, final FROM finals ORDER BY item';
    const a = clean.prepare(q).all();
    const b = db.prepare(q).all();
    expect(b).toEqual(a); // byte-identical finals
    expect(a).toHaveLength(items.length);
    expect(db.prepare('SELECT COUNT(*) AS n FROM batch_states').get()).toEqual({ n: items.length * 15 });
    expect(queueCounts(db, 'q')).toMatchObject({ done: items.length, claimed: 0, queued: 0 });
    expect(midWork).toBeGreaterThanOrEqual(15); // the kills really landed mid-run
    const attempts = db.prepare('SELECT MAX(attempts) AS m FROM queue_items').get() as { m: number };
    expect(attempts.m).toBeGreaterThan(1); // items were taken over from killed holders
    clean.close();
    db.close();
  }, 300_000);
});

describe('run lease across processes', () => {
  it('refuses a second holder while the first lives, and hands over after kill -9', async () => {
    openDb('lease.db').close();
    const a = worker('lease.db', 'hold-lease');
    const held = await a.first;
    const b1 = worker('lease.db', 'try-lease');
    const refused = await b1.first;
    expect(refused).toMatchObject({ ok: false, code: 'E_LEASE' });
    expect(String(refused.message)).toContain(String(held.holder));
    a.child.kill('SIGKILL');
    await a.exit;
    const b2 = worker('lease.db', 'try-lease');
    const took = await b2.first;
    expect(took).toMatchObject({ ok: true, token: 2, takenOverFrom: held.holder });
    await b2.exit;
  });
});

describe('lease and claim rules (one process, explicit clock)', () => {
  it('takes over an expired lease from a live remote holder only after expiry; fencing stops the old holder', () => {
    const db = openDb('unit.db');
    const remote = 'other-host:1234:x';
    const l1 = acquireLease(db, 'run:9', remote, { ttlMs: 1000, now: 0 });
    const me = newHolderId();
    expect(() => acquireLease(db, 'run:9', me, { ttlMs: 1000, now: 999 })).toThrow(ArbiterError);
    const l2 = acquireLease(db, 'run:9', me, { ttlMs: 1000, now: 1000 });
    expect(l2).toMatchObject({ token: 2, takenOverFrom: remote });
    expect(() => renewLease(db, l1, { ttlMs: 1000, now: 1001 })).toThrow(/lost the lease on run:9/);
    expect(renewLease(db, l2, { ttlMs: 1000, now: 1500 }).expiresAt).toBe(2500);
    expect(releaseLease(db, l1)).toBe(false);
    expect(releaseLease(db, l2)).toBe(true);
    expect(readLease(db, 'run:9')).toBeNull();
    db.close();
  });

  it('a slow holder whose claim expired cannot complete it; the new holder can', () => {
    const db = openDb('unit2.db');
    enqueue(db, 'q2', ['x']);
    const slow = claimNext(db, 'q2', 'far:1:a', { ttlMs: 100, now: 0 })!;
    expect(claimNext(db, 'q2', 'far:2:b', { ttlMs: 100, now: 50 })).toBeNull();
    const fast = claimNext(db, 'q2', 'far:2:b', { ttlMs: 100, now: 100 })!;
    expect(fast).toMatchObject({ item: 'x', attempt: 2, takenOverFrom: 'far:1:a' });
    expect(() => completeClaim(db, slow, { state: 'done', reason: 'scored' })).toThrow(/lost the claim/);
    expect(() => renewClaim(db, slow, { ttlMs: 100, now: 120 })).toThrow(ArbiterError);
    completeClaim(db, fast, { state: 'failed', reason: 'failed:E_TIMEOUT' });
    expect(queueCounts(db, 'q2')).toMatchObject({ failed: 1, claimed: 0 });
    db.close();
  });

  it('an item abandoned maxAttempts times is failed, not handed out forever; cancel ends the rest', () => {
    const db = openDb('unit3.db');
    enqueue(db, 'q3', ['poison', 'ok', 'later']);
    let now = 0;
    for (let i = 0; i < 2; i++) {
      expect(claimNext(db, 'q3', `far:${i}:z`, { ttlMs: 10, now, maxAttempts: 2 })!.item).toBe('poison');
      now += 20;
    }
    const next = claimNext(db, 'q3', 'far:9:z', { ttlMs: 10, now, maxAttempts: 2 })!;
    expect(next.item).toBe('ok');
    const row = db.prepare(`SELECT state, reason FROM queue_items WHERE queue = 'q3' AND item = 'poison'`).get() as { state: string; reason: string };
    expect(row.state).toBe('failed');
    expect(row.reason).toMatch(/^failed:E_WORKER_CRASH/);
    expect(cancelQueue(db, 'q3', 'cancelled', now)).toBe(2);
    expect(queueCounts(db, 'q3')).toEqual({ queued: 0, claimed: 0, done: 0, failed: 1, cancelled: 2 });
    db.close();
  });

  it('a released claim is queued again at once, its attempt not counted; a stale token cannot release it', () => {
    const db = openDb('unit4.db');
    enqueue(db, 'q4', ['a', 'b']);
    const first = claimNext(db, 'q4', 'far:1:a', { ttlMs: 1000, now: 0 })!;
    expect(releaseClaim(db, first)).toBe(true);
    expect(releaseClaim(db, first)).toBe(false);
    expect(db.prepare(`SELECT state, holder, attempts FROM queue_items WHERE queue = 'q4' AND item = 'a'`).get()).toEqual({ state: 'queued', holder: null, attempts: 0 });
    // long before the first claim would have expired, another holder gets the same item, as attempt 1
    const again = claimNext(db, 'q4', 'far:2:b', { ttlMs: 1000, now: 10 })!;
    expect(again).toMatchObject({ item: 'a', attempt: 1, takenOverFrom: null });
    expect(() => completeClaim(db, first, { state: 'done', reason: 'scored' })).toThrow(/lost the claim/);
    expect(releaseClaim(db, first)).toBe(false);
    completeClaim(db, again, { state: 'done', reason: 'scored' });
    expect(queueCounts(db, 'q4')).toMatchObject({ queued: 1, done: 1 });
    db.close();
  });
});
