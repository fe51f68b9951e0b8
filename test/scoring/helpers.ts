// Test helpers for the scoring suites: seeded random batches for any metric's inputs, batch
// slicing, and "random splits merged in random grouping" runs for merge-invariance tests.
import { mulberry32 } from '../../src/models/onnx/builder.ts';
import type { AnyMetric, MetricBatch, MetricContext, MetricResult } from '../../scoring/types.ts';

export { mulberry32 };

const WORDS = 'the a cat dog sat on mat ran fast slow red blue big small house tree'.split(' ');

function sentence(rand: () => number, len: number): string {
  const out: string[] = [];
  for (let i = 0; i < len; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]);
  return out.join(' ') + (rand() < 0.3 ? '.' : '');
}

/** A random batch carrying every input kind the metric needs; `quality` in [0,1] biases predictions toward the truth. */
export function randomBatch(metric: AnyMetric, n: number, k: number, rand: () => number, quality = 0.6): MetricBatch {
  const b: MetricBatch = { n, numClasses: k };
  const need = new Set(metric.inputs);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = Math.floor(rand() * k);
  if (need.has('labels')) b.labels = labels;
  if (need.has('predictedClasses') || need.has('probabilities')) {
    const P = new Float64Array(n * k);
    const pc = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) {
        const z = Math.exp(2 * (rand() - 0.5) + (j === labels[i] ? 3 * quality * rand() * 2 : 0));
        P[i * k + j] = z;
        s += z;
      }
      let best = 0;
      for (let j = 0; j < k; j++) {
        P[i * k + j] /= s;
        if (P[i * k + j] > P[i * k + best]) best = j;
      }
      pc[i] = best;
    }
    if (need.has('probabilities')) b.probabilities = P;
    if (need.has('predictedClasses')) b.predictedClasses = pc;
  }
  if (need.has('targets') || need.has('predictions')) {
    const t = new Float64Array(n);
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = (rand() - 0.5) * 10 + (i % 7);
      p[i] = t[i] + (rand() - 0.5) * 4 * (1 - quality) + (rand() - 0.5) * 0.1;
    }
    b.targets = t;
    b.predictions = p;
  }
  if (need.has('tokenLosses')) {
    b.nllSums = new Float64Array(n);
    b.tokenCounts = new Float64Array(n);
    b.byteCounts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const tokens = 1 + Math.floor(rand() * 50);
      b.tokenCounts[i] = tokens;
      b.byteCounts[i] = tokens * (3 + Math.floor(rand() * 3));
      b.nllSums[i] = tokens * (0.5 + rand() * 3 * (1 - quality));
    }
  }
  if (need.has('texts')) {
    b.predictionTexts = [];
    b.referenceTexts = [];
    for (let i = 0; i < n; i++) {
      const ref = sentence(rand, 3 + Math.floor(rand() * 8));
      b.referenceTexts.push([ref, sentence(rand, 4)]);
      b.predictionTexts.push(rand() < quality ? ref : sentence(rand, 3 + Math.floor(rand() * 8)));
    }
  }
  if (need.has('rankings')) {
    b.rankedIds = [];
    b.relevance = [];
    for (let i = 0; i < n; i++) {
      const docs = Array.from({ length: 12 }, (_, d) => `d${d}`);
      const rel: Record<string, number> = {};
      for (const d of docs) if (rand() < 0.3) rel[d] = 1 + Math.floor(rand() * 3);
      if (Object.keys(rel).length === 0) rel.d0 = 1;
      const scored = docs.map((d) => ({ d, s: rand() + (rel[d] ?? 0) * quality }));
      scored.sort((x, y) => y.s - x.s || (x.d < y.d ? -1 : 1));
      b.rankedIds.push(scored.map((x) => x.d));
      b.relevance.push(rel);
    }
  }
  if (need.has('choiceLogliks')) {
    // 2..5 choices per row; the gold one (labels[i] mod count) gets a likelihood bonus
    b.choiceCounts = new Int32Array(n);
    const ll: number[] = [];
    const bytes: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = 2 + Math.floor(rand() * 4);
      b.choiceCounts[i] = c;
      labels[i] = labels[i]! % c;
      for (let j = 0; j < c; j++) {
        const by = 1 + Math.floor(rand() * 30);
        bytes.push(by);
        ll.push(-(by * (0.2 + rand())) + (j === labels[i] ? 4 * quality * rand() : 0) - 1e-3);
      }
    }
    b.labels = labels;
    b.choiceLogliks = Float64Array.from(ll, (v) => Math.min(v, -1e-3));
    b.choiceBytes = Float64Array.from(bytes);
  }
  return b;
}

