// Golden values for the retrieval metrics: nDCG from scikit-learn 1.2.1 ndcg_score
// (y_true [[3,2,0,0,1]], scores [[5,4,3,2,1]]: k=3 0.894999002123018, all 0.9762388637052952);
// the others follow trec_eval's definitions, worked by hand in the test titles.
import { describe, expect, it } from 'vitest';
import type { MetricBatch } from '../../../scoring/types.ts';
import { close, run } from './run.ts';

const q = (ranked: string[][], rel: Array<Record<string, number>>): MetricBatch => ({ n: ranked.length, rankedIds: ranked, relevance: rel });
const ONE = q([['d0', 'd1', 'd2', 'd3', 'd4']], [{ d0: 3, d1: 2, d4: 1 }]);
// query 1: relevant a, c among [x, a, y, c]; query 2: relevant z not retrieved, b at rank 1
const TWO = q(
  [
    ['x', 'a', 'y', 'c'],
    ['b', 'w'],
  ],
  [{ a: 1, c: 2, q: 0 }, { b: 1, z: 1 }],
);

describe('retrieval', () => {
  it('ndcg_at_k: sklearn ndcg_score k=3 0.894999002123018, k=5 0.9762388637052952', () => {
    close(run('ndcg_at_k', ONE, { k: 3 }).value, 0.894999002123018);
    close(run('ndcg_at_k', ONE, { k: 5 }).value, 0.9762388637052952);
  });
  it('precision_at_k k=2: (1/2 + 1/2) / 2 = 0.5; recall_at_k k=2: (1/2 + 1/2) / 2 = 0.5; k=4: (1 + 1/2)/2', () => {
    expect(run('precision_at_k', TWO, { k: 2 }).value).toBe(0.5);
    expect(run('recall_at_k', TWO, { k: 2 }).value).toBe(0.5);
    expect(run('recall_at_k', TWO, { k: 4 }).value).toBe(0.75);
    expect(run('precision_at_k', TWO, { k: 4 }).value).toBe((2 / 4 + 1 / 4) / 2);
  });
  it('mrr: (1/2 + 1) / 2 = 0.75; map: ((1/2 + 2/4) / 2 + (1/1) / 2) / 2 = 0.5', () => {
    expect(run('mrr', TWO).value).toBe(0.75);
    expect(run('map', TWO).value).toBe(0.5);
    expect(run('mrr', TWO, { k: 1 }).value).toBe(0.5);
  });
  it('relevantGrade: grade >= 2 only', () => {
    expect(run('mrr', TWO, { relevantGrade: 2, noRelevant: 'zero' }).value).toBe((1 / 4 + 0) / 2);
  });
  it('queries without relevant docs, duplicate ids', () => {
    const none = q([['a']], [{ a: 0 }]);
    expect(() => run('map', none)).toThrow(/no relevant judged doc/);
    expect(run('map', none, { noRelevant: 'zero' }).value).toBe(0);
    expect(run('precision_at_k', none, { k: 1 }).value).toBe(0);
    expect(() => run('mrr', q([['a', 'a']], [{ a: 1 }]))).toThrow(/lists doc "a" twice/);
  });
});
