// Scoring one admitted tabular submission: the hidden set is read in chunks of `taskRows` rows
// (whole batches); an ONNX model's chunk goes to the inference layer with its input columns only
// (never a label, id or split), a prediction file's chunk is looked up by row id; outputs are
// folded into metric states in chunk order (JournaledFold), each folded chunk journaled.
import { ArbiterError, toErrorData } from '../../errors.ts';
import { requireModel } from '../../benchmark/schema.ts';
import { readChunks, type ColumnArray } from '../../data/arrow-stream.ts';
import type { PreparedDataset } from '../../data/prepare.ts';
import { checkNoExtraPredictions, lookupPredictions } from '../../models/predictions.ts';
import type { AdmittedSubmission } from './admission.ts';
import type { Executor } from '../../inference/executor.ts';
import { initFold } from '../../fold/fold.ts';
import { chunkStates, type ChunkOutput } from './chunk-states.ts';
import { JournaledFold } from '../../fold/journaled-fold.ts';
import { fingerprintJournal } from './fingerprint-journal.ts';
import type { InferenceInput, InferenceTask, InputArray } from '../../inference/task.ts';
import { Store } from '../../store/store.ts';
import type { ScoreContext } from '../task-kind.ts';
import type { ChunkRange, RunControl } from '../task-kind.ts';
import type { Outcome } from '../../results.ts';

function toInputArray(a: ColumnArray): InputArray {
  if (Array.isArray(a)) throw new ArbiterError('E_INTERNAL', 'string columns cannot feed an ONNX input');
  return a as InputArray;
}

/**
 * Score one admitted submission of a run through `ctx.executor` (null for a prediction file),
 * continuing after the chunks its journal already holds. Stops dispatching when `ctl.signal`
 * fires; every journal write checks `ctl.guard` in its transaction. With a `range` (a shard) only
 * those chunks are scored: then nothing is finalized, the outcome only says whether the slice
 * failed, and the chunk states are in the journal.
 */
export async function scoreTabular(
  ctx: ScoreContext<PreparedDataset, Executor>, t: AdmittedSubmission, progressed: (rows: number) => void, ctl: RunControl = {}, range?: ChunkRange,
): Promise<Outcome> {
  const { b, data, store, runId, taskRows, executor: pool, inflight } = ctx;
  const { sub, order, predictions } = t;
  const spec = requireModel(b.spec);
  const fold = initFold(b);
  const out = spec.model.outputs[0]!;
  const outRowShape = out.shape.slice(1) as number[];
  const width = outRowShape.reduce((a, d) => a * d, 1);

  // What the journal already holds for this submission is merged first; scoring continues after it.
  const jf = new JournaledFold<{ labels: ArrayLike<number | bigint>; mask: Uint8Array; output: ChunkOutput }>(
    store, runId, sub.id, fold, (p) => chunkStates(b, fold, p.labels, p.mask, p.output), progressed, range?.first, ctl.guard);
  const journaled = jf.resumeAt;
  const tasks: Promise<void>[] = [];
  // Prediction fingerprints (only when the spec asks), journaled before the chunk is delivered.
  // A shard's in-memory journal keeps none: copy detection needs every submission's rows.
  const fingerprint = store instanceof Store ? fingerprintJournal(b, store, runId, sub.id) : null;

  const asOutput = (o: Float32Array | Float64Array): ChunkOutput =>
    spec.task.type === 'classification' ? { kind: 'scores', data: o, width } : { kind: 'values', data: o };

  try {
    const columns = [data.idColumn, ...data.inputColumns, data.labelColumn];
    for await (const chunk of readChunks(data.source, columns, taskRows)) {
      if (jf.failure || ctl.signal?.aborted) break;
      // Past the range a prediction file still has its ids looked up (for the extra-id check).
      const inRange = !range || chunk.index < range.end;
      if (!inRange && !predictions) break;
      const labels = chunk.columns.get(data.labelColumn.name) as ArrayLike<number | bigint>;
      const mask = data.splitMask.subarray(chunk.start, chunk.start + chunk.rows);
      if (predictions) {
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
        continue;
      }
      if (chunk.index < journaled) continue;
      const inputs: InferenceInput[] = spec.model.inputs.map((inp) => ({
        name: inp.name, dtype: inp.dtype, rowShape: inp.shape.slice(1) as number[], data: toInputArray(chunk.columns.get(inp.column)!),
      }));
      const task: InferenceTask = {
        modelPath: sub.blobPath, modelSha256: sub.sha256, rows: chunk.rows, batchSize: spec.batching.size, padLast: spec.batching.last === 'pad',
        inputs, output: { name: out.name, rowShape: outRowShape },
      };
      await inflight.acquire();
      if (jf.failure || ctl.signal?.aborted) { inflight.release(); break; }
      const index = chunk.index;
      const run = pool!.run(task);
      tasks.push(run.then(async (res) => {
        await ctx.hooks?.afterTask?.(order, index);
        if (!res.ok) { jf.fail(res.error); return; }
        const output = asOutput(res.output);
        fingerprint?.(index, output);
        jf.deliver(index, { labels, mask, output });
      }, (err: unknown) => {
        jf.fail({ code: 'E_WORKER_CRASH', message: `the worker running this submission died: ${toErrorData(err).message}` });
      }).finally(() => inflight.release()));
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
