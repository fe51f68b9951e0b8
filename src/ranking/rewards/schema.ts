// The benchmark spec's `rewards` section: a pool in the smallest unit (an integer as a decimal
// string, never a float), a reward scheme (discriminated on `scheme`), and the optional settings
// `arbiter consensus` uses to combine validators' receipts. The lead's spec schema embeds this.
import { z } from 'zod';

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/** An integer amount in the smallest unit, as a decimal string: "1000000". */
export const PoolSchema = z
  .string()
  .regex(/^[0-9]+$/, 'must be a non-negative integer written as a decimal string, e.g. "1000000"');

/** A parameter used as an exact rational: a finite number (read via its shortest decimal form) or a decimal string. */
export const ExactNumberSchema = z.union([
  z.number().finite().nonnegative(),
  z.string().regex(DECIMAL, 'must be a non-negative decimal string such as "0.85"'),
]);

export const ConsensusSpecSchema = z
  .object({
    /** how validators' scores for one submission are combined */
    method: z.enum(['median', 'trimmed-mean']).default('median'),
    /** trimmed-mean only: scores farther than this from the stake-weighted median are dropped */
    bound: z.number().finite().nonnegative().optional(),
    /** integer amount (smallest unit) shared among validators by agreement; "0" = none */
    validatorPool: PoolSchema.default('0'),
    /** agreement sharpness: a validator's weight on a submission is exp(-lambda * |consensus - score|) */
    lambda: z.number().finite().nonnegative().default(1),
    /** stake exponent in the validator weight stake^alpha */
    alpha: z.number().finite().nonnegative().default(1),
  })
  .strict()
  .refine((c) => c.method !== 'trimmed-mean' || c.bound !== undefined, {
    message: 'method "trimmed-mean" needs a `bound` (the largest distance from the median that is kept)',
    path: ['bound'],
  });

const common = { pool: PoolSchema, consensus: ConsensusSpecSchema.optional() };

export const WinnerTakeAllSchema = z
  .object({
    ...common,
    scheme: z.literal('winner-take-all'),
    /** anti-copy rule: among the top X% by rank (at least one entry, ties at the cut included), the earliest submission wins */
    topPercent: z.number().finite().gt(0).lte(100).optional(),
  })
  .strict();

export const TopKSchema = z
  .object({
    ...common,
    scheme: z.literal('top-k'),
    /** share of rank 1, 2, ..., k; relative weights (normalised over the ranks that exist) */
    shares: z.array(ExactNumberSchema).min(1),
  })
  .strict();

export const LinearSchema = z
  .object({
    ...common,
    scheme: z.literal('linear'),
    /** pay only the top k (default: every ranked entry); rank p gets weight k - p + 1 */
    k: z.number().int().positive().optional(),
  })
  .strict();

export const GeometricSchema = z
  .object({
    ...common,
    scheme: z.literal('geometric'),
    /** ratio between consecutive ranks, 0 < q <= 1, used as an exact rational */
    q: ExactNumberSchema,
    /** if set, multiply each weight by stake^stakeAlpha (needs a stake per participant) and renormalise */
    stakeAlpha: z.number().finite().nonnegative().optional(),
  })
  .strict();

export const SoftmaxSchema = z
  .object({
    ...common,
    scheme: z.literal('softmax'),
    /** weight = exp((s - max s) / temperature) with s oriented so higher is better */
    temperature: z.number().finite().positive(),
  })
  .strict();

export const ProportionalSchema = z
  .object({
    ...common,
    scheme: z.literal('proportional'),
    /** how a score becomes a higher-is-better weight; default identity if the metric is higher-is-better, else reciprocal */
    transform: z.enum(['identity', 'reciprocal', 'distance-from-worst']).optional(),
  })
  .strict();

export const RewardsSpecSchema = z.discriminatedUnion('scheme', [
  WinnerTakeAllSchema,
  TopKSchema,
  LinearSchema,
  GeometricSchema,
  SoftmaxSchema,
  ProportionalSchema,
]);

export type RewardsSpec = z.output<typeof RewardsSpecSchema>;
export type RewardsSpecInput = z.input<typeof RewardsSpecSchema>;
export type ConsensusSpec = z.output<typeof ConsensusSpecSchema>;
export type RewardScheme = RewardsSpec['scheme'];
