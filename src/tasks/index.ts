// The task-kind registry: the one place that maps a spec's task type to the task kind that scores
// it. Everything above (the run lifecycle, `arbiter work`, shards, verify) asks the kind.
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import type { BenchmarkSpecData } from '../benchmark/schema.ts';
import type { AnyTaskKind } from './task-kind.ts';
import { tabularKind } from './tabular/kind.ts';
import { lmKind } from './lm/kind.ts';

const KINDS: Record<BenchmarkSpecData['task']['type'], AnyTaskKind> = {
  classification: tabularKind,
  regression: tabularKind,
  'chat-loss': lmKind,
  'multiple-choice': lmKind,
  'sequence-classification': lmKind,
};

export function taskKindOf(b: Pick<LoadedBenchmark, 'spec'>): AnyTaskKind {
  return KINDS[b.spec.task.type];
}
