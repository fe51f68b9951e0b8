// Consensus ranks exactly as `arbiter score`: over one validator's receipt it gives that run's
// ranks and rewards (the spec's tie-break order and earlier-submission margin included), and two
// validators who registered the same files in another order agree on the submission set.
import { describe, expect, it } from 'vitest';
import { rankedRows, type Outcome } from '../../src/run/index.ts';
import { combineReceipts } from '../../src/receipts/consensus.ts';
import { buildReceipt, type Receipt } from '../../src/receipts/receipt.ts';
import { parseBenchmark } from '../../src/benchmark/loader.ts';
import type { SubmissionRecord } from '../../src/store/store.ts';
import { sha } from '../receipts/fixture.ts';

function spec(extra: string[]): ReturnType<typeof parseBenchmark> {
  return parseBenchmark(
    [
      'id: tie-demo',
      'version: 1',
      'task: { type: regression, targetColumn: y }',
      `dataset: { path: tie.arrow, sha256: ${'d'.repeat(64)} }`,
      'model:',
      '  inputs: [{ name: x, column: x, dtype: float32, shape: [batch, 4] }]',
      '  outputs: [{ name: y, dtype: float32, shape: [batch] }]',
      'batching: { size: 16 }',
      'metrics: [{ name: mse }, { name: mae }]',
      'split: { key: tie-split-key, publicFraction: 0.5 }',
      'rewards: { pool: "800000", scheme: top-k, shares: ["5", "3"] }',
      ...extra,
      '',
    ].join('\n'),
    '/nonexistent/tie-demo/benchmark.yaml',
  );
}

const SCORES: Array<[string, { mse: number; mae: number } | null]> = [
  ['alice', { mse: 0.25, mae: 0.4 }],
  ['bob', { mse: 0.25, mae: 0.3 }], // ties alice on mse, wins on mae
  ['carol', { mse: 0.22, mae: 0.5 }], // later than alice and bob, better by 0.03
  ['dave', null],
];

/** The engine's own ranking and reward allocation for SCORES registered in `order`, as a receipt. */
function receiptOf(b: ReturnType<typeof spec>, order: string[], validator: string, copies: ReadonlyMap<number, { of: number; agreement: number }> = new Map()): Receipt {
  const subs = order.map((p, i): SubmissionRecord => ({
    id: i + 1, benchmarkId: b.spec.id, participant: p, sha256: sha(`model-${p}`), kind: 'onnx', filename: `${p}.onnx`, blobPath: '', size: 1, submittedAt: '',
  }));
  const outcomes = new Map<number, Outcome>(subs.map((s) => {
    const v = SCORES.find(([p]) => p === s.participant)![1];
    return [s.id, v ? { splitScores: { private: v, public: v }, error: null } : { splitScores: null, error: { code: 'E_MODEL_FORMAT', message: 'not an ONNX model' } }];
  }));
  const { rows } = rankedRows(b, subs, outcomes, copies);
  const fp = { engine: '0.1.0', onnxruntime: '1.30.0', cpuFlags: '0', node: 'v20', platform: 'linux', arch: 'x64', cpu: 'cpu', specHash: b.specHash, datasetSha256: 'd'.repeat(64), batchSize: 16, graphOptimizationLevel: 'extended' };
  return buildReceipt({ benchmark: { id: b.spec.id, version: 1, specHash: b.specHash }, run: { id: 1, fingerprint: fp }, rows }, {
    primary: b.primary, higherIsBetter: false, rewards: b.spec.rewards, validator, spec: b.spec,
    submissions: subs.map((s, i) => ({ submission: s.sha256, participant: s.participant, file: s.filename, submittedSeq: i })),
  });
}

const ORDER = ['alice', 'bob', 'carol', 'dave'];
const view = (rows: ReadonlyArray<{ participant: string; rank: number | null; reward: string | null }>) => rows.map((r) => [r.participant, r.rank, r.reward]);

