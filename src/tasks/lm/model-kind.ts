// Which model class a task kind's folder loads as. Its own module so that the main process (the
// executor) can ask without importing the runner: run-task.ts pulls in transformers.js and
// onnxruntime-node, ~200 MB of resident memory a process that never runs a model should not pay.
import type { LmKind } from '../../models/hf/load.ts';

/** The model class transformers.js loads a task kind's folder as. */
export function lmKindOf(kind: 'chat-loss' | 'multiple-choice' | 'sequence-classification'): LmKind {
  return kind === 'sequence-classification' ? 'sequence-classification' : 'causal-lm';
}
