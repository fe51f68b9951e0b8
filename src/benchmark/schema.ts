// The benchmark spec: one zod schema is the single source of truth for validation, defaults,
// the TypeScript types and the JSON Schema that `arbiter spec schema` prints.
import { z } from 'zod';
import { ArbiterError } from '../errors.ts';
import { RewardsSpecSchema } from '../ranking/rewards/schema.ts';
import { chatLossTaskSchema, multipleChoiceTaskSchema, sequenceClassificationTaskSchema } from './lm-task.ts';
import { AdmissionRulesSchema } from '../models/admission/schema.ts';

const IDENT = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

export const TENSOR_DTYPES = ['float32', 'float64', 'int32', 'int64'] as const;
export type TensorDtype = (typeof TENSOR_DTYPES)[number];

/** A dimension: a fixed size, or a symbolic name (`batch` is the batch axis). */
export const Dim = z.union([
  z.number().int().positive(),
  z.string().regex(IDENT, 'a symbolic dimension name such as "batch"'),
]);

const TensorContract = z.strictObject({
  name: z.string().min(1).describe('tensor name in the ONNX graph'),
  dtype: z.enum(TENSOR_DTYPES),
  shape: z.array(Dim).min(1).describe('first axis is the batch axis (symbolic); other axes fixed'),
});

export const ModelInput = TensorContract.extend({
  column: z.string().min(1).describe('dataset column fed to this input (scalar or fixed-size list)'),
});

export const ModelContract = z.strictObject({
  inputs: z.array(ModelInput).min(1),
  outputs: z.array(TensorContract).length(1, 'exactly one output (the prediction tensor)'),
  maxBytes: z.number().int().positive().default(100 * 1024 * 1024).describe('largest accepted submission, in bytes'),
});

export const ClassificationTask = z.strictObject({
  type: z.literal('classification'),
  numClasses: z.number().int().min(2).max(100_000),
  labelColumn: z.string().min(1),
  output: z.enum(['probabilities', 'logits']).default('probabilities')
    .describe('what the model output holds; logits are turned into probabilities with a float64 softmax'),
});

export const RegressionTask = z.strictObject({
  type: z.literal('regression'),
  targetColumn: z.string().min(1),
});

export const Task = z.discriminatedUnion('type', [
  ClassificationTask, RegressionTask, chatLossTaskSchema, multipleChoiceTaskSchema, sequenceClassificationTaskSchema,
]);

/** Task types whose submissions are transformers.js model folders (no ONNX `model` contract). */
export const LM_TASK_TYPES = ['chat-loss', 'multiple-choice', 'sequence-classification'] as const;
export type LmTaskType = (typeof LM_TASK_TYPES)[number];
export function isLmTaskType(type: string): type is LmTaskType {
  return (LM_TASK_TYPES as readonly string[]).includes(type);
}

export const DATASET_FORMATS = ['arrow', 'chat-jsonl', 'choice-jsonl', 'text-jsonl'] as const;

export const Dataset = z.strictObject({
  path: z.string().min(1).describe('the dataset file (Arrow IPC stream or JSONL), relative to benchmark.yaml'),
  // optional rather than defaulted, so that specs written before formats existed keep their spec hash
  format: z.enum(DATASET_FORMATS).optional()
    .describe('arrow (when absent) for tabular tasks; chat-jsonl / choice-jsonl / text-jsonl for chat-loss / multiple-choice / sequence-classification'),
  sha256: z.string().regex(SHA256, '64 lowercase hex characters').describe('sha256 of the file bytes (Arrow or JSONL)'),
  idColumn: z.string().min(1).default('id').describe('Arrow: the row id column; JSONL: the optional id field of each row (else the 1-based line number)'),
  commitment: z.string().regex(SHA256, '64 lowercase hex characters').optional()
    .describe('Merkle root over the rows (`arbiter dataset commit`), published before the competition; checked before scoring'),
  encrypted: z.boolean().optional()
    .describe('the file is encrypted with `arbiter dataset encrypt`; sha256 is then the sha256 of the decrypted Arrow stream'),
  inputsPublished: z.boolean().optional()
    .describe('the hidden rows\' ids and inputs were handed to participants (Kaggle style): prediction-file errors may then name the ids at fault; absent/false: messages give counts only'),
  publicSample: z.string().min(1).optional().describe('Arrow IPC stream with the same schema as the hidden set but other rows, relative to benchmark.yaml; what `arbiter check` scores on'),
});

export const Batching = z.strictObject({
  size: z.number().int().min(1).max(1 << 20).describe('rows per model run; part of the benchmark, never auto-sized'),
  last: z.enum(['partial', 'pad']).default('partial')
    .describe('partial: the last batch runs with fewer rows; pad: it is padded with zero rows whose outputs are dropped'),
  // No default in the schema: a default would enter every parsed spec, and with it every spec hash.
  maxTokens: z.number().int().min(1).max(1 << 30).optional()
    .describe('language-model tasks: padded tokens (sequences x longest sequence) per forward pass; a batch of `size` rows runs in as many passes as the budget needs (absent: the whole batch in one pass). At least task.contextLength'),
});

