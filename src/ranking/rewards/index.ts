// Public surface of reward allocation (see docs/rewards.md).
export { RewardsSpecSchema, ConsensusSpecSchema, PoolSchema, ExactNumberSchema } from './schema.ts';
export type { RewardsSpec, RewardsSpecInput, ConsensusSpec, RewardScheme } from './schema.ts';
export { allocateRewards, schemeWeights, tieAverage, canonicalCompare, isEligible, stakePower } from './allocate.ts';
export type { RewardEntry, AllocationContext, RewardAllocation } from './allocate.ts';
export { rewardRows, entriesFromRows } from './rows.ts';
export type { RankedRow, RowRewardOptions } from './rows.ts';
export { largestRemainder } from './largest-remainder.ts';
