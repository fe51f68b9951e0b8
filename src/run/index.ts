// `arbiter score` as a function. The run lifecycle itself is src/run/lifecycle.ts (one for every
// task kind); this module keeps the engine's historical entry names for callers and tests.
export { score, scoreWithStore, selectSubmissions, liveSubmissions } from './lifecycle.ts';
export { finishScoredRun, openResumedRun, rankedRows, buildRows } from './finish.ts';
export { scoreInLanes } from './lanes.ts';
export { Semaphore } from '../inference/semaphore.ts';
export { DEFAULT_TASK_ROWS } from '../tasks/tabular/kind.ts';
export type { ScoreRow, ScoreResult, ScoreProgress, ScoreOptions, Outcome, RunControl, ChunkRange, RunHooks } from './types.ts';