/** Rows [a, b) of a batch (copies, so states never alias test data). */
export function sliceBatch(b: MetricBatch, a: number, e: number): MetricBatch {
  const k = b.numClasses ?? 1;
  const out: MetricBatch = { n: e - a, numClasses: b.numClasses };
  if (b.labels) out.labels = b.labels.slice(a, e);
  if (b.predictedClasses) out.predictedClasses = b.predictedClasses.slice(a, e);
  if (b.probabilities) out.probabilities = b.probabilities.slice(a * k, e * k);
  if (b.targets) out.targets = b.targets.slice(a, e);
  if (b.predictions) out.predictions = b.predictions.slice(a, e);
  if (b.nllSums) out.nllSums = b.nllSums.slice(a, e);
  if (b.tokenCounts) out.tokenCounts = b.tokenCounts.slice(a, e);
  if (b.byteCounts) out.byteCounts = b.byteCounts.slice(a, e);
  if (b.predictionTexts) out.predictionTexts = b.predictionTexts.slice(a, e);
  if (b.referenceTexts) out.referenceTexts = b.referenceTexts.slice(a, e);
  if (b.rankedIds) out.rankedIds = b.rankedIds.slice(a, e);
  if (b.relevance) out.relevance = b.relevance.slice(a, e);
  if (b.choiceCounts) {
    let from = 0;
    for (let i = 0; i < a; i++) from += b.choiceCounts[i]!;
    let to = from;
    for (let i = a; i < e; i++) to += b.choiceCounts[i]!;
    out.choiceCounts = b.choiceCounts.slice(a, e);
    if (b.choiceLogliks) out.choiceLogliks = b.choiceLogliks.slice(from, to);
    if (b.choiceBytes) out.choiceBytes = b.choiceBytes.slice(from, to);
  }
  return out;
}

/** One pass over the whole batch. */
export function single(metric: AnyMetric, options: unknown, ctx: MetricContext, b: MetricBatch): MetricResult {
  const s = metric.update(metric.init(options, ctx), b, options);
  return metric.finalize(s, options);
}

/** Random cut points, states JSON round-tripped, merged in random adjacent-or-not order. */
export function splitMerged(
  metric: AnyMetric,
  options: unknown,
  ctx: MetricContext,
  b: MetricBatch,
  rand: () => number,
  parts = 6,
): MetricResult {
  const cuts = [0, b.n];
  for (let i = 0; i < parts - 1; i++) cuts.push(Math.floor(rand() * (b.n + 1)));
  cuts.sort((x, y) => x - y);
  let states: unknown[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    let s = metric.init(options, ctx);
    // a part may itself be fed in several batches
    const mid = cuts[i] + Math.floor(rand() * (cuts[i + 1] - cuts[i] + 1));
    s = metric.update(s, sliceBatch(b, cuts[i], mid), options);
    s = metric.update(s, sliceBatch(b, mid, cuts[i + 1]), options);
    states.push(JSON.parse(JSON.stringify(s)));
  }
  // any order, any grouping: merge two random states until one is left
  while (states.length > 1) {
    const i = Math.floor(rand() * states.length);
    let j = Math.floor(rand() * (states.length - 1));
    if (j >= i) j++;
    const merged = metric.merge(states[i], states[j], options);
    states = states.filter((_, x) => x !== i && x !== j);
    states.push(JSON.parse(JSON.stringify(merged)));
  }
  return metric.finalize(states[0], options);
}
