// How a run spends its workers: up to `lanes` submissions are scored at a time and share the
// inference pool, with a semaphore bounding the tasks in flight; each outcome is journaled the
// moment it is known, so a crash never loses a finished submission.
import { ArbiterError } from '../errors.ts';
import type { Store, SubmissionRecord } from '../store/store.ts';
import type { Outcome, RunControl, ScoreOptions } from './types.ts';

/**
 * Score `todo` with up to `lanes` submissions at a time (their tasks share the pool), reporting
 * progress in rows; each outcome is journaled the moment it is known.
 */
export async function scoreInLanes<T extends { sub: SubmissionRecord }>(
  todo: readonly T[], lanes: number, store: Store, runId: number, outcomes: Map<number, Outcome>,
  rowsPerSubmission: number, onProgress: ScoreOptions['onProgress'],
  scoreOne: (t: T, progressed: (rows: number) => void) => Promise<Outcome>,
  ctl: RunControl = {},
): Promise<void> {
  const total = todo.length * rowsPerSubmission;
  let done = 0;
  let submissionsDone = 0;
  const report = () => onProgress?.({ done, total, submissionsDone, submissions: todo.length });
  report();
  let next = 0;
  const lane = async () => {
    while (next < todo.length && !ctl.signal?.aborted) {
      const t = todo[next++]!;
      const outcome = await scoreOne(t, (rows) => { done += rows; report(); });
      // A submission cut short by a cancel is not failed: it is left for the resume to finish.
      if (ctl.signal?.aborted && outcome.error) break;
      // A store failure (disk full, I/O error) while journaling is not the submission's fault: it stops the run.
      if (outcome.error?.code === 'E_STORE') throw new ArbiterError('E_STORE', outcome.error.message);
      store.db.transaction(() => { ctl.guard?.(); store.recordOutcome(runId, t.sub.id, outcome); })();
      outcomes.set(t.sub.id, outcome);
      submissionsDone++;
      report();
    }
  };
  // Every lane settles before this returns (a lane's tasks must not outlive the pool).
  const settled = await Promise.allSettled(Array.from({ length: Math.min(lanes, Math.max(1, todo.length)) }, lane));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  if (ctl.signal?.aborted) throw ctl.signal.reason;
}
