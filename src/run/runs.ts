// What `arbiter runs` shows: every run's state and reason, and for a run still marked running,
// whether anyone is working on it: the holder of its lease (`arbiter score`) or of its queue's
// claims (`arbiter work`) is live, dead (a process on this host that no longer exists, e.g. after
// kill -9), or its lease expired. A running run with no live holder is resumable at once.
// Wall-clock time here only describes liveness; it never feeds a score.
import type { Store, RunRecord } from '../store/store.ts';
import { holderIsLocallyDead, queueCounts, readLease, type QueueState } from '../store/lease.ts';
import { runResource } from './run-hold.ts';
import { isFinalSetBenchmark, liveIdOf, scoresVisible } from './final-set.ts';

export type Liveness = 'live' | 'dead' | 'expired';

export interface RunStatus {
  id: number;
  benchmark: string;
  status: RunRecord['status'];
  reason: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** submissions in the run, and how many have an outcome so far */
  submissions: number;
  settled: number;
  /** scored by one `arbiter score` process (lease) or drained by `arbiter work` processes (queue) */
  mode: 'score' | 'work';
  /** holders working on it now: the run's lease holder, or the holders of live claims */
  holders: Array<{ holder: string; liveness: Liveness }>;
  /** for a running run: is a live process on it? (false: it died or stopped; resume it) */
  attended: boolean | null;
  queue: Record<QueueState, number> | null;
  /** the command that continues it, when it is not finished */
  resume: string | null;
}

function livenessOf(holder: string, expiresAt: number, now: number): Liveness {
  if (holderIsLocallyDead(holder)) return 'dead';
  return expiresAt <= now ? 'expired' : 'live';
}

/**
 * Every run of the store (of one benchmark id when given), newest first. `db` is the store path as
 * the user gave it, put into each resume command so that it runs against the same store.
 */
export function runStatuses(store: Store, benchmarkId?: string, now = Date.now(), db: string = store.file): RunStatus[] {
  const membersOf = store.db.prepare(`SELECT COUNT(*) FROM run_members WHERE run_id = ?`).pluck();
  const settledOf = store.db.prepare(`SELECT COUNT(*) FROM outcomes WHERE run_id = ?`).pluck();
  const claimsOf = store.db.prepare(`SELECT holder, expires_at FROM queue_items WHERE queue = ? AND state = 'claimed' ORDER BY seq`);
  return store.runs(benchmarkId).map((run): RunStatus => {
    const resource = runResource(run.id);
    const counts = queueCounts(store.db, resource);
    const queued = Object.values(counts).some((n) => n > 0);
    const holders: RunStatus['holders'] = [];
    if (queued) {
      for (const c of claimsOf.all(resource) as Array<{ holder: string | null; expires_at: number | null }>) {
        if (c.holder) holders.push({ holder: c.holder, liveness: livenessOf(c.holder, c.expires_at ?? 0, now) });
      }
    } else {
      const lease = readLease(store.db, resource);
      if (lease) holders.push({ holder: lease.holder, liveness: livenessOf(lease.holder, lease.expiresAt, now) });
    }
    const open = run.status !== 'finished';
    return {
      // An unreleased set B run's reason may quote its rows: only its error code is shown.
      id: run.id, benchmark: run.benchmarkId, status: run.status, reason: withheldReason(store, run), startedAt: run.startedAt, finishedAt: run.finishedAt,
      submissions: Number(membersOf.get(run.id)), settled: Number(settledOf.get(run.id)),
      mode: queued ? 'work' : 'score',
      holders,
      attended: run.status === 'running' ? holders.some((h) => h.liveness === 'live') : null,
      queue: queued ? counts : null,
      resume: !open ? null : queued
        ? `arbiter work ${run.benchmarkId} --run ${run.id} --db ${shellWord(db)}`
        : `arbiter score -b ${liveIdOf(run.benchmarkId)}${isFinalSetBenchmark(run.benchmarkId) ? ' --set final' : ''} --resume ${run.id} --db ${shellWord(db)}`,
    };
  });
}

function withheldReason(store: Store, run: RunRecord): string | null {
  if (run.reason === null || scoresVisible(store, run.benchmarkId)) return run.reason;
  const code = /^E_[A-Z_]+/.exec(run.reason);
  return `${code ? `${code[0]}: ` : ''}details withheld until the final hidden set is released`;
}

/** A path as one shell word (quoted when it holds anything but safe characters). */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./=:@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One word for a run's state as a table shows it: finished, failed, cancelled, running, or running with a dead/absent holder. */
export function stateLabel(r: RunStatus): string {
  if (r.status !== 'running') return r.status;
  if (r.attended) return 'running';
  if (r.holders.some((h) => h.liveness === 'dead')) return 'running (holder dead)';
  if (r.holders.some((h) => h.liveness === 'expired')) return 'running (lease expired)';
  return r.mode === 'work' && r.queue && r.queue.queued > 0 ? 'running (no worker)' : 'running (no holder)';
}
