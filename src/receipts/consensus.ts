// `arbiter consensus`: combines several validators' receipts for the same job into one
// leaderboard. Per submission the consensus score is the stake-weighted median of the validators'
// primary scores (or a trimmed stake-weighted mean; tie-break metrics get a consensus value the
// same way); then it ranks exactly as `arbiter score` does (the spec's tie-break order and
// earlier-submission margin, the reference receipt's registration order), allocates the
// participant pool, and shares the validator pool by agreement with consensus. Receipts that do not belong
// (tampered, bad signature, other spec / dataset / submission set, no stake) are reported and
// left out, never mixed in. Pure: input order cannot change any output.
import { ArbiterError, type ErrorCode } from '../errors.ts';
import { canonicalize, sha256Hex } from '../benchmark/canonical.ts';
import { type Receipt, type ReceiptNumber, decodeScore, encodeScore, hashBody } from '../receipts/receipt.ts';
import { verifyReceiptSignature } from '../receipts/sign.ts';
import { keyedRows } from './compare.ts';
import { parseBenchmarkJson, resolvedTieBreak } from '../benchmark/loader.ts';
import { rankWithAdvantage } from '../ranking/advantage.ts';
import { type StakedScore, trimmedMean, weightedMedian } from './consensus/aggregate.ts';
import { agreementShares } from './consensus/agreement.ts';
import { type RewardEntry, allocateRewards } from '../ranking/rewards/allocate.ts';
import { largestRemainder } from '../ranking/rewards/largest-remainder.ts';
import { rat } from '../ranking/rewards/rational.ts';
import { type ConsensusSpec, ConsensusSpecSchema, type RewardsSpec } from '../ranking/rewards/schema.ts';

export type ExclusionReason = 'tampered' | 'signature' | 'no-validator-id' | 'duplicate-validator' | 'no-stake' | 'mismatch';

export interface Exclusion {
  validator: string | null;
  /** position of the receipt in the input list */
  index: number;
  reason: ExclusionReason;
  message: string;
  /** for 'mismatch': which field differs from the reference group, and how */
  differences?: Array<{ field: 'specHash' | 'datasetSha256' | 'submissions' | 'ranking' | 'rewards'; expected: string; found: string }>;
}

export interface ConsensusRow {
  rank: number | null;
  submission: string;
  participant: string;
  status: 'scored' | 'failed' | 'duplicate';
  /** consensus primary score (bit-exact encoding as in receipts), null unless scored */
  score: ReceiptNumber | null;
  /** every included validator's primary score for this submission (null if it did not score it) */
  validatorScores: Record<string, ReceiptNumber | null>;
  reward: string;
}

export interface ValidatorResult {
  validator: string;
  stake: string;
  keyId: string | null;
  /** agreement share in units of 2^-64 of one submission (decimal integer string) */
  share: string;
  /** submissions this validator scored that are scored in consensus */
  submissions: number;
  reward: string;
}

export interface ConsensusResult {
  benchmark: { id: string; version: number; specHash: string };
  datasetSha256: string;
  ranking: { primary: string; higherIsBetter: boolean };
  settings: ConsensusSpec;
  rewards: RewardsSpec | null;
  leaderboard: ConsensusRow[];
  validators: ValidatorResult[];
  excluded: Exclusion[];
  /** participant pool left unallocated (no scored submission, or no rewards section) */
  participantUnallocated: string;
  validatorUnallocated: string;
  /** E_CONSENSUS_MISMATCH when any receipt was excluded (the CLI prints the result and exits 4), else null */
  code: ErrorCode | null;
}

export interface ConsensusOptions {
  /** override the receipts' rewards.consensus settings (e.g. from command-line flags) */
  settings?: Partial<ConsensusSpec>;
  /** exclude unsigned receipts too */
  requireSignatures?: boolean;
}

const DEFAULT_SETTINGS: ConsensusSpec = { method: 'median', validatorPool: '0', lambda: 1, alpha: 1 };

/** A validator's identity: the receipt's `validator` field, else `key:<keyId>` of its signing key, else null. */
export function validatorIdOf(receipt: Receipt): string | null {
  if (receipt.body.validator) return receipt.body.validator;
  if (receipt.signature) return `key:${receipt.signature.keyId}`;
  return null;
}

