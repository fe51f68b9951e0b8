// A real `arbiter work`-like process for the lease tests: drains a queue from a shared SQLite
// file, or holds a claim / a run lease until it is killed. argv: <db> <mode> [args...]
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { acquireLease, claimNext, completeClaim, ensureLeaseSchema, newHolderId, queueCounts, renewClaim, startHeartbeat } from '../../src/store/lease.ts';

const [dbPath, mode, arg] = process.argv.slice(2) as [string, string, string | undefined];
const db = new Database(dbPath, { timeout: 10_000 });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
ensureLeaseSchema(db);
db.exec('CREATE TABLE IF NOT EXISTS results (item TEXT NOT NULL, holder TEXT NOT NULL, attempt INTEGER NOT NULL, taken_over_from TEXT)');
const holder = newHolderId();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

if (mode === 'drain') {
  const workMs = Number(arg ?? 10);
  let done = 0;
  for (;;) {
    const claim = claimNext(db, 'q', holder, { ttlMs: 5_000 });
    if (!claim) {
      if (queueCounts(db, 'q').claimed === 0) break;
      await sleep(20);
      continue;
    }
    await sleep(workMs); // "scoring"
    db.transaction(() => {
      db.prepare('INSERT INTO results VALUES (?, ?, ?, ?)').run(claim.item, holder, claim.attempt, claim.takenOverFrom);
      completeClaim(db, claim, { state: 'done', reason: 'scored' });
    }).immediate();
    done++;
  }
  say({ holder, done });
} else if (mode === 'journal') {
  // The journal pattern the engine uses: a batch's state and its "done" mark are one row written
  // in one transaction (with a claim check), the item's result and completion are another.
  db.exec('CREATE TABLE IF NOT EXISTS batch_states (item TEXT NOT NULL, batch INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (item, batch))');
  db.exec('CREATE TABLE IF NOT EXISTS finals (item TEXT PRIMARY KEY, final TEXT NOT NULL)');
  const BATCHES = 15;
  say({ holder, started: true });
  for (;;) {
    // Operator kills are not the submission's fault: do not let them mark it as poison.
    let claim = claimNext(db, 'q', holder, { ttlMs: 60_000, maxAttempts: 1000 });
    if (!claim) break;
    const done = new Set((db.prepare('SELECT batch FROM batch_states WHERE item = ?').all(claim.item) as Array<{ batch: number }>).map((r) => r.batch));
    for (let b = 0; b < BATCHES; b++) {
      if (done.has(b)) continue;
      await sleep(Number(arg ?? 20)); // "inference"
      const h = createHash('sha256').update(`${claim.item}#${b}`).digest();
      const state = { n: 1 + (h[0]! % 7), sum: h.readUInt32BE(1) / 2 ** 32, batches: [b] };
      const c = claim;
      db.transaction(() => {
        claim = renewClaim(db, c, { ttlMs: 60_000 });
        db.prepare('INSERT INTO batch_states VALUES (?, ?, ?)').run(c.item, b, JSON.stringify(state)); // plain INSERT: a repeat would throw
      }).immediate();
    }
    const states = (db.prepare('SELECT state FROM batch_states WHERE item = ? ORDER BY batch').all(claim.item) as Array<{ state: string }>).map((r) => JSON.parse(r.state) as { n: number; sum: number; batches: number[] });
    const final = states.reduce((a, s) => ({ n: a.n + s.n, sum: a.sum + s.sum, batches: [...a.batches, ...s.batches] }));
    const c = claim;
    db.transaction(() => {
      db.prepare('INSERT INTO finals VALUES (?, ?)').run(c.item, JSON.stringify(final)); // a second final would throw
      completeClaim(db, c, { state: 'done', reason: 'scored' });
    }).immediate();
  }
  say({ holder, finished: true });
} else if (mode === 'hold-item') {
  const claim = claimNext(db, 'q', holder, { ttlMs: 600_000 });
  say({ holder, item: claim?.item });
  await sleep(600_000);
} else if (mode === 'hold-lease') {
  const lease = acquireLease(db, 'run:1', holder, { ttlMs: 600_000 });
  startHeartbeat(db, lease, { ttlMs: 600_000, intervalMs: 50, onLost: () => process.exit(3) });
  say({ holder, token: lease.token });
  await sleep(600_000);
} else if (mode === 'try-lease') {
  try {
    const lease = acquireLease(db, 'run:1', holder, { ttlMs: 600_000 });
    say({ ok: true, holder, token: lease.token, takenOverFrom: lease.takenOverFrom });
  } catch (e) {
    say({ ok: false, code: (e as { code?: string }).code, message: (e as Error).message });
  }
}
db.close();
