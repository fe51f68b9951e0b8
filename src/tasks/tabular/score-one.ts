// Scoring one admitted tabular submission: the hidden set is read in chunks of `taskRows` rows
// (whole batches); an ONNX model's chunk goes to the inference layer as a row range of a shared
// input window (input columns only, never a label, id or split: input-windows.ts), a prediction
// file's chunk is looked up by row id; outputs are folded into metric states in chunk order
// (JournaledFold), each folded chunk journaled.
import { ArbiterError, toErrorData } from '../../errors.ts';
import { requireModel } from '../../benchmark/schema.ts';
import { readChunks } from '../../data/arrow-stream.ts';
import type { PreparedDataset } from '../../data/prepare.ts';
import { checkNoExtraPredictions, lookupPredictions } from '../../models/predictions.ts';
import type { AdmittedSubmission } from './admission.ts';
import type { TabularEngine } from './engine.ts';
import { initFold } from '../../fold/fold.ts';
import { chunkStates, type ChunkOutput } from './chunk-states.ts';
import { JournaledFold } from '../../fold/journaled-fold.ts';
import { fingerprintJournal } from './fingerprint-journal.ts';
import type { ChunkJob } from '../../inference/task.ts';
import { OutputSlabs, slabView } from '../../inference/shared-inputs.ts';
import { recycleWindow, tabularWindows } from './input-windows.ts';
import type { ChunkStates } from '../../fold/fold.ts';
import { Store } from '../../store/store.ts';
import type { ScoreContext } from '../task-kind.ts';
import type { ChunkRange, RunControl } from '../task-kind.ts';
import type { Outcome } from '../../results.ts';

/**
 * A chunk for the fold: what a prediction file gave (its states are computed when the chunk is
 * folded), or the states of a model's chunk, computed as soon as its outputs arrived so that its
 * output slab can be reused (or why they could not be: raised when the chunk is folded, in chunk
 * order, so the submission's failure does not depend on completion order).
 */
type FoldPayload =
  | { mask: Uint8Array; labels: ArrayLike<number | bigint>; output: ChunkOutput }
  | { mask: Uint8Array; states: ChunkStates; json?: string }
  | { mask: Uint8Array; error: unknown };

/**
 * Score one admitted submission of a run through `ctx.executor` (null for a prediction file),
 * continuing after the chunks its journal already holds. Stops dispatching when `ctl.signal`
 * fires; every journal write checks `ctl.guard` in its transaction. With a `range` (a shard) only
 * those chunks are scored: then nothing is finalized, the outcome only says whether the slice
 * failed, and the chunk states are in the journal.
 */
