// Piscina worker entry for language-model tasks: loads the model folder once per worker
// (loadLm caches it) and scores one batch. The engine's own worker can call runLmTask directly;
// the default export is what `new Piscina({ filename: <this file> })` runs.
import { Piscina, move } from 'piscina';
import { toErrorData, type ErrorData } from '../../errors.ts';
import { loadLm } from '../../models/hf/load.ts';
import type { ChatExample } from '../../data/lm-rows.ts';
import { scoreChatBatch, type ChatBatchScores, type ChatScoreOptions } from './chat-score.ts';
import { scoreChoicesBatch, type ChoiceExample, type ChoiceBatchScores, type ChoiceScoreOptions } from './choice-score.ts';
import { classifyBatch, type ClassifyBatchResult, type ClassifyOptions } from './classify-score.ts';

export type LmTaskMessage =
  | { kind: 'chat-loss'; folder: string; examples: ChatExample[]; options: ChatScoreOptions }
  | { kind: 'multiple-choice'; folder: string; examples: ChoiceExample[]; options: ChoiceScoreOptions }
  | { kind: 'sequence-classification'; folder: string; texts: string[]; options: ClassifyOptions };

export type LmTaskResult =
  | { ok: true; kind: 'chat-loss'; scores: ChatBatchScores }
  | { ok: true; kind: 'multiple-choice'; scores: ChoiceBatchScores }
  | { ok: true; kind: 'sequence-classification'; scores: ClassifyBatchResult }
  | { ok: false; error: ErrorData };

/** Score one batch; user-caused failures come back as `{ ok: false, error }` data, never as a throw. */
export async function runLmTask(t: LmTaskMessage): Promise<LmTaskResult> {
  try {
    if (t.kind === 'chat-loss') {
      const model = await loadLm(t.folder, { intraOpNumThreads: 1, kind: 'causal-lm' });
      return { ok: true, kind: t.kind, scores: await scoreChatBatch(model, t.examples, t.options) };
    }
    if (t.kind === 'multiple-choice') {
      const model = await loadLm(t.folder, { intraOpNumThreads: 1, kind: 'causal-lm' });
      return { ok: true, kind: t.kind, scores: await scoreChoicesBatch(model, t.examples, t.options) };
    }
    const model = await loadLm(t.folder, { intraOpNumThreads: 1, kind: 'sequence-classification' });
    return { ok: true, kind: t.kind, scores: await classifyBatch(model, t.texts, t.options) };
  } catch (e) {
    // model load/run failures are already coded (E_MODEL_FORMAT, E_MODEL_RUNTIME, ...); anything else is a bug
    return { ok: false, error: toErrorData(e, 'E_INTERNAL') };
  }
}

function buffersOf(r: LmTaskResult): ArrayBuffer[] {
  if (!r.ok) return [];
  return Object.values(r.scores).filter((v): v is Float64Array | Int32Array => ArrayBuffer.isView(v)).map((v) => v.buffer as ArrayBuffer);
}

export default async function lmWorker(t: LmTaskMessage): Promise<unknown> {
  const r = await runLmTask(t);
  // typed arrays go back transferred, not copied (piscina's Transferable protocol, stack-facts §4)
  return move({ [Piscina.transferableSymbol]: buffersOf(r), [Piscina.valueSymbol]: r } as any);
}