describe('consensus ranks as score', () => {
  for (const [name, extra] of [
    ['tie-break by a second metric', ['ranking: { primary: mse, tieBreak: [mae, earliest] }']],
    ['default tie-break (other metrics, then earliest)', []],
    ['earlier-submission margin', ['ranking: { primary: mse, tieBreak: [mae, earliest] }', 'admission: { earlierAdvantage: 0.05 }']],
  ] as const) {
    it(`${name}: consensus over one receipt has its ranks and rewards, exactly`, () => {
      const b = spec([...extra]);
      const receipt = receiptOf(b, ORDER, 'v1');
      const c = combineReceipts([receipt], new Map([['v1', '10']]));
      expect(c.excluded).toEqual([]);
      expect(view(c.leaderboard)).toEqual(view(receipt.body.rows));
      expect(c.leaderboard.map((r) => r.score)).toEqual(receipt.body.rows.map((r) => r.scores.mse ?? null));
    });
  }

  it('a prediction copy ranked after its original (rank-after): the receipt says so, and consensus places it there too', () => {
    const b = spec(['ranking: { primary: mse, tieBreak: [mae, earliest] }', 'admission: { duplicates: { predictionAgreement: 0.9 } }']);
    // carol (id 3, the best mse) is flagged as a copy of alice (id 1)
    const receipt = receiptOf(b, ORDER, 'v1', new Map([[3, { of: 1, agreement: 0.99 }]]));
    const carol = receipt.body.rows.find((r) => r.participant === 'carol')!;
    expect(carol.duplicateOf).toEqual({ submission: sha('model-alice'), participant: 'alice' });
    expect(receipt.body.rows.filter((r) => r.duplicateOf).length).toBe(1);
    const c = combineReceipts([receipt], new Map([['v1', '10']]));
    expect(view(c.leaderboard)).toEqual(view(receipt.body.rows));
    expect(view(c.leaderboard).slice(0, 3).map((r) => r[0])).toEqual(['bob', 'alice', 'carol']);
  });

  it('a tie on the primary is broken as the spec says, not shared', () => {
    // bob and alice tie on mse: mae puts bob above alice (rank 2 and 3, not both 2 splitting the pay)
    const byMae = combineReceipts([receiptOf(spec(['ranking: { primary: mse, tieBreak: [mae, earliest] }']), ORDER, 'v1')], new Map([['v1', '10']]));
    expect(view(byMae.leaderboard)).toEqual([['carol', 1, '500000'], ['bob', 2, '300000'], ['alice', 3, '0'], ['dave', null, '0']]);
    // with a 0.05 margin no later submission beats an earlier one: registration order stands
    const margin = spec(['ranking: { primary: mse, tieBreak: [mae, earliest] }', 'admission: { earlierAdvantage: 0.05 }']);
    const c = combineReceipts([receiptOf(margin, ORDER, 'v1')], new Map([['v1', '10']]));
    expect(view(c.leaderboard)).toEqual([['alice', 1, '500000'], ['bob', 2, '300000'], ['carol', 3, '0'], ['dave', null, '0']]);
  });

  it('two validators who registered the same files in another order agree on the set; ranks follow the reference receipt\'s order', () => {
    const b = spec(['ranking: { primary: mse, tieBreak: [earliest] }']);
    const one = receiptOf(b, ORDER, 'v1');
    const two = receiptOf(b, ['dave', 'carol', 'bob', 'alice'], 'v2');
    expect(one.body.inputs.submissions.map((s) => [s.submission, s.participant])).toEqual(two.body.inputs.submissions.map((s) => [s.submission, s.participant]));
    const c = combineReceipts([two, one], new Map([['v1', '10'], ['v2', '10']]));
    expect(c.excluded).toEqual([]);
    // v1 is the reference (smallest id): alice registered before bob, so alice wins the exact tie
    expect(view(c.leaderboard).slice(0, 2)).toEqual([['carol', 1, '500000'], ['alice', 2, '300000']]);
  });
});