/** A stakes file's content: { "<validator id>": "<integer stake>" }; integers may also be JSON numbers. */
export function parseStakes(value: unknown): Map<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ArbiterError('E_CONSENSUS_INPUT', `expected a stakes object {"<validator id>": "<integer stake>"}, found ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(value)) {
    const text = typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : v;
    if (typeof text !== 'string' || !/^[0-9]+$/.test(text)) {
      throw new ArbiterError('E_CONSENSUS_INPUT', `stake of ${k}: expected a non-negative integer (decimal string), found ${JSON.stringify(v)}`, {
        validator: k,
      });
    }
    out.set(k, BigInt(text).toString());
  }
  return out;
}

interface Candidate {
  index: number;
  receipt: Receipt;
  validator: string;
  stake: bigint;
  keyId: string | null;
  group: string;
  parts: { specHash: string; datasetSha256: string; submissions: string; ranking: string; rewards: string };
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The submission set as a hash: (submission, participant, stake) pairs, not their order, so two
 * validators who registered the same files in another order agree. Ranking ties and the
 * earlier-submission margin use the reference receipt's recorded order.
 */
function submissionSetOf(r: Receipt): string {
  const subs = r.body.inputs.submissions
    .map((s) => `${s.submission}\u0000${s.participant}\u0000${s.stake ?? ''}`)
    .sort();
  const rows = r.body.rows.map((x) => `${x.submission}\u0000${x.participant}`).sort();
  return sha256Hex(canonicalize({ subs, rows }));
}

interface RankingRule {
  primary: string;
  higherIsBetter: boolean;
  /** every metric's direction, for the tie-break */
  directions: Record<string, boolean>;
  tieBreak: string[];
  epsilon: number;
}

/**
 * How the run ranked: from the spec the receipt carries (primary, the resolved tie-break order,
 * admission.earlierAdvantage), else (a receipt without its spec) the primary alone.
 */
function rankingRuleOf(r: Receipt): RankingRule {
  const { primary, higherIsBetter } = r.body.ranking;
  if (r.body.spec) {
    try {
      const parsed = parseBenchmarkJson(canonicalize(r.body.spec));
      const admission = (parsed.spec as { admission?: { earlierAdvantage?: number } }).admission;
      return {
        primary,
        higherIsBetter,
        directions: { ...parsed.higherIsBetter, [primary]: higherIsBetter },
        tieBreak: resolvedTieBreak(parsed.spec, parsed.metricKeys, parsed.primary),
        epsilon: admission?.earlierAdvantage ?? 0,
      };
    } catch {
      // a spec that does not load ranks by the primary alone (verify reports such a receipt)
    }
  }
  return { primary, higherIsBetter, directions: { [primary]: higherIsBetter }, tieBreak: [], epsilon: 0 };
}

/** Combine receipts. `stakes` maps validator ids to integer stakes (see parseStakes). */
export function combineReceipts(receipts: readonly Receipt[], stakes: Map<string, string>, opts: ConsensusOptions = {}): ConsensusResult {
  const excluded: Exclusion[] = [];
  const ids = receipts.map(validatorIdOf);
  const idCount = new Map<string, number>();
  for (const id of ids) if (id) idCount.set(id, (idCount.get(id) ?? 0) + 1);
  const candidates: Candidate[] = [];
  receipts.forEach((receipt, index) => {
    const validator = ids[index];
    const exclude = (reason: ExclusionReason, message: string) => excluded.push({ validator, index, reason, message });
    let hash: string;
    try {
      hash = hashBody(receipt.body);
    } catch {
      hash = '';
    }
    if (hash !== receipt.sha256) return exclude('tampered', `body hashes to ${hash || '(not canonicalisable)'}, the receipt records ${receipt.sha256}`);
    const sig = verifyReceiptSignature(receipt);
    if (sig.status === 'invalid') return exclude('signature', sig.message);
    if (sig.status === 'absent' && opts.requireSignatures) return exclude('signature', 'expected a signed receipt, found an unsigned one');
    if (!validator) return exclude('no-validator-id', 'receipt has no validator name and no signature to identify its validator');
    if ((idCount.get(validator) ?? 0) > 1) return exclude('duplicate-validator', `${idCount.get(validator)} receipts claim validator ${validator}; none is used`);
    const stake = stakes.get(validator);
    if (stake === undefined) return exclude('no-stake', `the stakes file has no entry for validator ${validator}`);
    const b = receipt.body;
    const parts = {
      specHash: b.benchmark.specHash,
      datasetSha256: b.dataset.sha256,
      submissions: submissionSetOf(receipt),
      ranking: canonicalize({ ...b.ranking, rule: rankingRuleOf(receipt) }),
      rewards: canonicalize(b.rewards),
    };
    candidates.push({ index, receipt, validator, stake: BigInt(stake), keyId: receipt.signature?.keyId ?? null, group: canonicalize(parts), parts });
  });
  if (candidates.length === 0) {
    throw new ArbiterError('E_CONSENSUS_INPUT', `expected at least one usable receipt, found none of ${receipts.length}`, { excluded });
  }
  // Reference group: the most stake, then the most validators, then the smallest key (deterministic).
  const groups = new Map<string, Candidate[]>();
  for (const c of candidates) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  const stakeOf = (cs: Candidate[]) => cs.reduce((s, c) => s + c.stake, 0n);
  const [refKey] = [...groups.entries()].sort(([ka, a], [kb, b]) => {
    const sa = stakeOf(a);
    const sb = stakeOf(b);
    return sa > sb ? -1 : sa < sb ? 1 : b.length - a.length || cmpStr(ka, kb);
  })[0];
  const members = groups.get(refKey)!.sort((a, b) => cmpStr(a.validator, b.validator));
  const ref = members[0];
  for (const c of candidates) {
    if (c.group === refKey) continue;
    const differences = (Object.keys(c.parts) as Array<keyof Candidate['parts']>)
      .filter((k) => c.parts[k] !== ref.parts[k])
      .map((field) => ({ field, expected: ref.parts[field], found: c.parts[field] }));
    excluded.push({
      validator: c.validator,
      index: c.index,
      reason: 'mismatch',
      message: `receipt differs from the reference group in ${differences.map((d) => d.field).join(', ')}`,
      differences,
    });
  }
  excluded.sort((a, b) => a.index - b.index);
  const totalStake = stakeOf(members);
  if (totalStake === 0n) throw new ArbiterError('E_CONSENSUS_INPUT', 'every usable validator has stake 0: no consensus can be weighted');

  const body = ref.receipt.body;
  const overrides = Object.fromEntries(Object.entries(opts.settings ?? {}).filter(([, v]) => v !== undefined));
  const checked = ConsensusSpecSchema.safeParse({ ...DEFAULT_SETTINGS, ...(body.rewards?.consensus ?? {}), ...overrides });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ArbiterError('E_CONSENSUS_INPUT', `consensus settings: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const settings: ConsensusSpec = checked.data;
  const rule = rankingRuleOf(ref.receipt);
  const { higherIsBetter, primary } = rule;
  const aggregate = (staked: StakedScore[]) => (settings.method === 'median' ? weightedMedian(staked) : trimmedMean(staked, settings.bound!).value);

  // Per row key: each member's row.
  const perValidator = members.map((m) => ({ m, rows: keyedRows(m.receipt.body.rows) }));
  const refRows = keyedRows(body.rows);
  // Registration order is the reference receipt's (a validator reproducing a run uses the order its receipt records).
  const seqOf = new Map(body.inputs.submissions.map((s) => [`${s.submission}\u0000${s.participant}`, s.submittedSeq]));
  const keys = [...refRows.keys()].sort((a, b) => {
    const sa = seqOf.get(a.slice(0, a.lastIndexOf('\u0000'))) ?? Number.MAX_SAFE_INTEGER;
    const sb = seqOf.get(b.slice(0, b.lastIndexOf('\u0000'))) ?? Number.MAX_SAFE_INTEGER;
    return sa - sb || cmpStr(a, b);
  });
  const consensus = new Map<string, number>();
  const scoresByKey = new Map<string, Array<{ validator: string; score: number }>>();
  const rowsOut: Array<Omit<ConsensusRow, 'rank' | 'reward'> & { key: string; value: number | null; seq: number; scores: Record<string, number> }> = [];
  for (const key of keys) {
    const refRow = refRows.get(key)!;
    const staked: StakedScore[] = [];
    const validatorScores: Record<string, ReceiptNumber | null> = {};
    const statusStake = { scored: 0n, failed: 0n, duplicate: 0n };
    for (const { m, rows } of perValidator) {
      const row = rows.get(key);
      const raw = row && row.status === 'scored' ? row.scores[primary] : undefined;
      const score = raw === undefined ? NaN : decodeScore(raw);
      if (row && row.status === 'scored' && Number.isFinite(score)) {
        staked.push({ validator: m.validator, score, stake: m.stake });
        validatorScores[m.validator] = encodeScore(score);
        statusStake.scored += m.stake;
      } else {
        validatorScores[m.validator] = null;
        statusStake[row?.status === 'duplicate' ? 'duplicate' : 'failed'] += m.stake;
      }
    }
    let status: ConsensusRow['status'];
    let value: number | null = null;
    const scores: Record<string, number> = {};
    if (2n * statusStake.scored > totalStake) {
      status = 'scored';
      value = aggregate(staked);
      consensus.set(key, value);
      scoresByKey.set(
        key,
        staked.map((s) => ({ validator: s.validator, score: s.score })),
      );
      // The tie-break metrics get a consensus value the same way, so ties break as in `score`.
      scores[primary] = value;
      for (const k of rule.tieBreak) {
        if (k === 'earliest' || k === primary) continue;
        const xs: StakedScore[] = [];
        for (const { m, rows } of perValidator) {
          const row = rows.get(key);
          const raw = row && row.status === 'scored' ? row.scores[k] : undefined;
          const x = raw === undefined ? NaN : decodeScore(raw);
          if (Number.isFinite(x)) xs.push({ validator: m.validator, score: x, stake: m.stake });
        }
        scores[k] = xs.some((x) => x.stake > 0n) ? aggregate(xs) : NaN;
      }
    } else {
      status = statusStake.duplicate > statusStake.failed ? 'duplicate' : 'failed';
    }
    const [submission, participant] = [refRow.submission, refRow.participant];
    rowsOut.push({
      key,
      submission,
      participant,
      status,
      score: value === null ? null : encodeScore(value),
      value,
      validatorScores,
      seq: seqOf.get(`${submission}\u0000${participant}`) ?? Number.MAX_SAFE_INTEGER,
      scores,
    });
  }

  // Prediction copies (duplicates.policy rank-after) as the reference receipt flags them: each is
  // placed directly after its original, as the run placed it.
  const indexOfRow = new Map(rowsOut.map((r, i) => [`${r.submission}\u0000${r.participant}`, i]));
  const rankAfter = new Map<number, number>();
  rowsOut.forEach((r, i) => {
    const dup = refRows.get(r.key)?.duplicateOf;
    const orig = dup ? indexOfRow.get(`${dup.submission}\u0000${dup.participant}`) : undefined;
    if (orig !== undefined && orig !== i) rankAfter.set(i, orig);
  });
  // Rank exactly as `arbiter score` does: the spec's primary, tie-break order, earlier-submission margin and copies.
  const ranked = rankWithAdvantage(
    rowsOut.map((r) => ({ seq: r.seq, status: r.status, scores: r.scores })),
    { primary, tieBreak: rule.tieBreak, higherIsBetter: rule.directions },
    { epsilon: rule.epsilon, rankAfter },
  );
  const ordered = ranked.map(({ index }) => rowsOut[index]!);
  const rankOf = new Map(ranked.map(({ index, rank }) => [rowsOut[index]!.key, rank]));
  const inputs = new Map(body.inputs.submissions.map((s) => [`${s.submission}\u0000${s.participant}`, s]));
  const entries: RewardEntry[] = ordered.map((r) => {
    const input = inputs.get(`${r.submission}\u0000${r.participant}`);
    const e: RewardEntry = {
      submission: r.submission,
      participant: r.participant,
      status: r.status,
      rank: rankOf.get(r.key) ?? null,
      score: r.value,
      submittedSeq: r.seq,
    };
    if (input?.stake) e.stake = input.stake;
    return e;
  });
  const allocation = body.rewards ? allocateRewards(entries, body.rewards, { higherIsBetter }) : null;
  const leaderboard: ConsensusRow[] = ordered.map((r, i) => ({
    rank: entries[i].rank,
    submission: r.submission,
    participant: r.participant,
    status: r.status,
    score: r.score,
    validatorScores: r.validatorScores,
    reward: allocation ? allocation.rewards[i] : '0',
  }));

  // Validator rewards by agreement.
  const memberStakes = new Map(members.map((m) => [m.validator, m.stake.toString()]));
  const shares = agreementShares({ consensus, scores: scoresByKey, stakes: memberStakes, lambda: settings.lambda, alpha: settings.alpha });
  const validatorIds = members.map((m) => m.validator); // sorted by id
  const shareList = validatorIds.map((v) => shares.get(v)!.share);
  const vPool = BigInt(settings.validatorPool);
  const anyShare = shareList.some((s) => s > 0n);
  const vRewards =
    anyShare && vPool > 0n
      ? largestRemainder(
          vPool,
          shareList.map((s) => rat(s)),
          validatorIds.map((_, i) => i),
        )
      : shareList.map(() => 0n);
  const validators: ValidatorResult[] = members.map((m, i) => ({
    validator: m.validator,
    stake: m.stake.toString(),
    keyId: m.keyId,
    share: shareList[i].toString(),
    submissions: shares.get(m.validator)!.submissions,
    reward: vRewards[i].toString(),
  }));

  return {
    benchmark: { ...body.benchmark },
    datasetSha256: body.dataset.sha256,
    ranking: { primary, higherIsBetter },
    settings,
    rewards: body.rewards,
    leaderboard,
    validators,
    excluded,
    participantUnallocated: allocation ? allocation.unallocated : '0',
    validatorUnallocated: anyShare || vPool === 0n ? '0' : vPool.toString(),
    code: excluded.length > 0 ? 'E_CONSENSUS_MISMATCH' : null,
  };
}
