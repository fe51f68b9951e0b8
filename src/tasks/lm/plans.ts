// What differs between the language-model tasks inside one `arbiter score` job: how the hidden
// JSONL set is read, what a worker is sent for a batch of rows, and how its answer becomes the
// MetricBatch the metrics fold. Everything else (admission, pool, journal, splits, ranking) is
// the same for every LM task and lives in src/tasks/lm/kind.ts. Labels never leave the main thread.
import { ArbiterError } from '../../errors.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import type { MetricBatch } from '../../../scoring/types.ts';
import { prepareChatDataset, prepareJsonlDataset, type PreparedJsonlDataset } from '../../data/chat-dataset.ts';
import type { PrepareOptions } from '../../data/prepare.ts';
import { choiceRowFromJson, textRowFromJson } from '../../data/lm-rows.ts';
import type { ChoiceExample } from './choice-score.ts';
import { chatMetricBatch, choiceMetricBatch, classifyMetricBatch, verbalizerClassify } from './metric-batch.ts';
import { promptFor, verbalizerSetup, type LmTask } from '../../benchmark/lm-task.ts';
import type { LmTaskMessage, LmTaskResult } from './worker.ts';

export type LmTaskOk = Extract<LmTaskResult, { ok: true }>;

export interface LmJobPlan {
  task: LmTask;
  /** the hidden set: commitment, split mask, and its rows read again per batch (streamed, never held whole) */
  data: PreparedJsonlDataset<unknown>;
  /** the worker message for rows [start, end) of the file */
  message(folder: string, start: number, end: number): LmTaskMessage;
  /** the metric batch of rows [start, end) from the worker's answer */
  metricBatch(res: LmTaskOk, start: number, end: number): MetricBatch;
}

function expectKind<K extends LmTaskOk['kind']>(res: LmTaskOk, kind: K): Extract<LmTaskOk, { kind: K }> {
  if (res.kind !== kind) throw new ArbiterError('E_INTERNAL', `an LM worker answered a ${kind} task with ${res.kind}`);
  return res as Extract<LmTaskOk, { kind: K }>;
}

/** The plan of a benchmark's LM task (reads and checks its hidden set). */
export function lmJobPlan(b: LoadedBenchmark, opts: PrepareOptions = {}): LmJobPlan {
  const task = b.spec.task;
  // The token budget of a forward pass (batching.maxTokens): the worker cuts each batch into passes.
  const budget = b.spec.batching.maxTokens !== undefined ? { maxTokens: b.spec.batching.maxTokens } : {};
  if (task.type === 'chat-loss') {
    const data = prepareChatDataset(b, opts);
    const options = { contextLength: task.contextLength, truncation: task.truncation, scoredTokens: task.scoredTokens, ...budget };
    return {
      task, data,
      message: (folder, start, end) => ({ kind: 'chat-loss', folder, examples: data.read(start, end), options }),
      metricBatch: (res) => chatMetricBatch(expectKind(res, 'chat-loss').scores),
    };
  }
  if (task.type === 'multiple-choice') {
    const data = prepareJsonlDataset(b, 'multiple-choice', choiceRowFromJson, opts);
    const labels = data.labels!;
    const options = { contextLength: task.contextLength, delimiter: task.delimiter, ...budget };
    return {
      task, data,
      message: (folder, start, end) => ({ kind: 'multiple-choice', folder, examples: data.read(start, end).map((r): ChoiceExample => r.example), options }),
      metricBatch: (res, start, end) => choiceMetricBatch(expectKind(res, 'multiple-choice').scores, labels.slice(start, end)),
    };
  }
  if (task.type === 'sequence-classification') {
    const K = task.numClasses;
    const data = prepareJsonlDataset(b, 'classification', (row, line) => textRowFromJson(row, line, K, task.labels), opts);
    const labels = data.labels!;
    const texts = (start: number, end: number) => data.read(start, end).map((r) => r.text);
    if (task.modelKind === 'causal-lm') {
      const v = verbalizerSetup(task);
      const options = { contextLength: task.contextLength, delimiter: v.delimiter, ...budget };
      return {
        task, data,
        message: (folder, start, end) => ({
          kind: 'multiple-choice', folder, options,
          examples: texts(start, end).map((t) => ({ context: promptFor(v.prompt, t), choices: v.verbalizers })),
        }),
        metricBatch: (res, start, end) => classifyMetricBatch(verbalizerClassify(expectKind(res, 'multiple-choice').scores, K), labels.slice(start, end), K),
      };
    }
    const options = { contextLength: task.contextLength, truncation: task.truncation, numClasses: K, ...budget };
    return {
      task, data,
      message: (folder, start, end) => ({ kind: 'sequence-classification', folder, texts: texts(start, end), options }),
      metricBatch: (res, start, end) => classifyMetricBatch(expectKind(res, 'sequence-classification').scores, labels.slice(start, end), K),
    };
  }
  throw new ArbiterError('E_TASK_UNSUPPORTED', `benchmark ${b.spec.id}: \`arbiter score\` cannot score task type ${task.type} as a language-model task`, { task: task.type });
}
