import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { combineReceipts, parseStakes, validatorIdOf } from '../../src/receipts/consensus.ts';
import { exactDistance, midpoint, trimmedMean, weightedMedian } from '../../src/receipts/consensus/aggregate.ts';
import { RewardsSpecSchema, type RewardsSpecInput } from '../../src/ranking/rewards/schema.ts';
import { buildReceipt, type Receipt } from '../../src/receipts/receipt.ts';
import type { ScoreResult, ScoreRow } from '../../src/receipts/score-result.ts';
import { generateKeyPair, signReceipt } from '../../src/receipts/sign.ts';
import { buildScoreResult, receiptExtra, sha } from './fixture.ts';

describe('weighted median and trimmed mean', () => {
  const s = (validator: string, score: number, stake: bigint) => ({ validator, score, stake });

  it('equal stakes give the ordinary median (midpoint for an even count)', () => {
    expect(weightedMedian([s('a', 3, 1n), s('b', 1, 1n), s('c', 2, 1n)])).toBe(2);
    expect(weightedMedian([s('a', 3, 1n), s('b', 1, 1n), s('c', 2, 1n), s('d', 10, 1n)])).toBe(2.5);
  });

  it('a validator holding more than half the stake decides; zero stakes have no say; order is irrelevant', () => {
    const xs = [s('a', 0.9, 6n), s('b', 0.1, 2n), s('c', 0.2, 3n), s('z', 0.5, 0n)];
    expect(weightedMedian(xs)).toBe(0.9);
    expect(weightedMedian(xs.slice().reverse())).toBe(0.9);
    expect(weightedMedian([s('a', 0.9, 5n), s('b', 0.1, 2n), s('c', 0.2, 3n)])).toBe(midpoint(0.2, 0.9));
    expect(() => weightedMedian([s('z', 1, 0n)])).toThrow(/every stake is 0/);
  });

  it('midpoint and distance are exact then rounded once', () => {
    expect(midpoint(0.1, 0.2)).toBe(0.15000000000000002); // exact (0.1 + 0.2) / 2 as doubles, rounded once
    expect(midpoint(Number.MAX_VALUE, Number.MAX_VALUE)).toBe(Number.MAX_VALUE); // no overflow
    expect(exactDistance(0.7, 0.5)).toBe(0.19999999999999996);
  });

  it('trimmed mean drops the outlier: 0.80 / 0.81 / 0.82 / 0.20, bound 0.05', () => {
    const xs = [s('a', 0.8, 1n), s('b', 0.81, 1n), s('c', 0.82, 1n), s('d', 0.2, 1n)];
    const t = trimmedMean(xs, 0.05);
    expect(t.median).toBe(midpoint(0.8, 0.81));
    expect(t.kept).toEqual(['a', 'b', 'c']);
    expect(t.value).toBe(0.81); // exact mean of the three doubles, rounded once
    // stake weights the mean: 0.8 with stake 3, 0.82 with stake 1 -> (2.4 + 0.82) / 4 = 0.805
    const u = trimmedMean([s('a', 0.8, 3n), s('c', 0.82, 1n), s('d', 0.2, 1n)], 0.05);
    expect(u.value).toBe(0.805);
    // nothing within the bound of a midpoint median: fall back to the median
    expect(trimmedMean([s('a', 0, 1n), s('b', 1, 1n)], 0.1)).toEqual({ value: 0.5, median: 0.5, kept: [] });
  });
});

