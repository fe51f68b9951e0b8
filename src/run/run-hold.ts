// A run's lease while one process scores it (`arbiter score`, `score --resume`): the lease
// `run:<id>` with a heartbeat, a fence that every journal and outcome write checks, and the one
// signal that stops scoring, whether the user cancelled (SIGINT/SIGTERM) or the lease was lost.
// Also how a run ends when scoring stops early: cancelled (resumable), failed (with the reason),
// or left alone when another process took the run over (its writes are the ones that count).
import { ArbiterError, toErrorData } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { acquireLease, newHolderId, releaseLease, renewLease, startHeartbeat, type Heartbeat, type Lease } from '../store/lease.ts';

export const DEFAULT_LEASE_TTL_MS = 30_000;

/** The lease lifetime: ARBITER_LEASE_TTL_MS (ms) or 30 s. A heartbeat renews it every third of it. */
export function leaseTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ARBITER_LEASE_TTL_MS;
  if (raw === undefined || raw === '') return DEFAULT_LEASE_TTL_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100) throw new ArbiterError('E_USAGE', `ARBITER_LEASE_TTL_MS must be an integer number of ms >= 100, found ${JSON.stringify(raw)}`);
  return ms;
}

export function runResource(runId: number): string {
  return `run:${runId}`;
}

/** The error a cancelled run stops with (the abort reason of the signal given to score/work). */
export function cancelledError(why: string): ArbiterError {
  return new ArbiterError('E_CANCELLED', `cancelled: ${why}`);
}

export class RunHold {
  private lease: Lease;
  private readonly heartbeat: Heartbeat;
  private lostError: ArbiterError | null = null;
  private readonly stop = new AbortController();
  private released = false;
  /** aborted when the caller's signal fires (cancel) or the lease is lost */
  readonly signal: AbortSignal;

  private constructor(private readonly store: Store, readonly runId: number, lease: Lease, private readonly ttlMs: number, signal?: AbortSignal) {
    this.lease = lease;
    this.signal = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    this.heartbeat = startHeartbeat(store.db, lease, { ttlMs, onLost: (err) => this.markLost(err) });
  }

  /**
   * Take the run's lease (free, expired, held by a dead process on this host, or ours): throws
   * E_LEASE while another live process holds it. A run that had stopped (failed, cancelled) is
   * marked running again.
   */
  static acquire(store: Store, runId: number, opts: { signal?: AbortSignal; ttlMs?: number; holder?: string } = {}): RunHold {
    const ttlMs = opts.ttlMs ?? leaseTtlMs();
    const lease = acquireLease(store.db, runResource(runId), opts.holder ?? newHolderId(), { ttlMs });
    store.reopenRun(runId);
    return new RunHold(store, runId, lease, ttlMs, opts.signal);
  }

  get holder(): string {
    return this.lease.holder;
  }

  /** the holder this run was taken over from (it had died or its lease had expired), or null */
  get takenOverFrom(): string | null {
    return this.lease.takenOverFrom;
  }

  get lost(): ArbiterError | null {
    return this.lostError;
  }

  private markLost(err: ArbiterError): void {
    this.lostError ??= err;
    this.heartbeat.stop();
    this.stop.abort(err);
  }

  /**
   * The fence: call inside the transaction of every journal or outcome write. Throws E_LEASE (and
   * stops the run) if the lease is no longer ours; otherwise extends it.
   */
  readonly guard = (): void => {
    if (this.lostError) throw this.lostError;
    try {
      this.lease = renewLease(this.store.db, this.lease, { ttlMs: this.ttlMs });
    } catch (err) {
      this.markLost(err instanceof ArbiterError ? err : new ArbiterError('E_LEASE', String(err)));
      throw this.lostError;
    }
  };

  /** Give the lease up (the run is finished, failed or cancelled). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.heartbeat.stop();
    if (!this.lostError) releaseLease(this.store.db, this.lease);
  }

  /**
   * Record how the run ended when scoring threw `err`, release the lease, and return the error
   * to throw: cancelled (E_CANCELLED), failed with the reason, or nothing recorded when the lease
   * was lost (another process owns the run now; E_LEASE).
   */
  end(err: unknown): unknown {
    const data = toErrorData(err);
    if (this.lostError) {
      this.release();
      return this.lostError;
    }
    // A store that cannot be written (disk full, read-only, corrupted) cannot record the end either:
    // the run then stays `running` with a dead holder, which `score --resume` continues all the same.
    const tryStore = (f: () => void) => { try { f(); } catch { /* see above */ } };
    if (data.code === 'E_CANCELLED') {
      const e = new ArbiterError('E_CANCELLED', `${data.message}; run ${this.runId} is marked cancelled and can be resumed`, { run: this.runId });
      tryStore(() => this.store.cancelRun(this.runId, data.message));
      tryStore(() => this.release());
      return e;
    }
    tryStore(() => this.store.failRun(this.runId, `${data.code}: ${data.message}`));
    tryStore(() => this.release());
    return err;
  }
}
