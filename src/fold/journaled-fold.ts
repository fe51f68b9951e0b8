// A submission's metric states during a run: chunk results arrive in any order, are folded in
// chunk order, and every folded chunk's states are journaled in SQLite as it is folded. On
// resume, what the journal already holds is merged first and scoring continues after it.
// Shared by the tabular and the language-model jobs, and by a shard that scores chunks
// [firstChunk, ...) of a submission (src/run/shard-job.ts).
import { ArbiterError, toErrorData, type ErrorData } from '../errors.ts';
import type { SplitName } from '../data/split.ts';
import type { Store } from '../store/store.ts';
import { finalizeFold, mergeChunk, type ChunkStates, type FoldState } from './fold.ts';
import type { Outcome } from '../results.ts';

/** Where chunk states are journaled: the SQLite store, or a shard's in-memory journal. */
export type JournalStore = Pick<Store, 'journal' | 'journalChunk'> & { readonly db?: Store['db'] };

/** P: a chunk's result; `json`, when set, is its states' journal JSON made already (by a fold thread). */
export class JournaledFold<P extends { mask: Uint8Array; json?: string }> {
  /** chunks the journal already held when this fold started: they are not scored again */
  readonly journaledChunks: number;
  /** the first chunk index this fold still needs (firstChunk + journaledChunks) */
  readonly resumeAt: number;
  private readonly pending = new Map<number, P>();
  private next: number;
  private firstFailure: ErrorData | null = null;

  constructor(
    private readonly store: JournalStore, private readonly runId: number, private readonly submissionId: number,
    private readonly fold: FoldState, private readonly statesOf: (p: P) => ChunkStates, private readonly progressed: (rows: number) => void,
    firstChunk = 0,
    /** checked in the transaction of every journal write (a run lease or a queue claim): throws E_LEASE when no longer ours */
    private readonly guard?: () => void,
  ) {
    const journaled = store.journal(runId, submissionId);
    journaled.forEach((j, i) => {
      if (j.chunkIndex !== firstChunk + i) throw new ArbiterError('E_STORE', `run ${runId}: the journal of submission ${submissionId} skips chunk ${firstChunk + i}`);
      mergeChunk(fold, JSON.parse(j.statesJson) as ChunkStates, j.rows);
    });
    this.journaledChunks = journaled.length;
    this.next = firstChunk + journaled.length;
    this.resumeAt = this.next;
    progressed(fold.rowsFolded);
  }

  get failure(): ErrorData | null {
    return this.firstFailure;
  }

  /** Record a failure; the first one is the submission's reason. */
  fail(error: ErrorData): void {
    this.firstFailure ??= error;
  }

  /** Hand over chunk `index`'s result; folds and journals every chunk that is now next in order. */
  deliver(index: number, p: P): void {
    this.pending.set(index, p);
    while (!this.firstFailure && this.pending.has(this.next)) {
      const ready = this.pending.get(this.next)!;
      this.pending.delete(this.next);
      try {
        const states = this.statesOf(ready);
        mergeChunk(this.fold, states, ready.mask.length);
        const write = () => { this.guard?.(); this.store.journalChunk(this.runId, this.submissionId, this.next, ready.mask.length, ready.json ?? JSON.stringify(states)); };
        if (this.guard && this.store.db) this.store.db.transaction(write)(); else write();
        this.progressed(ready.mask.length);
      } catch (err) {
        this.fail(toErrorData(err, 'E_METRIC_INPUT'));
      }
      this.next++;
    }
  }

  /** The submission's outcome once every task has settled: its failure, or its final scores over all `rows`. */
  outcome(rows: number): Outcome {
    if (this.firstFailure) return { splitScores: null, error: this.firstFailure };
    return finalOutcome(this.fold, rows);
  }

  /** For a slice of a submission (a shard): its failure, or null once all `rows` are folded; nothing is finalized. */
  settled(rows: number): ErrorData | null {
    if (this.firstFailure) return this.firstFailure;
    return this.fold.rowsFolded === rows ? null : { code: 'E_INTERNAL', message: `folded ${this.fold.rowsFolded} of ${rows} rows` };
  }
}

/** A fold's final scores over all `rows` (or why there are none): the last step of every run, merged shards included. */
export function finalOutcome(fold: FoldState, rows: number): Outcome {
  if (fold.rowsFolded !== rows) return { splitScores: null, error: { code: 'E_INTERNAL', message: `folded ${fold.rowsFolded} of ${rows} rows` } };
  try {
    return { splitScores: finalizeFold(fold).scores as Record<SplitName, Record<string, number>>, error: null };
  } catch (err) {
    return { splitScores: null, error: toErrorData(err, 'E_METRIC_INPUT') };
  }
}