/** A ScoreResult with the given primary (mse) score per participant; null = failed. */
function result(scores: Record<string, number | null>, opts: { dataset?: string } = {}): ScoreResult {
  const rows: ScoreRow[] = Object.entries(scores).map(([p, v]): ScoreRow => ({
    rank: null,
    submission: sha(`model-${p}`),
    participant: p,
    status: v === null ? 'failed' : 'scored',
    scores: v === null ? ({} as Record<string, number>) : { mse: v },
    splitScores: {},
    error: v === null ? { code: 'E_MODEL_RUNTIME', message: 'x' } : null,
  }));
  const scored = rows.filter((r) => r.status === 'scored').sort((a, b) => a.scores.mse - b.scores.mse);
  scored.forEach((r, i) => (r.rank = i + 1));
  const dataset = opts.dataset ?? sha('dataset');
  return {
    benchmark: { id: 'demo', version: 1, specHash: sha('spec') },
    run: {
      id: 1,
      fingerprint: {
        engine: '0.1.0',
        onnxruntime: '1.30.0',
        cpuFlags: '0000000000000000',
        node: 'v20',
        platform: 'linux',
        arch: 'x64',
        cpu: 'cpu',
        specHash: sha('spec'),
        datasetSha256: dataset,
        batchSize: 8,
        graphOptimizationLevel: 'extended',
      },
    },
    rows: [...scored, ...rows.filter((r) => r.status !== 'scored')],
  };
}

function receipt(validator: string, scores: Record<string, number | null>, rewards: RewardsSpecInput, opts: { dataset?: string } = {}): Receipt {
  const participants = Object.keys(scores);
  return buildReceipt(result(scores, opts), {
    primary: 'mse',
    higherIsBetter: false,
    rewards: RewardsSpecSchema.parse(rewards),
    validator,
    submissions: participants.map((p, i) => ({ submission: sha(`model-${p}`), participant: p, submittedSeq: i })),
  });
}

const LINEAR = { pool: '600', scheme: 'linear', consensus: { validatorPool: '1000', lambda: 20, alpha: 1 } } as const;
const HONEST = { alice: 0.1, bob: 0.3, carol: 0.2, dave: null };

