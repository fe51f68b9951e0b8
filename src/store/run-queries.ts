// Read-only queries on runs and their work queues (table queue_items, written by
// src/store/lease.ts): items of a queue, the ones its holders abandoned, a run's fingerprint.
// SQL lives in src/store.
import type Database from 'better-sqlite3';

/** Items ever enqueued in `queue` (any state): a run with a queue is drained by `arbiter work`. */
export function queueItemCount(db: Database.Database, queue: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM queue_items WHERE queue = ?`).get(queue) as { n: number }).n;
}

/** Items whose holders died too often (state 'failed'), with the reason the queue recorded. */
export function failedQueueItems(db: Database.Database, queue: string): Array<{ item: string; reason: string | null }> {
  return db.prepare(`SELECT item, reason FROM queue_items WHERE queue = ? AND state = 'failed'`).all(queue) as Array<{ item: string; reason: string | null }>;
}

/** The fingerprint a run recorded when it was created (JSON text parsed), or null for no such run. */
export function runFingerprint(db: Database.Database, runId: number): unknown {
  const text = db.prepare(`SELECT fingerprint_json FROM runs WHERE id = ?`).pluck().get(runId) as string | undefined;
  return text === undefined ? null : JSON.parse(text) as unknown;
}