export async function scoreTabular(
  ctx: ScoreContext<PreparedDataset, TabularEngine>, t: AdmittedSubmission, progressed: (rows: number) => void, ctl: RunControl = {}, range?: ChunkRange,
): Promise<Outcome> {
  const { b, data, store, runId, taskRows, inflight } = ctx;
  const pool = ctx.executor?.inference;
  const folds = ctx.executor?.folds ?? null;
  const { sub, order, predictions } = t;
  const spec = requireModel(b.spec);
  const fold = initFold(b);
  const out = spec.model.outputs[0]!;
  const outRowShape = out.shape.slice(1) as number[];
  const width = outRowShape.reduce((a, d) => a * d, 1);

  // What the journal already holds for this submission is merged first; scoring continues after it.
  const statesOf = (p: FoldPayload): ChunkStates => {
    if ('states' in p) return p.states;
    if ('error' in p) throw p.error;
    return chunkStates(b, fold, p.labels, p.mask, p.output);
  };
  const jf = new JournaledFold<FoldPayload>(store, runId, sub.id, fold, statesOf, progressed, range?.first, ctl.guard);
  const journaled = jf.resumeAt;
  const tasks: Promise<void>[] = [];
  // Prediction fingerprints (only when the spec asks), journaled before the chunk is delivered.
  // A shard's in-memory journal keeps none: copy detection needs every submission's rows.
  const fingerprint = store instanceof Store ? fingerprintJournal(b, store, runId, sub.id) : null;

  const asOutput = (o: Float32Array | Float64Array): ChunkOutput =>
    spec.task.type === 'classification' ? { kind: 'scores', data: o, width } : { kind: 'values', data: o };

  // An ONNX model: each chunk is a row range of a shared input window; its outputs land in a
  // reused slab, become the chunk's metric states at once, and the slab goes back.
  const dispatchModel = async (): Promise<void> => {
    const slabs = new OutputSlabs(taskRows * width * 8);
    const endChunk = range?.end ?? Infinity;
    for await (const w of tabularWindows(b, data, taskRows, ctx.hooks?.inputWindowBytes)) {
      if (jf.failure || ctl.signal?.aborted) break;
      const first = w.inputs.start / taskRows;
      if (first >= endChunk) break;
      const last = first + Math.ceil(w.inputs.rows / taskRows); // exclusive
      if (last <= journaled) continue;
      pool!.share(w.inputs);
      const windowTasks: Promise<void>[] = [];
      for (let index = Math.max(first, journaled); index < Math.min(last, endChunk); index++) {
        await inflight.acquire();
        if (jf.failure || ctl.signal?.aborted) { inflight.release(); break; }
        const start = (index - first) * taskRows;
        const rows = Math.min(taskRows, w.inputs.rows - start);
        const labels = w.labels.subarray(start, start + rows);
        const mask = data.splitMask.subarray(w.inputs.start + start, w.inputs.start + start + rows);
        const job: ChunkJob = {
          modelPath: sub.blobPath, modelSha256: sub.sha256, window: w.inputs, start, rows, batchSize: spec.batching.size, padLast: spec.batching.last === 'pad',
          output: { name: out.name, rowShape: outRowShape }, out: slabs.take(),
        };
        let released = false;
        const release = (): void => { if (!released) { released = true; inflight.release(); } };
        const task = pool!.run(job).then(async (res) => {
          await ctx.hooks?.afterTask?.(order, index);
          if (!res.ok) { jf.fail(res.error); return; }
          const output = asOutput(slabView(job.out, res.dtype, rows * width));
          fingerprint?.(index, output);
          let payload: FoldPayload;
          if (folds) {
            // a fold slot before the task's slot goes back: outputs slabs stay bounded if folds lag
            await folds.reserve();
            release();
            try {
              const a = await folds.fold(labels, mask, output);
              payload = a.ok ? { mask, states: a.states, json: a.json } : { mask, error: a.error };
            } catch (err) {
              payload = { mask, error: { code: 'E_INTERNAL', message: `a fold thread failed: ${toErrorData(err).message}` } };
            }
          } else {
            try {
              payload = { mask, states: chunkStates(b, fold, labels, mask, output) };
            } catch (err) {
              payload = { mask, error: err };
            }
          }
          slabs.give(job.out);
          jf.deliver(index, payload);
        }, (err: unknown) => {
          jf.fail({ code: 'E_WORKER_CRASH', message: `the worker running this submission died: ${toErrorData(err).message}` });
        }).finally(release);
        windowTasks.push(task);
        tasks.push(task);
      }
      // A window read for this submission alone is dropped once its chunks have settled.
      if (!w.wholeSet) void Promise.allSettled(windowTasks).then(() => { pool!.unshare(w.inputs); recycleWindow(w); });
    }
  };

  try {
    if (!predictions) {
      await dispatchModel();
    } else {
      const columns = [data.idColumn, data.labelColumn];
      for await (const chunk of readChunks(data.source, columns, taskRows)) {
        if (jf.failure || ctl.signal?.aborted) break;
        // Past the range a prediction file still has its ids looked up (for the extra-id check).
        const inRange = !range || chunk.index < range.end;
        const labels = chunk.columns.get(data.labelColumn.name) as ArrayLike<number | bigint>;
        const mask = data.splitMask.subarray(chunk.start, chunk.start + chunk.rows);
        try {
          // Mark every id as seen, journaled or not, so the check for extra ids stays exact.
          const rows = lookupPredictions(predictions, chunk.columns.get(data.idColumn.name) as ArrayLike<bigint | string>, chunk.rows, sub.filename);
          if (chunk.index < journaled || !inRange) continue;
          const output: ChunkOutput = predictions.kind === 'classes' ? { kind: 'classes', data: rows }
            : predictions.kind === 'probabilities' ? { kind: 'scores', data: rows, width: predictions.width } : { kind: 'values', data: rows };
          fingerprint?.(chunk.index, output);
          jf.deliver(chunk.index, { labels, mask, output });
        } catch (err) {
          jf.fail(toErrorData(err, 'E_PREDICTIONS'));
        }
      }
    }
  } catch (err) {
    jf.fail(toErrorData(err));
  }
  await Promise.allSettled(tasks);
  if (!jf.failure && predictions) {
    try { checkNoExtraPredictions(predictions, sub.filename); } catch (err) { return { splitScores: null, error: toErrorData(err, 'E_PREDICTIONS') }; }
  }
  return range ? { splitScores: null, error: jf.settled(range.rows) } : jf.outcome(data.rows);
}