describe('combineReceipts', () => {
  it('hand example: stakes 3 : 1, scores 0.5 / 0.7 -> consensus 0.5; agreement shares 0.7856 / 0.2144 -> 786 / 214', () => {
    const rw = { pool: '10', scheme: 'winner-take-all', consensus: { validatorPool: '1000', lambda: 1, alpha: 1 } } as const;
    const out = combineReceipts([receipt('A', { p: 0.5 }, rw), receipt('B', { p: 0.7 }, rw)], parseStakes({ A: '3', B: 1 }));
    expect(out.leaderboard[0]).toMatchObject({ rank: 1, participant: 'p', status: 'scored', score: 0.5, reward: '10' });
    expect(out.leaderboard[0].validatorScores).toEqual({ A: 0.5, B: 0.7 });
    // a_A = e^0 * 3, a_B = e^-0.19999999999999996 * 1; floor(a / (a_A + a_B) * 2^64) (Python fractions oracle)
    expect(out.validators.map((v) => [v.validator, v.share, v.reward])).toEqual([
      ['A', '14491786878800815342', '786'],
      ['B', '3954957194908736273', '214'],
    ]);
    expect(out.code).toBeNull();
  });

  it('an outlier validator does not move the consensus and earns least; one equal to consensus earns most', () => {
    // alpha 0: validator weights depend on agreement only, not on stake
    const rw = { ...LINEAR, consensus: { ...LINEAR.consensus, alpha: 0 } };
    const rs = [
      receipt('v1', HONEST, rw),
      receipt('v2', { alice: 0.1, bob: 0.3, carol: 0.21, dave: null }, rw),
      receipt('v3', { alice: 0.11, bob: 0.3, carol: 0.2, dave: null }, rw),
      receipt('outlier', { alice: 0.9, bob: 0.05, carol: 0.2, dave: 0.01 }, rw),
    ];
    // total 430, half 215: the median is the first score where the sorted stake passes 215
    const out = combineReceipts(rs, parseStakes({ v1: '130', v2: '100', v3: '100', outlier: '100' }));
    const byP = Object.fromEntries(out.leaderboard.map((r) => [r.participant, r]));
    expect(byP.alice.score).toBe(0.1);
    expect(byP.bob.score).toBe(0.3);
    expect(byP.carol.score).toBe(0.2);
    expect(byP.dave).toMatchObject({ status: 'failed', rank: null, reward: '0', score: null }); // only the outlier scored it
    expect(out.leaderboard.map((r) => r.participant)).toEqual(['alice', 'carol', 'bob', 'dave']);
    expect(out.leaderboard.map((r) => r.reward)).toEqual(['300', '200', '100', '0']); // linear 3 : 2 : 1 of 600
    const reward = Object.fromEntries(out.validators.map((v) => [v.validator, BigInt(v.reward)]));
    expect(reward.v1 + reward.v2 + reward.v3 + reward.outlier).toBe(1000n);
    expect(reward.v1 > reward.v2 && reward.v1 > reward.v3).toBe(true); // v1 equals consensus on bob and carol
    expect(reward.outlier < reward.v2 && reward.outlier < reward.v3).toBe(true);
    expect(out.excluded).toEqual([]);
  });

  it('trimmed-mean consensus ignores the outlier beyond the bound', () => {
    const tm = { ...LINEAR, consensus: { ...LINEAR.consensus, method: 'trimmed-mean', bound: 0.05 } } as const;
    const rs = [
      receipt('v1', { alice: 0.1, bob: 0.3 }, tm),
      receipt('v2', { alice: 0.12, bob: 0.3 }, tm),
      receipt('v3', { alice: 0.14, bob: 0.3 }, tm),
      receipt('outlier', { alice: 0.9, bob: 0.3 }, tm),
    ];
    const out = combineReceipts(rs, parseStakes({ v1: '1', v2: '1', v3: '1', outlier: '1' }));
    // median = midpoint(0.12, 0.14) = 0.13; kept 0.1, 0.12, 0.14 -> mean 0.12
    expect(out.leaderboard.find((r) => r.participant === 'alice')!.score).toBe(0.12000000000000001);
    expect(out.settings.method).toBe('trimmed-mean');
    // a command-line override wins over the receipts' settings
    const med = combineReceipts(rs, parseStakes({ v1: '1', v2: '1', v3: '1', outlier: '1' }), { settings: { method: 'median' } });
    expect(med.leaderboard.find((r) => r.participant === 'alice')!.score).toBe(midpoint(0.12, 0.14));
  });

  it('receipt order does not matter', () => {
    const rs = [
      receipt('v1', HONEST, LINEAR),
      receipt('v2', { alice: 0.1, bob: 0.3, carol: 0.21, dave: null }, LINEAR),
      receipt('outlier', { alice: 0.9, bob: 0.05, carol: 0.2, dave: 0.01 }, LINEAR),
    ];
    const stakes = parseStakes({ v1: '5', v2: '7', outlier: '3' });
    const a = combineReceipts(rs, stakes);
    const b = combineReceipts([rs[2], rs[0], rs[1]], stakes);
    expect(b).toEqual(a);
  });

  it('reports and leaves out receipts with another dataset, a tampered body, a bad signature, no stake or a shared id', () => {
    const keys = generateKeyPair();
    const good = [receipt('v1', HONEST, LINEAR), signReceipt(receipt('v2', HONEST, LINEAR), keys.privateKeyPem)];
    const otherData = receipt('v3', HONEST, LINEAR, { dataset: sha('other') });
    const tampered = structuredClone(receipt('v4', HONEST, LINEAR));
    tampered.body.rows[0].scores.mse = 0.0001;
    const badSig = structuredClone(signReceipt(receipt('v5', HONEST, LINEAR), keys.privateKeyPem));
    badSig.signature!.value = Buffer.alloc(64, 1).toString('base64');
    const noStake = receipt('v6', HONEST, LINEAR);
    const twinA = receipt('twin', HONEST, LINEAR);
    const twinB = receipt('twin', { ...HONEST, alice: 0.5 }, LINEAR);
    const out = combineReceipts(
      [...good, otherData, tampered, badSig, noStake, twinA, twinB],
      parseStakes({ v1: '10', v2: '10', v3: '15', v4: '1', v5: '1', twin: '1' }),
    );
    expect(out.excluded.map((e) => [e.index, e.validator, e.reason])).toEqual([
      [2, 'v3', 'mismatch'],
      [3, 'v4', 'tampered'],
      [4, 'v5', 'signature'],
      [5, 'v6', 'no-stake'],
      [6, 'twin', 'duplicate-validator'],
      [7, 'twin', 'duplicate-validator'],
    ]);
    expect(out.datasetSha256).toBe(sha('dataset')); // v1 + v2 (stake 20) outweigh v3 (15)
    expect(out.validators.map((v) => [v.validator, v.keyId])).toEqual([
      ['v1', null],
      ['v2', keys.keyId],
    ]);
    expect(out.code).toBe('E_CONSENSUS_MISMATCH');
  });

  it('the reference group is the one with the most stake; the others are listed with what differs', () => {
    const rs = [receipt('v1', HONEST, LINEAR), receipt('v2', HONEST, LINEAR), receipt('v3', HONEST, LINEAR, { dataset: sha('other') })];
    const out = combineReceipts(rs, parseStakes({ v1: '10', v2: '10', v3: '15' }));
    expect(out.datasetSha256).toBe(sha('dataset'));
    expect(out.validators.map((v) => v.validator)).toEqual(['v1', 'v2']);
    expect(out.excluded).toEqual([
      {
        validator: 'v3',
        index: 2,
        reason: 'mismatch',
        message: 'receipt differs from the reference group in datasetSha256',
        differences: [{ field: 'datasetSha256', expected: sha('dataset'), found: sha('other') }],
      },
    ]);
    // a different submission set is a mismatch too
    const more = receipt('v3', { ...HONEST, eve: 0.4 }, LINEAR);
    const out2 = combineReceipts([rs[0], rs[1], more], parseStakes({ v1: '10', v2: '10', v3: '15' }));
    expect(out2.excluded[0].differences!.map((d) => d.field)).toEqual(['submissions']);
  });

  it('works from real receipts (engine-shaped results) and identifies signed validators by key', () => {
    const keys = generateKeyPair();
    const r1 = signReceipt(buildReceipt(buildScoreResult(), receiptExtra(null)), keys.privateKeyPem);
    const r2 = buildReceipt(buildScoreResult({ chunks: 4 }), receiptExtra('second'));
    expect(validatorIdOf(r1)).toBe(`key:${keys.keyId}`);
    const out = combineReceipts([r1, r2], parseStakes({ [`key:${keys.keyId}`]: '1', second: '1' }));
    expect(out.leaderboard.map((r) => [r.participant, r.reward])).toEqual(
      r2.body.rows.map((r) => [r.participant, r.reward]), // identical scores -> the single-validator rewards
    );
    expect(out.validators.map((v) => v.reward)).toEqual(['0', '0']); // no validator pool in this spec
  });

  it('rejects unusable input with E_CONSENSUS_INPUT', () => {
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (err) {
        return (err as ArbiterError).code;
      }
    };
    expect(code(() => parseStakes([]))).toBe('E_CONSENSUS_INPUT');
    expect(code(() => parseStakes({ a: '1.5' }))).toBe('E_CONSENSUS_INPUT');
    expect(code(() => parseStakes({ a: -1 }))).toBe('E_CONSENSUS_INPUT');
    expect(code(() => combineReceipts([receipt('v1', HONEST, LINEAR)], parseStakes({})))).toBe('E_CONSENSUS_INPUT');
    expect(code(() => combineReceipts([receipt('v1', HONEST, LINEAR)], parseStakes({ v1: '0' })))).toBe('E_CONSENSUS_INPUT');
    const one = [receipt('v1', HONEST, LINEAR)];
    expect(code(() => combineReceipts(one, parseStakes({ v1: '1' }), { settings: { method: 'trimmed-mean' } }))).toBe('E_CONSENSUS_INPUT');
    expect(code(() => combineReceipts(one, parseStakes({ v1: '1' }), { settings: { validatorPool: '1.5' } }))).toBe('E_CONSENSUS_INPUT');
    // an undefined override (an unset flag) keeps the receipts' value
    expect(combineReceipts(one, parseStakes({ v1: '1' }), { settings: { lambda: undefined } }).settings.lambda).toBe(20);
  });
});
