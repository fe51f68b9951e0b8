// The direction test: for every registered metric, a better prediction of the same truth must
// get a better score in the metric's declared direction (higherIsBetter). One generic test over
// the whole registry, so a new metric with a wrong direction flag fails here.
import { describe, expect, it } from 'vitest';
import { registry } from '../../scoring/index.ts';
import type { MetricBatch } from '../../scoring/types.ts';
import { mulberry32 } from './helpers.ts';

const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau'.split(' ');

/** Same truth, two predictions: `good` close to it, `bad` far from it. */
function pair(n: number, k: number, seed: number): { good: MetricBatch; bad: MetricBatch } {
  const rand = mulberry32(seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % k; // every class present
  const targets = new Float64Array(n);
  for (let i = 0; i < n; i++) targets[i] = 1 + 10 * rand();
  const refs: string[][] = [];
  for (let i = 0; i < n; i++) refs.push([Array.from({ length: 8 }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ')]);
  const rankedGood: string[][] = [];
  const rankedBad: string[][] = [];
  const relevance: Array<Record<string, number>> = [];
  for (let i = 0; i < n; i++) {
    const rel: Record<string, number> = { r0: 3, r1: 2, r2: 1 };
    relevance.push(rel);
    const docs = ['r0', 'r1', 'r2', 'n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];
    rankedGood.push(docs);
    rankedBad.push([...docs].reverse());
  }
  const make = (good: boolean): MetricBatch => {
    const P = new Float64Array(n * k);
    const pc = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      // good rows put 0.7 on the label (0.8 for one row in 4), bad rows put it on another class
      const target = good ? labels[i] : (labels[i] + 1) % k;
      const top = good && i % 4 === 0 ? 0.8 : 0.7;
      for (let j = 0; j < k; j++) P[i * k + j] = j === target ? top : (1 - top) / (k - 1);
      pc[i] = target;
    }
    const preds = new Float64Array(n);
    for (let i = 0; i < n; i++) preds[i] = targets[i] + (good ? 0.1 : 5) * (rand() - 0.5) + (good ? 0 : 3 * Math.sin(i));
    const nll = new Float64Array(n);
    const tok = new Float64Array(n);
    const bytes = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      tok[i] = 5 + (i % 7);
      bytes[i] = 4 * tok[i];
      nll[i] = tok[i] * (good ? 1.5 : 3);
    }
    const predictionTexts = refs.map((r) =>
      good ? (rand() < 0.5 ? r[0] : r[0].split(' ').slice(0, 7).join(' ')) : Array.from({ length: 8 }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' '),
    );
    // multiple choice: k choices of 4 bytes each; the picked one (gold when good) is the most likely
    const choiceLogliks = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) choiceLogliks[i * k + j] = j === pc[i] ? -1 : -5;
    return {
      n,
      numClasses: k,
      choiceCounts: new Int32Array(n).fill(k),
      choiceLogliks,
      choiceBytes: new Float64Array(n * k).fill(4),
      labels,
      predictedClasses: pc,
      probabilities: P,
      targets,
      predictions: preds,
      nllSums: nll,
      tokenCounts: tok,
      byteCounts: bytes,
      predictionTexts,
      referenceTexts: refs,
      rankedIds: good ? rankedGood : rankedBad,
      relevance,
    };
  };
  return { good: make(true), bad: make(false) };
}

describe('direction: a better prediction scores better (every registered metric)', () => {
  for (const name of registry.names()) {
    it(name, () => {
      const m = registry.get(name);
      const o = m.optionsSchema.parse({});
      for (const k of [3, 5]) {
        const { good, bad } = pair(60, k, 17 * k);
        const score = (b: MetricBatch) => m.finalize(m.update(m.init(o, { numClasses: k }), b, o), o).value;
        const g = score(good);
        const b = score(bad);
        expect(Number.isFinite(g) && Number.isFinite(b)).toBe(true);
        if (m.higherIsBetter) expect(g).toBeGreaterThan(b);
        else expect(g).toBeLessThan(b);
      }
    });
  }
});
