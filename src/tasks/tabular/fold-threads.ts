// Fold threads: where a tabular run turns each chunk's model outputs into metric states when the
// machine has cores to spare. Inline, that fold is most of the main thread's work (about 0.12 of
// its 0.25 µs per row on the engine bench), so on many cores the main thread, not the inference
// workers, would set the pace; on fold threads it scales with them, and the main thread only
// dispatches, merges in chunk order and journals. The states are the same pure chunkStates, so
// the bits do not depend on where a chunk was folded.
// These threads run engine code only and never load a model: a chunk's labels and split bits go
// to them (copied, a chunk at a time), never to an inference worker.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { ArbiterError, type ErrorData } from '../../errors.ts';
import type { ChunkStates } from '../../fold/fold.ts';
import { entryBeside } from '../../inference/entry.ts';
import type { ChunkOutput } from './chunk-states.ts';

export interface FoldRequest { labels: Int32Array | Float64Array; mask: Uint8Array; output: ChunkOutput }
export type FoldAnswer = { ok: true; states: ChunkStates; json: string } | { ok: false; error: ErrorData };

/** ARBITER_FOLD_THREADS: how many fold threads a tabular run starts (0: fold on the main thread). */
export const FOLD_THREADS_ENV = 'ARBITER_FOLD_THREADS';

/**
 * Fold threads for a run with `workers` inference workers. Set by ARBITER_FOLD_THREADS; by
 * default none on 4 cores or fewer (there the inference workers need the cores, and a fold thread
 * only moves the same CPU to another thread: on 2 cores the bench's rates with one differed
 * from those without by -38 % to +31 % between quiet runs, noise either way), else one per 3
 * workers: a fold thread keeps up with about 2.5 inference workers of the cheapest model we
 * bench (a 32->256->4 MLP).
 */
export function foldThreadCount(workers: number, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const set = env[FOLD_THREADS_ENV];
  if (set !== undefined && set !== '') {
    const n = Number(set);
    if (!Number.isInteger(n) || n < 0 || n > 256) throw new ArbiterError('E_USAGE', `${FOLD_THREADS_ENV} must be an integer from 0 to 256, found "${set}"`);
    return n;
  }
  return cores <= 4 ? 0 : Math.ceil(workers / 3);
}

export class FoldThreads {
  readonly #pool: Piscina;
  // Folds queued or running, at most two per thread: a run waits for one (reserve) before it takes
  // more outputs off the inference workers, so outputs slabs stay bounded when folds fall behind.
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(spec: LoadedBenchmark['spec'], readonly threads: number) {
    const entry = entryBeside(import.meta.url, './fold-worker');
    this.#pool = new Piscina({ filename: entry.url, execArgv: entry.execArgv, minThreads: threads, maxThreads: threads, idleTimeout: 60_000, workerData: { spec } });
    this.#free = 2 * threads;
  }

  /** Wait for a fold slot; the next fold() uses it. */
  async reserve(): Promise<void> {
    if (this.#free > 0) { this.#free--; return; }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /**
   * Fold one chunk on a reserved slot: its states (and their journal JSON), or the error the
   * inline fold would record. The chunk's labels and split bits are copied here (views into the
   * window's columns), the outputs are read in place from their shared slab.
   */
  async fold(labels: Int32Array | Float64Array, mask: Uint8Array, output: ChunkOutput): Promise<FoldAnswer> {
    const req: FoldRequest = { labels: labels.slice(), mask: mask.slice(), output };
    try {
      return await (this.#pool.run(req, { transferList: [req.labels.buffer, req.mask.buffer] as never }) as Promise<FoldAnswer>);
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); else this.#free++;
    }
  }

  /** call only once every fold has settled */
  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