export const MetricEntry = z.strictObject({
  name: z.string().min(1).describe('registered metric name'),
  key: z.string().regex(IDENT).optional().describe('name of this score in outputs (default: the metric name)'),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const Split = z.strictObject({
  key: z.string().min(8).optional().describe('secret for the keyed hash that assigns rows to splits'),
  keyFile: z.string().min(1).optional().describe('file holding that secret, relative to benchmark.yaml'),
  publicFraction: z.number().min(0).max(1).optional().describe('share of rows in the public split (with key or keyFile); 0 or 1 makes a single-split benchmark (every row private, or every row public)'),
  column: z.string().min(1).optional()
    .describe('instead of the keyed hash: the dataset column (Arrow) or row field (JSONL) naming each row\'s split, "public" or "private"'),
}).superRefine((s, ctx) => {
  if (s.column !== undefined) {
    for (const k of ['key', 'keyFile', 'publicFraction'] as const) {
      if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `no ${k} with split.column (the column decides each row's split)` });
    }
    return;
  }
  if ((s.key === undefined) === (s.keyFile === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of key or keyFile' });
  if (s.publicFraction === undefined) ctx.addIssue({ code: 'custom', path: ['publicFraction'], message: 'a publicFraction from 0 to 1 with key or keyFile' });
});

export const Ranking = z.strictObject({
  split: z.enum(['public', 'private']).default('private'),
  primary: z.string().optional().describe('metric key that decides the rank (default: the first metric)'),
  tieBreak: z.array(z.string()).optional()
    .describe('metric keys compared in order after the primary, then "earliest" (earlier submission wins); default: the other metrics, then earliest'),
});


export const Limits = z.strictObject({
  wallClockMs: z.number().int().positive().default(600_000).describe('wall clock for one submission, all its batches (ms); E_TIMEOUT beyond'),
  batchTimeoutMs: z.number().int().positive().optional().describe('wall clock for one batch (ms)'),
  memoryLimitMb: z.number().int().positive().default(2048).describe('resident memory of the inference process (MiB); E_MEMORY_LIMIT beyond'),
});

export const BenchmarkSpec = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  version: z.number().int().min(1).describe('bump on any change that can change a score'),
  description: z.string().default(''),
  task: Task,
  dataset: Dataset,
  model: ModelContract.optional().describe('the ONNX contract; required for classification and regression, not used by language-model tasks'),
  batching: Batching,
  metrics: z.array(MetricEntry).min(1),
  split: Split,
  ranking: Ranking.default({ split: 'private' }),
  leaderboard: z.strictObject({
    live: z.enum(['private', 'public']).default('private')
      .describe('what the live leaderboard shows before `arbiter release`: the ranking split (private, the default) or, as Kaggle does, the public split\'s scores and ranks while the private ranking stays withheld'),
  }).optional().describe('what the live leaderboard shows before release'),
  rewards: RewardsSpecSchema.optional(),
  limits: Limits.optional().describe('per-submission execution limits, enforced when inference runs in isolated processes (the default)'),
  hiddenSets: z.strictObject({
    final: Dataset.describe('set B: scored with `arbiter score --set final`, its scores withheld until `--release`'),
  }).optional().describe('a second hidden set for the final ranking (`dataset` is the live set)'),
  admission: AdmissionRulesSchema.optional()
    .describe('static admission rules for ONNX submissions (opsets, IR versions, operators, parameters, copies); absent: the defaults'),
});

export type BenchmarkSpecInput = z.input<typeof BenchmarkSpec>;
export type BenchmarkSpecData = z.output<typeof BenchmarkSpec>;
export type ModelContractData = z.output<typeof ModelContract>;
export type TaskData = z.output<typeof Task>;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** A classification / regression spec: the loader guarantees its ONNX model contract. */
export type TabularSpecData = BenchmarkSpecData & { model: ModelContractData };

/** Narrow a spec to one with a model contract (every tabular spec the loader accepted has one). */
export function requireModel(spec: BenchmarkSpecData): TabularSpecData {
  if (!spec.model) throw new ArbiterError('E_INTERNAL', `benchmark ${spec.id} (task ${spec.task.type}) has no ONNX model contract`);
  return spec as TabularSpecData;
}

/** The dataset's format: `dataset.format`, or 'arrow' when the spec leaves it out. */
export function datasetFormatOf(spec: BenchmarkSpecData): DatasetFormat {
  return spec.dataset.format ?? 'arrow';
}

/** The JSON Schema of benchmark.yaml, derived from the zod schema. */
export function benchmarkJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(BenchmarkSpec, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: 'https://arbiter.dev/schema/benchmark.json', title: 'arbiter benchmark spec', ...schema };
}
