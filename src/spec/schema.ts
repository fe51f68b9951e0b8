// The benchmark spec: one zod schema is the single source of truth for validation, defaults,
// the TypeScript types and the JSON Schema that `arbiter spec schema` prints.
import { z } from 'zod';
import { RewardsSpecSchema } from '../ranking/rewards/schema.ts';

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

export const Task = z.discriminatedUnion('type', [ClassificationTask, RegressionTask]);

export const Dataset = z.strictObject({
  path: z.string().min(1).describe('Arrow IPC stream file, relative to benchmark.yaml'),
  sha256: z.string().regex(SHA256, '64 lowercase hex characters'),
  idColumn: z.string().min(1).default('id'),
  publicSample: z.string().min(1).optional().describe('Arrow IPC stream with the same schema as the hidden set but other rows, relative to benchmark.yaml; what `arbiter check` scores on'),
});

export const Batching = z.strictObject({
  size: z.number().int().min(1).max(1 << 20).describe('rows per model run; part of the benchmark, never auto-sized'),
  last: z.enum(['partial', 'pad']).default('partial')
    .describe('partial: the last batch runs with fewer rows; pad: it is padded with zero rows whose outputs are dropped'),
});

export const MetricEntry = z.strictObject({
  name: z.string().min(1).describe('registered metric name'),
  key: z.string().regex(IDENT).optional().describe('name of this score in outputs (default: the metric name)'),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const Split = z.strictObject({
  key: z.string().min(8).optional().describe('secret for the keyed hash that assigns rows to splits'),
  keyFile: z.string().min(1).optional().describe('file holding that secret, relative to benchmark.yaml'),
  publicFraction: z.number().gt(0).lt(1).describe('share of rows in the public split'),
}).refine((s) => (s.key === undefined) !== (s.keyFile === undefined), {
  message: 'give exactly one of key or keyFile',
});

export const Ranking = z.strictObject({
  split: z.enum(['public', 'private']).default('private'),
  primary: z.string().optional().describe('metric key that decides the rank (default: the first metric)'),
  tieBreak: z.array(z.string()).optional()
    .describe('metric keys compared in order after the primary, then "earliest" (earlier submission wins); default: the other metrics, then earliest'),
});


export const BenchmarkSpec = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  version: z.number().int().min(1).describe('bump on any change that can change a score'),
  description: z.string().default(''),
  task: Task,
  dataset: Dataset,
  model: ModelContract,
  batching: Batching,
  metrics: z.array(MetricEntry).min(1),
  split: Split,
  ranking: Ranking.default({ split: 'private' }),
  rewards: RewardsSpecSchema.optional(),
});

export type BenchmarkSpecInput = z.input<typeof BenchmarkSpec>;
export type BenchmarkSpecData = z.output<typeof BenchmarkSpec>;
export type ModelContractData = z.output<typeof ModelContract>;
export type TaskData = z.output<typeof Task>;

/** The JSON Schema of benchmark.yaml, derived from the zod schema. */
export function benchmarkJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(BenchmarkSpec, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: 'https://arbiter.dev/schema/benchmark.json', title: 'arbiter benchmark spec', ...schema };
}
