// Retrieval / ranking metrics over queries (trec_eval / pytrec_eval semantics): for each query a
// ranked list of doc ids and graded judgements {docId: grade}; a doc is relevant when its grade
// is >= `relevantGrade` (default 1). Per-query values are averaged over queries with an exact sum.
//   precision_at_k = |relevant in top k| / k            (trec P_k: divides by k even if fewer retrieved)
//   recall_at_k    = |relevant in top k| / |relevant|
//   mrr            = 1 / rank of the first relevant doc (0 if none within k, when k is given)
//   ndcg_at_k      = DCG@k / IDCG@k, gain = grade, discount 1 / log2(rank + 1) (sklearn ndcg_score, trec ndcg_cut)
//   map            = mean over queries of AP = sum over relevant ranks r of P@r / |relevant|
// A query with no relevant judged doc is an E_METRIC_INPUT error for recall, ndcg and map (the
// value is undefined), unless `noRelevant: 'zero'` scores it 0. Duplicate ids in a ranking are an error.
import { z } from 'zod';
import { defineMetric, meanOf, mergeMean, scratchF64, sharedAcc } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkRows, field } from '../input.ts';
import type { ExactSumState } from '../exact-sum.ts';
import type { Metric, MetricBatch } from '../types.ts';

export interface QueryMeanState {
  n: number;
  sum: ExactSumState;
}

const base = {
  relevantGrade: z.number().default(1),
  noRelevant: z.enum(['error', 'zero']).default('error'),
};
const withK = z.object({ k: z.number().int().min(1).default(10), ...base }).strict();
const optionalK = z.object({ k: z.number().int().min(1).optional(), ...base }).strict();
type Opts = { k?: number; relevantGrade: number; noRelevant: 'error' | 'zero' };

function queries(metric: string, b: MetricBatch): { n: number; ranked: string[][]; rel: Array<Record<string, number>> } {
  const n = checkRows(metric, b);
  const ranked = field(metric, b, 'rankedIds');
  const rel = field(metric, b, 'relevance');
  if (ranked.length !== n) throw inputError(metric, `"rankedIds" must have ${n} entries, found ${ranked.length}`);
  if (rel.length !== n) throw inputError(metric, `"relevance" must have ${n} entries, found ${rel.length}`);
  for (let i = 0; i < n; i++) {
    const r = ranked[i];
    if (!Array.isArray(r)) throw inputError(metric, `"rankedIds"[${i}] must be an array of doc ids`, { row: i });
    const seen = new Set<string>();
    for (const id of r) {
      if (typeof id !== 'string') throw inputError(metric, `"rankedIds"[${i}] holds a non-string id`, { row: i });
      if (seen.has(id)) throw inputError(metric, `"rankedIds"[${i}] lists doc "${id}" twice`, { row: i, doc: id });
      seen.add(id);
    }
    const j = rel[i];
    if (j === null || typeof j !== 'object') throw inputError(metric, `"relevance"[${i}] must be an object {docId: grade}`, { row: i });
    for (const g of Object.values(j)) {
      if (typeof g !== 'number' || !Number.isFinite(g)) throw inputError(metric, `"relevance"[${i}] holds a non-finite grade`, { row: i });
    }
  }
  return { n, ranked, rel };
}

function gradeOf(rel: Record<string, number>, id: string): number {
  return Object.hasOwn(rel, id) ? rel[id] : 0;
}

function relevantCount(rel: Record<string, number>, t: number): number {
  let c = 0;
  for (const g of Object.values(rel)) if (g >= t) c++;
  return c;
}

function queryMetric(
  name: string,
  description: string,
  schema: z.ZodType<Opts>,
  needsRelevant: boolean,
  perQuery: (ranked: string[], rel: Record<string, number>, o: Opts, nRel: number) => number,
): Metric<QueryMeanState, Opts> {
  return defineMetric<QueryMeanState, Opts>({
    name,
    version: 1,
    higherIsBetter: true,
    inputs: ['rankings'],
    description,
    optionsSchema: schema,
    init: () => ({ n: 0, sum: [] }),
    update(s, b, o) {
      const { n, ranked, rel } = queries(name, b);
      const buf = scratchF64(n);
      for (let i = 0; i < n; i++) {
        const nRel = relevantCount(rel[i], o.relevantGrade);
        if (nRel === 0 && needsRelevant) {
          if (o.noRelevant === 'error') {
            throw inputError(name, `query ${i} of the batch has no relevant judged doc, so ${name} is undefined (set noRelevant: zero to score it 0)`, { row: i });
          }
          buf[i] = 0;
          continue;
        }
        buf[i] = perQuery(ranked[i], rel[i], o, nRel);
      }
      sharedAcc.load(s.sum);
      sharedAcc.addArray(buf, 0, n);
      s.sum = sharedAcc.toState();
      s.n += n;
      return s;
    },
    merge: (a, b) => mergeMean(a, b),
    finalize: (s) => ({ value: meanOf(s, name) }),
  });
}

function hitsAt(ranked: string[], rel: Record<string, number>, k: number, t: number): number {
  let h = 0;
  const m = Math.min(k, ranked.length);
  for (let i = 0; i < m; i++) if (gradeOf(rel, ranked[i]) >= t) h++;
  return h;
}

export const precisionAtK = queryMetric('precision_at_k', 'Relevant docs among the top k, divided by k (mean over queries).', withK, false, (r, rel, o) => hitsAt(r, rel, o.k!, o.relevantGrade) / o.k!);

export const recallAtK = queryMetric('recall_at_k', 'Relevant docs among the top k, divided by all relevant docs (mean over queries).', withK, true, (r, rel, o, nRel) => hitsAt(r, rel, o.k!, o.relevantGrade) / nRel);

export const mrr = queryMetric('mrr', 'Mean reciprocal rank of the first relevant doc (0 when none is retrieved within k).', optionalK, false, (r, rel, o) => {
  const m = o.k === undefined ? r.length : Math.min(o.k, r.length);
  for (let i = 0; i < m; i++) if (gradeOf(rel, r[i]) >= o.relevantGrade) return 1 / (i + 1);
  return 0;
});

export const ndcgAtK = queryMetric('ndcg_at_k', 'Normalised DCG at k with linear gains (the grade) and 1/log2(rank+1) discounts.', withK, true, (r, rel, o) => {
  const k = o.k!;
  let dcg = 0;
  const m = Math.min(k, r.length);
  for (let i = 0; i < m; i++) {
    const g = gradeOf(rel, r[i]);
    if (g > 0) dcg += g / Math.log2(i + 2);
  }
  // ideal: judged grades sorted descending (numeric sort, deterministic)
  const grades = Object.values(rel)
    .filter((g) => g > 0)
    .sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, grades.length); i++) idcg += grades[i] / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
});

export const meanAveragePrecision = queryMetric('map', 'Mean average precision over queries (AP: mean of P@r over the ranks r of relevant docs).', optionalK, true, (r, rel, o, nRel) => {
  const m = o.k === undefined ? r.length : Math.min(o.k, r.length);
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < m; i++) {
    if (gradeOf(rel, r[i]) >= o.relevantGrade) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / nRel;
});
