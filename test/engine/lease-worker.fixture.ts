// A real `arbiter work`-like process for the lease tests: drains a queue from a shared SQLite
// file, or holds a claim / a run lease until it is killed. argv: <db> <mode> [args...]
import Database from 'better-sqlite3';
import { acquireLease, claimNext, completeClaim, ensureLeaseSchema, newHolderId, queueCounts, startHeartbeat } from '../../src/engine/lease.ts';

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
