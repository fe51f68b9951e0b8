// Admission rules (per benchmark) and the model contract shape that admission checks against.
// The lead's spec embeds `AdmissionRulesSchema` under the benchmark's `admission:` key; every
// field has a default, so `AdmissionRulesSchema.parse({})` gives the documented defaults.
import { z } from 'zod';

const int = () => z.number().int();

export const DuplicateRulesSchema = z.object({
  /** Flag submissions whose sorted initializer contents hash equal to an earlier one's. */
  weights: z.boolean().default(true),
  /** Flag a later submission whose predictions agree with an earlier one on more than this share of rows. */
  predictionAgreement: z.number().gt(0).lte(1).optional(),
  /** Significant digits kept when fingerprinting predictions (values equal after rounding agree). */
  predictionDigits: int().min(1).max(9).default(4),
  /** What happens to a flagged later submission: ranked directly after its original, or excluded. */
  policy: z.enum(['rank-after', 'exclude']).default('rank-after'),
}).strict();

export const SanityRulesSchema = z.object({
  enabled: z.boolean().default(true),
  /** How many public rows the sanity run feeds the model. */
  rows: int().min(1).max(4096).default(8),
  /**
   * Refuse a model whose outputs are identical for every sanity row (needs rows >= 2). Off by
   * default: a constant (prior) predictor is a legitimate baseline, and a model that is piecewise
   * constant (a tree, a thresholded classifier) can give the same output on a handful of rows.
   */
  rejectConstant: z.boolean().default(false),
}).strict();

export const AdmissionRulesSchema = z.object({
  /** Which submission kinds the benchmark takes; absent: both (ONNX models and prediction files). */
  kinds: z.array(z.enum(['onnx', 'predictions'])).min(1).optional(),
  /** Size limit of the .onnx file (or the whole unpacked archive minus external data), bytes. */
  maxBytes: int().positive().default(256 * 1024 * 1024),
  /** Size limit of all external-data files together, bytes (0 forbids external data). */
  maxExternalBytes: int().nonnegative().default(0),
  /** Allowed versions of the default ONNX operator set ('' / 'ai.onnx'). */
  allowedOpsets: z.object({ min: int().min(1), max: int().min(1) }).strict()
    .refine((o) => o.min <= o.max, { message: 'allowedOpsets.min must be <= allowedOpsets.max' })
    .default({ min: 7, max: 21 }),
  /** Allowed ONNX IR versions. */
  irVersions: z.array(int().min(1)).min(1).default([3, 4, 5, 6, 7, 8, 9, 10]),
  /**
   * Operators allowed. Entries are `Op` (standard domain), `domain:Op`, or `domain:*`.
   * Absent: every standard-domain ONNX operator and nothing else.
   */
  opAllowlist: z.array(z.string().min(1)).optional(),
  /** Maximum parameter count (elements of all initializers and Constant tensors). */
  maxParams: int().positive().optional(),
  /** Maximum node count, subgraphs included (a guard against graph bombs). */
  maxNodes: int().positive().default(100_000),
  /** Maximum nesting of subgraphs (If/Loop/Scan bodies). */
  maxGraphDepth: int().min(0).default(8),
  sanity: SanityRulesSchema.default({ enabled: true, rows: 8, rejectConstant: false }),
  duplicates: DuplicateRulesSchema.default({ weights: true, predictionDigits: 4, policy: 'rank-after' }),
  /** A later submission must beat an earlier one by more than this margin to rank above it. */
  earlierAdvantage: z.number().nonnegative().optional(),
  /** Archive limits for tar / tar.gz submissions. */
  archive: z.object({
    maxEntries: int().positive().default(64),
  }).strict().default({ maxEntries: 64 }),
}).strict();

export type AdmissionRules = z.infer<typeof AdmissionRulesSchema>;
export type AdmissionRulesInput = z.input<typeof AdmissionRulesSchema>;

export const TENSOR_DTYPES = ['float32', 'float64', 'float16', 'int8', 'uint8', 'int32', 'int64', 'bool', 'string'] as const;

export const TensorContractSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(TENSOR_DTYPES),
  /** Numbers are fixed dims, strings are symbolic (e.g. 'batch'). */
  shape: z.array(z.union([int().nonnegative(), z.string().min(1)])),
}).strict();

export const ModelContractSchema = z.object({
  inputs: z.array(TensorContractSchema).min(1),
  outputs: z.array(TensorContractSchema).min(1),
}).strict();

export type TensorContract = z.infer<typeof TensorContractSchema>;
export type ModelContract = z.infer<typeof ModelContractSchema>;
