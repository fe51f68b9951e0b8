// The federation spec (federation.yaml): one zod schema for validation, defaults, types and the
// JSON Schema `arbiter fl schema` prints. The task, model contract, batching, metrics, limits and
// admission sections are the benchmark spec's own (src/benchmark/schema.ts), so any task kind a
// benchmark can score (tabular ONNX, language-model folders) can be a federation's task; what is
// federated is the rest: the acceptance rule, the parties and their keys and stakes, the rewards.
import { z } from 'zod';
import { Batching, DATASET_FORMATS, Limits, MetricEntry, ModelContract, Task } from '../benchmark/schema.ts';
import { AdmissionRulesSchema } from '../models/admission/schema.ts';
import { PoolSchema } from '../ranking/rewards/schema.ts';

const IDENT = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/** A stake or a fraction: a finite non-negative number or a decimal string, used as an exact rational. */
const ExactDecimal = z.union([z.number().finite().nonnegative(), z.string().regex(DECIMAL, 'a non-negative decimal such as "0.5"')]);

export const PartySchema = z.strictObject({
  name: z.string().regex(IDENT, 'a party name: letters, digits, _ . - (starting with a letter or _)'),
  publicKey: z.string().min(1).describe('the party\'s Ed25519 public key (PEM, SPKI): every partial it sends is signed with its private half'),
  agreementKey: z.string().min(1).optional().describe('the party\'s X25519 public key (PEM) for secure aggregation\'s pairwise masks'),
  stake: ExactDecimal.describe('the party\'s weight in the vote and (scheme stake) in the rewards; > 0'),
});

export const AcceptanceSchema = z.strictObject({
  primary: z.string().optional().describe('metric key the rule compares (default: the first metric)'),
  minImprovement: ExactDecimal.default(0)
    .describe('δ: a round is accepted only when its global primary score improves on the last accepted round\'s by more than 0 and at least this much'),
  quorum: ExactDecimal.default(0.5).describe('share of the total stake whose valid, unflagged partials must arrive for a round to be decided'),
  majority: ExactDecimal.default(0.5).describe('a round is accepted when the stake voting accept is more than this share of the stake that voted'),
});

export const FL_REWARD_SCHEMES = ['stake', 'rows', 'equal'] as const;

export const FederationRewardsSchema = z.strictObject({
  pool: PoolSchema.describe('paid every round (smallest unit, an integer as a decimal string) to the parties whose partial was valid and whose vote was consistent'),
  scheme: z.enum(FL_REWARD_SCHEMES).default('stake').describe('stake: pro rata stake; rows: pro rata rows evaluated; equal: the same to each'),
  penalty: PoolSchema.default('0').describe('taken from every flagged party each round (a contradicting vote, an invalid or replayed partial, a missing party)'),
});

export const FederationSpec = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  version: z.number().int().min(1).describe('bump on any change that can change a score'),
  description: z.string().default(''),
  task: Task,
  model: ModelContract.optional().describe('the ONNX contract; required for classification and regression, not used by language-model tasks'),
  data: z.strictObject({
    format: z.enum(DATASET_FORMATS).optional().describe('the format of every party\'s local set (absent: arrow)'),
    idColumn: z.string().min(1).default('id'),
  }).default({ idColumn: 'id' }).describe('what every party\'s local set looks like; the sets themselves never leave the parties'),
  batching: Batching,
  metrics: z.array(MetricEntry).min(1),
  allowRowRevealingMetrics: z.boolean().default(false)
    .describe('allow metrics whose state keeps every row (roc_auc, average_precision, spearman): their partials then carry every party\'s rows'),
  secureAggregation: z.boolean().optional()
    .describe('default false (absent, so that specs without it keep their hash); parties send their metric states masked by pairwise X25519 masks (docs/federated-secure-aggregation.md): the coordinator learns only the sum; every party needs an agreementKey and every metric must be maskable'),
  limits: Limits.optional(),
  admission: AdmissionRulesSchema.optional(),
  acceptance: AcceptanceSchema.default({ minImprovement: 0, quorum: 0.5, majority: 0.5 }),
  parties: z.array(PartySchema).min(1),
  rewards: FederationRewardsSchema.optional(),
});

export type FederationSpecData = z.output<typeof FederationSpec>;
export type FederationSpecInput = z.input<typeof FederationSpec>;
export type PartyData = z.output<typeof PartySchema>;

/** The JSON Schema of federation.yaml, derived from the zod schema. */
export function federationJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(FederationSpec, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: 'https://arbiter.dev/schema/federation.json', title: 'arbiter federation spec', ...schema };
}
