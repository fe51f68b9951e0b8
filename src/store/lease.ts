// Leases and a work queue in SQLite, so that a run is never held forever by a dead process and
// several `arbiter work` processes sharing one database file can drain a queue without scoring
// anything twice.
// - A lease names a resource (e.g. `run:42`), a holder and a fencing token. The holder renews it
//   (heartbeat) before it expires. Another process may take it over once it has expired, or at
//   once when the holder is a process on this host that no longer exists (kill -9, then resume).
// - A queue item is claimed under the same rules (claimNext), in a BEGIN IMMEDIATE transaction,
//   so two processes can never claim the same live item. Completing a claim checks the token:
//   a slow holder whose claim was taken over cannot record a result. Write the item's results in
//   the same transaction as completeClaim and each item is recorded exactly once.
// Wall-clock time here only decides who may work; it never feeds a score.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ArbiterError } from '../errors.ts';

type DB = Database.Database;

/** The tables, idempotent (`IF NOT EXISTS`): run it as one migration step or at open. */
export const LEASE_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS leases (
  resource     TEXT    PRIMARY KEY,          -- what is held, e.g. 'run:42'
  holder       TEXT    NOT NULL,             -- '<host>:<pid>:<uuid>' of the holding process
  token        INTEGER NOT NULL,             -- fencing token: +1 on every acquire or takeover
  acquired_at  INTEGER NOT NULL,             -- ms since epoch
  heartbeat_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS queue_items (
  queue        TEXT    NOT NULL,             -- e.g. 'run:42'
  item         TEXT    NOT NULL,             -- e.g. a submission sha256
  seq          INTEGER NOT NULL,             -- claim order (the order items were enqueued)
  state        TEXT    NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued', 'claimed', 'done', 'failed', 'cancelled')),
  holder       TEXT,
  token        INTEGER NOT NULL DEFAULT 0,
  attempts     INTEGER NOT NULL DEFAULT 0,   -- claims so far (a takeover is a new attempt)
  claimed_at   INTEGER,
  expires_at   INTEGER,
  finished_at  INTEGER,
  reason       TEXT,                         -- 'scored', 'failed:E_TIMEOUT', 'cancelled', ...
  PRIMARY KEY (queue, item)
) STRICT;
CREATE INDEX IF NOT EXISTS queue_items_claim ON queue_items (queue, state, seq);
`;

export function ensureLeaseSchema(db: DB): void {
  db.exec(LEASE_SCHEMA_SQL);
}

/** A holder id for this process: host, pid (for the local liveness check) and a unique suffix. */
export function newHolderId(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

/**
 * Is the holder certainly dead? Only decidable for a holder on this host: its pid no longer
 * exists. (A recycled pid makes us wait for expiry instead, which is safe.)
 */
export function holderIsLocallyDead(holder: string): boolean {
  const parts = holder.split(':');
  if (parts.length < 3) return false;
  const host = parts.slice(0, -2).join(':');
  const pid = Number(parts[parts.length - 2]);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface LeaseOptions {
  /** how long a lease lives without a heartbeat (ms) */
  ttlMs: number;
  /** the clock, ms since epoch (tests pass their own) */
  now?: number;
}

export interface Lease {
  resource: string;
  holder: string;
  token: number;
  expiresAt: number;
  /** the holder this lease was taken from (dead or expired), or null for a fresh lease */
  takenOverFrom: string | null;
}

interface LeaseRow { resource: string; holder: string; token: number; acquired_at: number; heartbeat_at: number; expires_at: number }

export function readLease(db: DB, resource: string): Lease | null {
  const row = db.prepare('SELECT * FROM leases WHERE resource = ?').get(resource) as LeaseRow | undefined;
  return row ? { resource, holder: row.holder, token: row.token, expiresAt: row.expires_at, takenOverFrom: null } : null;
}

function checkTtl(ttlMs: number): void {
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new ArbiterError('E_USAGE', `lease ttlMs must be a positive number of ms, found ${ttlMs}`);
}

/**
 * Take the lease on `resource`: free, expired, held by a dead local process, or already ours
 * (re-entry). Throws E_LEASE while another live holder has it.
 */
export function acquireLease(db: DB, resource: string, holder: string, opts: LeaseOptions): Lease {
  checkTtl(opts.ttlMs);
  const tx = db.transaction((): Lease => {
    const now = opts.now ?? Date.now();
    const row = db.prepare('SELECT * FROM leases WHERE resource = ?').get(resource) as LeaseRow | undefined;
    const expiresAt = now + opts.ttlMs;
    if (!row) {
      db.prepare('INSERT INTO leases (resource, holder, token, acquired_at, heartbeat_at, expires_at) VALUES (?, ?, 1, ?, ?, ?)')
        .run(resource, holder, now, now, expiresAt);
      return { resource, holder, token: 1, expiresAt, takenOverFrom: null };
    }
    const ours = row.holder === holder;
    if (!ours && row.expires_at > now && !holderIsLocallyDead(row.holder)) {
      throw new ArbiterError('E_LEASE', `${resource} is held by ${row.holder}: expected a free or expired lease, found one that expires in ${row.expires_at - now} ms`, { resource, holder: row.holder, expiresAt: row.expires_at });
    }
    const token = row.token + 1;
    db.prepare('UPDATE leases SET holder = ?, token = ?, acquired_at = ?, heartbeat_at = ?, expires_at = ? WHERE resource = ?')
      .run(holder, token, now, now, expiresAt, resource);
    return { resource, holder, token, expiresAt, takenOverFrom: ours ? null : row.holder };
  });
  return tx.immediate();
}

/** Renew a lease we hold. Throws E_LEASE if it was taken over (our token is stale). */
export function renewLease(db: DB, lease: Lease, opts: LeaseOptions): Lease {
  checkTtl(opts.ttlMs);
  const now = opts.now ?? Date.now();
  const expiresAt = now + opts.ttlMs;
  const r = db.prepare('UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE resource = ? AND holder = ? AND token = ?')
    .run(now, expiresAt, lease.resource, lease.holder, lease.token);
  if (r.changes !== 1) {
    const cur = readLease(db, lease.resource);
    throw new ArbiterError('E_LEASE', `lost the lease on ${lease.resource}: expected holder ${lease.holder} token ${lease.token}, found ${cur ? `${cur.holder} token ${cur.token}` : 'no lease'}`, { resource: lease.resource });
  }
  return { ...lease, expiresAt };
}

/** Give the lease up (if still ours). Returns whether it was ours. */
export function releaseLease(db: DB, lease: Lease): boolean {
  return db.prepare('DELETE FROM leases WHERE resource = ? AND holder = ? AND token = ?')
    .run(lease.resource, lease.holder, lease.token).changes === 1;
}

export interface Heartbeat {
  /** the lease as last renewed */
  readonly current: Lease;
  stop(): void;
}

/**
 * Renew `lease` every `intervalMs` (default ttl/3) on a timer that does not keep the process
 * alive. If a renewal finds the lease lost, the timer stops and `onLost` is called: the caller
 * must stop working on the resource (its writes would be refused by the token check anyway).
 */
export function startHeartbeat(db: DB, lease: Lease, opts: { ttlMs: number; intervalMs?: number; onLost: (err: ArbiterError) => void }): Heartbeat {
  let current = lease;
  const timer = setInterval(() => {
    try {
      current = renewLease(db, current, { ttlMs: opts.ttlMs });
    } catch (e) {
      clearInterval(timer);
      opts.onLost(e instanceof ArbiterError ? e : new ArbiterError('E_LEASE', `heartbeat failed: ${String(e)}`));
    }
  }, opts.intervalMs ?? Math.max(1, Math.floor(opts.ttlMs / 3)));
  timer.unref();
  return {
    get current() {
      return current;
    },
    stop: () => clearInterval(timer),
  };
}

// ---- queue -------------------------------------------------------------------------------

export type QueueState = 'queued' | 'claimed' | 'done' | 'failed' | 'cancelled';

export interface Claim {
  queue: string;
  item: string;
  seq: number;
  holder: string;
  token: number;
  attempt: number;
  expiresAt: number;
  /** the holder of the previous, abandoned attempt, or null */
  takenOverFrom: string | null;
}

/** Add items in the given order (their claim order). Items already queued are left alone. Returns how many were new. */
export function enqueue(db: DB, queue: string, items: readonly string[]): number {
  const tx = db.transaction((): number => {
    const base = (db.prepare('SELECT COALESCE(MAX(seq), -1) AS m FROM queue_items WHERE queue = ?').get(queue) as { m: number }).m + 1;
    const ins = db.prepare('INSERT OR IGNORE INTO queue_items (queue, item, seq) VALUES (?, ?, ?)');
    let added = 0;
    for (const item of items) added += ins.run(queue, item, base + added).changes;
    return added;
  });
  return tx.immediate();
}

interface ItemRow { item: string; seq: number; state: QueueState; holder: string | null; token: number; attempts: number; expires_at: number | null }

/**
 * Claim the next item: the first queued one, or the first claimed one whose holder expired or
 * died. An abandoned item that already had `maxAttempts` attempts is marked failed
 * (reason `failed:E_WORKER_CRASH`) instead of being handed out again, so a submission that kills
 * its holder every time cannot stall the queue. Returns null when nothing is claimable now
 * (items may still be claimed by live holders: see queueCounts).
 */
export function claimNext(db: DB, queue: string, holder: string, opts: LeaseOptions & { maxAttempts?: number }): Claim | null {
  checkTtl(opts.ttlMs);
  const maxAttempts = opts.maxAttempts ?? 3;
  const tx = db.transaction((): Claim | null => {
    const now = opts.now ?? Date.now();
    const candidates = db.prepare(
      `SELECT item, seq, state, holder, token, attempts, expires_at FROM queue_items
       WHERE queue = ? AND state IN ('queued', 'claimed') ORDER BY seq`,
    ).iterate(queue) as IterableIterator<ItemRow>;
    let pick: ItemRow | null = null;
    const abandoned: ItemRow[] = [];
    for (const row of candidates) {
      if (row.state === 'queued') {
        pick = row;
        break;
      }
      const dead = (row.expires_at ?? 0) <= now || (row.holder !== null && row.holder !== holder && holderIsLocallyDead(row.holder));
      if (!dead) continue;
      if (row.attempts >= maxAttempts) {
        abandoned.push(row);
        continue;
      }
      pick = row;
      break;
    }
    for (const row of abandoned) {
      db.prepare(`UPDATE queue_items SET state = 'failed', finished_at = ?, reason = ?, holder = NULL WHERE queue = ? AND item = ? AND token = ?`)
        .run(now, `failed:E_WORKER_CRASH: abandoned by its holder ${row.attempts} times (last ${row.holder})`, queue, row.item, row.token);
    }
    if (!pick) return null;
    const token = pick.token + 1;
    const expiresAt = now + opts.ttlMs;
    db.prepare(`UPDATE queue_items SET state = 'claimed', holder = ?, token = ?, attempts = attempts + 1, claimed_at = ?, expires_at = ?
                WHERE queue = ? AND item = ?`).run(holder, token, now, expiresAt, queue, pick.item);
    return {
      queue, item: pick.item, seq: pick.seq, holder, token, attempt: pick.attempts + 1, expiresAt,
      takenOverFrom: pick.state === 'claimed' ? pick.holder : null,
    };
  });
  return tx.immediate();
}

function lost(claim: Claim, db: DB): ArbiterError {
  const row = db.prepare('SELECT state, holder, token FROM queue_items WHERE queue = ? AND item = ?').get(claim.queue, claim.item) as
    { state: string; holder: string | null; token: number } | undefined;
  return new ArbiterError('E_LEASE', `lost the claim on ${claim.queue}/${claim.item}: expected it claimed by ${claim.holder} token ${claim.token}, found ${row ? `${row.state} by ${row.holder ?? 'nobody'} token ${row.token}` : 'no such item'}`, { queue: claim.queue, item: claim.item });
}

/** Extend a claim we hold (call it from the same heartbeat as the run lease). Throws E_LEASE if lost. */
export function renewClaim(db: DB, claim: Claim, opts: LeaseOptions): Claim {
  checkTtl(opts.ttlMs);
  const expiresAt = (opts.now ?? Date.now()) + opts.ttlMs;
  const r = db.prepare(`UPDATE queue_items SET expires_at = ? WHERE queue = ? AND item = ? AND state = 'claimed' AND holder = ? AND token = ?`)
    .run(expiresAt, claim.queue, claim.item, claim.holder, claim.token);
  if (r.changes !== 1) throw lost(claim, db);
  return { ...claim, expiresAt };
}

/**
 * Finish a claim: state done (reason 'scored'), failed (reason 'failed:<CODE>') or cancelled.
 * Throws E_LEASE if the claim is no longer ours. Call it inside the same db.transaction that
 * writes the item's results, so results and completion commit together or not at all.
 */
export function completeClaim(db: DB, claim: Claim, outcome: { state: 'done' | 'failed' | 'cancelled'; reason: string; now?: number }): void {
  const r = db.prepare(`UPDATE queue_items SET state = ?, reason = ?, finished_at = ?, expires_at = NULL
                        WHERE queue = ? AND item = ? AND state = 'claimed' AND holder = ? AND token = ?`)
    .run(outcome.state, outcome.reason, outcome.now ?? Date.now(), claim.queue, claim.item, claim.holder, claim.token);
  if (r.changes !== 1) throw lost(claim, db);
}

/**
 * Give a claim back unfinished (the holder is stopping: SIGINT/SIGTERM): the item is queued again
 * at once for another process, and this attempt does not count towards maxAttempts. Returns
 * whether the claim was still ours.
 */
export function releaseClaim(db: DB, claim: Claim): boolean {
  return db.prepare(`UPDATE queue_items SET state = 'queued', holder = NULL, expires_at = NULL, attempts = MAX(0, attempts - 1)
                     WHERE queue = ? AND item = ? AND state = 'claimed' AND holder = ? AND token = ?`)
    .run(claim.queue, claim.item, claim.holder, claim.token).changes === 1;
}

/** Cancel every item not yet finished (queued or claimed). Returns how many. */
export function cancelQueue(db: DB, queue: string, reason = 'cancelled', now = Date.now()): number {
  return db.prepare(`UPDATE queue_items SET state = 'cancelled', reason = ?, finished_at = ?, holder = NULL, expires_at = NULL
                     WHERE queue = ? AND state IN ('queued', 'claimed')`).run(reason, now, queue).changes;
}

/** Items per state (every state present, zero when none). */
export function queueCounts(db: DB, queue: string): Record<QueueState, number> {
  const out: Record<QueueState, number> = { queued: 0, claimed: 0, done: 0, failed: 0, cancelled: 0 };
  const rows = db.prepare('SELECT state, COUNT(*) AS n FROM queue_items WHERE queue = ? GROUP BY state').all(queue) as Array<{ state: QueueState; n: number }>;
  for (const r of rows) out[r.state] = r.n;
  return out;
}
