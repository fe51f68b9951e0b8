// Builds real ScoreResult objects for receipt and consensus tests: seeded predictions scored with
// an exactly summed mean squared error, ranked, and rewarded with the real allocator. `chunks`
// changes how the rows are grouped and in which order the groups are summed (as different worker
// counts would), which must not change a bit.
import { mulberry32 } from '../../src/models/onnx/builder.ts';
import { rewardRows } from '../../src/ranking/rewards/rows.ts';
import { add, fromDouble, toDouble, ZERO, rat, div } from '../../src/ranking/rewards/rational.ts';
import { RewardsSpecSchema } from '../../src/ranking/rewards/schema.ts';
import type { ScoreResult, ScoreRow } from '../../src/receipts/score-result.ts';
import { parseBenchmark } from '../../src/benchmark/loader.ts';
import { canonicalJson, sha256Hex } from '../../src/benchmark/canonical.ts';
import { createHash } from 'node:crypto';

export const REWARDS = RewardsSpecSchema.parse({ pool: '1000000', scheme: 'geometric', q: '0.85' });

/** The spec these results are "scored under": what a receipt carries and re-derives its job-level fields from. */
export const SPEC = parseBenchmark(
  [
    'id: demo-regression',
    'version: 1',
    'task: { type: regression, targetColumn: y }',
    `dataset: { path: demo-regression.arrow, sha256: ${'d'.repeat(64)} }`,
    'model:',
    '  inputs: [{ name: x, column: x, dtype: float32, shape: [batch, 4] }]',
    '  outputs: [{ name: y, dtype: float32, shape: [batch] }]',
    'batching: { size: 16 }',
    'metrics: [{ name: mse }]',
    'split: { key: demo-split-key, publicFraction: 0.5 }',
    'rewards: { pool: "1000000", scheme: geometric, q: "0.85" }',
    '',
  ].join('\n'),
  '/nonexistent/demo-regression/benchmark.yaml',
).spec;
export const SPEC_HASH = sha256Hex(canonicalJson(SPEC));

export const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** MSE of `pred` against `target`, summed exactly over `chunks` groups taken in reverse order. */
function mse(pred: number[], target: number[], chunks: number): number {
  const size = Math.ceil(pred.length / chunks);
  const partials = [];
  for (let c = 0; c < chunks; c++) {
    let s = ZERO;
    for (let i = c * size; i < Math.min(pred.length, (c + 1) * size); i++) {
      const d = pred[i] - target[i];
      s = add(s, fromDouble(d * d));
    }
    partials.push(s);
  }
  let total = ZERO;
  for (const p of partials.reverse()) total = add(total, p);
  return toDouble(div(total, rat(BigInt(pred.length))));
}

export const PARTICIPANTS = ['alice', 'bob', 'carol', 'dave'];
export const SEQ: Record<string, number> = { alice: 2, bob: 0, carol: 1, dave: 3 };

export function buildScoreResult(opts: { chunks?: number; cpu?: string; noise?: number[] } = {}): ScoreResult {
  const rand = mulberry32(42);
  const n = 64;
  const target = Array.from({ length: n }, () => rand() * 10);
  const noise = opts.noise ?? [0.1, 0.5, 0.3, 0];
  const rows: ScoreRow[] = PARTICIPANTS.map((p, k): ScoreRow => {
    const r = mulberry32(100 + k);
    const pred = target.map((t) => t + (r() - 0.5) * 2 * noise[k]);
    const half = n / 2;
    const failed = p === 'dave';
    const none: Record<string, number> = {};
    return {
      rank: null,
      submission: sha(`model-${p}`),
      participant: p,
      status: failed ? 'failed' : 'scored',
      scores: failed ? none : { mse: mse(pred, target, opts.chunks ?? 1) },
      splitScores: failed
        ? ({} as Record<string, Record<string, number>>)
        : {
            public: { mse: mse(pred.slice(0, half), target.slice(0, half), opts.chunks ?? 1) },
            private: { mse: mse(pred.slice(half), target.slice(half), opts.chunks ?? 1) },
          },
      error: failed ? { code: 'E_MODEL_FORMAT', message: 'not an ONNX model' } : null,
    };
  });
  const scored = rows.filter((r) => r.status === 'scored').sort((a, b) => a.scores.mse - b.scores.mse);
  scored.forEach((r, i) => (r.rank = i + 1));
  const ordered = [...scored, ...rows.filter((r) => r.status !== 'scored')];
  const { rows: withRewards } = rewardRows(ordered, REWARDS, {
    primary: 'mse',
    higherIsBetter: false,
    submittedSeq: (r) => SEQ[r.participant],
  });
  return {
    benchmark: { id: 'demo-regression', version: 1, specHash: SPEC_HASH },
    run: {
      id: 7,
      fingerprint: {
        engine: '0.1.0',
        onnxruntime: '1.30.0',
        cpuFlags: '0000000000000000',
        node: 'v20.19.0',
        platform: 'linux',
        arch: 'x64',
        cpu: opts.cpu ?? 'Test CPU',
        specHash: SPEC_HASH,
        datasetSha256: sha('dataset'),
        batchSize: 16,
        graphOptimizationLevel: 'extended',
      },
    },
    rows: withRewards,
  };
}

export function receiptExtra(validator: string | null = 'validator-a') {
  return {
    primary: 'mse',
    higherIsBetter: false,
    rewards: REWARDS,
    validator,
    spec: SPEC,
    specPath: 'benchmarks/demo-regression/benchmark.yaml',
    datasetPath: 'datasets/demo-regression.arrow',
    submissions: PARTICIPANTS.map((p) => ({ submission: sha(`model-${p}`), participant: p, path: `subs/${p}.onnx`, submittedSeq: SEQ[p] })),
  };
}
