// A fold thread (fold-threads.ts): turns one chunk's outputs, labels and split bits into the
// chunk's metric states, the same pure chunkStates the main thread runs when there are no fold
// threads, and their journal JSON. Engine code only: no model is ever loaded here, and nothing
// here reaches an inference worker. A failure comes back as data, as the inline fold records it.
import { workerData } from 'node:worker_threads';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { toErrorData } from '../../errors.ts';
import { initFold } from '../../fold/fold.ts';
import { chunkStates } from './chunk-states.ts';
import type { FoldAnswer, FoldRequest } from './fold-threads.ts';

const b = { spec: (workerData as { spec: LoadedBenchmark['spec'] }).spec };
const fold = initFold(b);

export default function foldOne(req: FoldRequest): FoldAnswer {
  try {
    const states = chunkStates(b, fold, req.labels, req.mask, req.output);
    return { ok: true, states, json: JSON.stringify(states) };
  } catch (err) {
    // the code the inline fold gives the same throw (journaled-fold.ts deliver)
    return { ok: false, error: toErrorData(err, 'E_METRIC_INPUT') };
  }
}
