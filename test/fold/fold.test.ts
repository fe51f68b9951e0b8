// Folding model outputs into metric states: softmax and argmax helpers, bit-identical results
// whatever the chunking, values that agree with direct computations, and refusals of
// non-finite outputs.
import path from 'node:path';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { configuredMetrics, finalizeFold, initFold, metricsNeed, type FoldState } from '../../src/fold/fold.ts';
import { argmaxRows, chunkStates, foldChunk, softmaxRows, type ChunkOutput } from '../../src/tasks/tabular/chunk-states.ts';
import { gaussian, mulberry32 } from '../../src/models/onnx/builder.ts';
import { loadBenchmark, parseBenchmark, type LoadedBenchmark } from '../../src/benchmark/loader.ts';
import { PUBLIC } from '../../src/data/split.ts';

const DEMO = loadBenchmark('tabular-demo'); // log_loss, accuracy, macro_f1 over 4 classes

function specText(task: string, metrics: string, output: string): string {
  return [
    'id: fold', 'version: 1', `task: ${task}`,
    `dataset: { path: d.arrow, sha256: ${'a'.repeat(64)} }`,
    'model:', '  inputs: [{ name: x, column: x, dtype: float32, shape: [batch, 2] }]',
    `  outputs: [{ name: y, dtype: float32, shape: ${output} }]`,
    'batching: { size: 8 }', `metrics: ${metrics}`, 'split: { key: fold-test-key, publicFraction: 0.3 }',
  ].join('\n');
}
const FILE = path.join(os.tmpdir(), 'fold-benchmark.yaml');
const REGRESSION = parseBenchmark(specText('{ type: regression, targetColumn: t }', '[{ name: mse }, { name: mae }]', '[batch]'), FILE);
const LOGITS = parseBenchmark(specText('{ type: classification, numClasses: 4, labelColumn: l, output: logits }', '[{ name: log_loss }, { name: accuracy }, { name: macro_f1 }]', '[batch, 4]'), FILE);
const ACCURACY_ONLY = parseBenchmark(specText('{ type: classification, numClasses: 4, labelColumn: l }', '[{ name: accuracy }, { name: macro_f1 }]', '[batch, 4]'), FILE);

interface ClassData { labels: Int32Array; probs: Float32Array; logits: Float32Array; mask: Uint8Array }

function classData(n: number, seed: number): ClassData {
  const rand = mulberry32(seed);
  const g = gaussian(rand);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * 4));
  const logits = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) for (let j = 0; j < 4; j++) logits[i * 4 + j] = Math.fround(g() + (j === labels[i] ? 1.2 : 0));
  const p64 = softmaxRows(logits, 4);
  const probs = Float32Array.from(p64);
  const mask = Uint8Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
  return { labels, probs, logits, mask };
}

/** Fold rows [0, n) cut at `cuts` (chunk sizes summing to n), return the finalized scores. */
function foldIn(b: LoadedBenchmark, sizes: number[], labels: ArrayLike<number | bigint>, mask: Uint8Array, out: (from: number, to: number) => ChunkOutput): { fold: FoldState; scores: ReturnType<typeof finalizeFold>['scores'] } {
  const fold = initFold(b);
  let from = 0;
  for (const s of sizes) {
    const to = from + s;
    foldChunk(b, fold, Array.prototype.slice.call(labels, from, to) as number[], mask.slice(from, to), out(from, to));
    from = to;
  }
  expect(from).toBe(mask.length);
  return { fold, scores: finalizeFold(fold).scores };
}

/** Scores as exact bit patterns, so that equality means bit identity. */
function bits(scores: Record<string, Record<string, number>>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const view = new DataView(new ArrayBuffer(8));
  for (const [split, m] of Object.entries(scores)) {
    out[split] = {};
    for (const [k, v] of Object.entries(m)) { view.setFloat64(0, v); out[split]![k] = view.getBigUint64(0).toString(16); }
  }
  return out;
}

function cutsOf(n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const sizes: number[] = [];
  let left = n;
  while (left > 0) { const s = Math.min(left, 1 + Math.floor(rand() * 97)); sizes.push(s); left -= s; }
  return sizes;
}

function foldError(fn: () => void, code: string): ArbiterError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArbiterError);
    expect((err as ArbiterError).code).toBe(code);
    return err as ArbiterError;
  }
  return expect.unreachable('no error') as never;
}

describe('softmaxRows', () => {
  it('computes exp(z - max) / sum per row in float64', () => {
    const p = softmaxRows(Float64Array.from([0, Math.log(2), Math.log(3), 5, 5, 5]), 3);
    expect(p).toBeInstanceOf(Float64Array);
    [1 / 6, 2 / 6, 3 / 6, 1 / 3, 1 / 3, 1 / 3].forEach((v, i) => expect(p[i]).toBeCloseTo(v, 15));
  });

  it('does not overflow on large logits and keeps rows independent', () => {
    const p = softmaxRows(Float32Array.from([1000, 1000, -1000, 88, 89, 0]), 3);
    expect(Array.from(p.subarray(0, 3))).toEqual([0.5, 0.5, 0]);
    expect(p[3]! + p[4]! + p[5]!).toBeCloseTo(1, 15);
    expect(p[4]! / p[3]!).toBeCloseTo(Math.E, 12);
  });

  it('a single column is always probability 1', () => {
    expect(Array.from(softmaxRows(Float32Array.from([-3, 7, 0]), 1))).toEqual([1, 1, 1]);
  });
});

describe('argmaxRows', () => {
  it('picks the largest value per row; ties go to the lowest index', () => {
    const s = Float64Array.from([0.1, 0.7, 0.2, 0.4, 0.4, 0.2, 0.3, 0.3, 0.3, 0, 0, 1]);
    expect(Array.from(argmaxRows(s, 3, 4))).toEqual([1, 0, 0, 2]);
  });

  it('handles negative scores and reads only `rows` rows', () => {
    expect(Array.from(argmaxRows([-5, -1, -3, 9, 9, 9], 3, 1))).toEqual([1]);
    expect(argmaxRows([1, 2], 2, 0)).toHaveLength(0);
  });

  it('float32 and float64 rows agree with a branching loop on random, tied, negative and non-finite scores', () => {
    const width = 5;
    const rows = 4000;
    const rand = mulberry32(99);
    const values = [0, -0, 1, -1, 0.5, Infinity, -Infinity, NaN, 1e-30, -3.25];
    const s = new Float64Array(rows * width);
    // every third row draws from a small set (ties, signed zeros, infinities, NaN), the rest are random
    for (let i = 0; i < s.length; i++) s[i] = Math.floor(i / width) % 3 === 0 ? values[Math.floor(rand() * values.length)]! : rand() * 2 - 1;
    const branching = (a: ArrayLike<number>): number[] => Array.from({ length: rows }, (_, r) => {
      let best = 0;
      for (let j = 1; j < width; j++) if (a[r * width + j]! > a[r * width + best]!) best = j;
      return best;
    });
    for (const a of [s, Float32Array.from(s)]) expect(Array.from(argmaxRows(a, width, rows))).toEqual(branching(a));
  });
});

describe('foldChunk + finalizeFold: classification (the demo spec)', () => {
  const n = 2000;
  const d = classData(n, 1234);
  const scoresOut = (from: number, to: number): ChunkOutput => ({ kind: 'scores', data: d.probs.slice(from * 4, to * 4), width: 4 });

  it('one chunk and many odd-sized chunks give bit-identical results on both splits', () => {
    const one = foldIn(DEMO, [n], d.labels, d.mask, scoresOut);
    expect(Object.keys(one.scores)).toEqual(['public', 'private']);
    expect(Object.keys(one.scores.private)).toEqual(['log_loss', 'accuracy', 'macro_f1']);
    const want = bits(one.scores);
    for (const sizes of [cutsOf(n, 1), cutsOf(n, 2), Array.from({ length: n / 8 }, () => 8), [1, n - 2, 1], [256, 256, 256, 256, 256, 256, 256, 208]]) {
      expect(bits(foldIn(DEMO, sizes, d.labels, d.mask, scoresOut).scores), `${sizes.length} chunks`).toEqual(want);
    }
    expect(one.fold.rowsFolded).toBe(n);
  });

  it('agrees with direct computations of accuracy, log loss and macro F1 on each split', () => {
    const { scores } = foldIn(DEMO, cutsOf(n, 3), d.labels, d.mask, scoresOut);
    for (const [split, bit] of [['public', 1], ['private', 0]] as const) {
      let rows = 0;
      let correct = 0;
      let ll = 0;
      const tp = [0, 0, 0, 0];
      const fp = [0, 0, 0, 0];
      const fn = [0, 0, 0, 0];
      for (let i = 0; i < n; i++) {
        if (d.mask[i] !== bit) continue;
        rows++;
        const row = Array.from(d.probs.subarray(i * 4, i * 4 + 4));
        const pred = row.indexOf(Math.max(...row));
        const y = d.labels[i]!;
        if (pred === y) { correct++; tp[y]!++; } else { fp[pred]!++; fn[y]!++; }
        const eps = 2 ** -52;
        const clip = (p: number) => Math.min(Math.max(p, eps), 1 - eps);
        ll += -Math.log(clip(row[y]!) / row.reduce((a, p) => a + clip(p), 0));
      }
      expect(rows).toBeGreaterThan(300);
      const f1 = tp.map((t, c) => (t === 0 ? 0 : (2 * t) / (2 * t + fp[c]! + fn[c]!)));
      expect(scores[split].accuracy).toBe(correct / rows);
      expect(scores[split].log_loss).toBeCloseTo(ll / rows, 12);
      expect(scores[split].macro_f1).toBeCloseTo(f1.reduce((a, v) => a + v, 0) / 4, 12);
    }
  });

  it('logits are turned into probabilities with the float64 softmax', () => {
    const logitsOut = (from: number, to: number): ChunkOutput => ({ kind: 'scores', data: d.logits.slice(from * 4, to * 4), width: 4 });
    const viaLogits = foldIn(LOGITS, cutsOf(n, 4), d.labels, d.mask, logitsOut).scores;
    const probs64 = softmaxRows(d.logits, 4);
    const viaProbs = foldIn(DEMO, [n], d.labels, d.mask, (from, to) => ({ kind: 'scores', data: probs64.slice(from * 4, to * 4), width: 4 })).scores;
    expect(bits(viaLogits)).toEqual(bits(viaProbs));
    // and chunking the logits differently changes nothing
    expect(bits(foldIn(LOGITS, [n], d.labels, d.mask, logitsOut).scores)).toEqual(bits(viaLogits));
  });

  it('class-id outputs (prediction files) fold like argmax of the probabilities', () => {
    const cls = argmaxRows(d.probs, 4, n);
    const asClasses = foldIn(ACCURACY_ONLY, cutsOf(n, 5), d.labels, d.mask, (from, to) => ({ kind: 'classes', data: Float64Array.from(cls.subarray(from, to)) })).scores;
    const asScores = foldIn(ACCURACY_ONLY, [n], d.labels, d.mask, scoresOut).scores;
    expect(bits(asClasses)).toEqual(bits(asScores));
  });

  it('bigint labels (int64 columns) fold like number labels', () => {
    const big = BigInt64Array.from(d.labels, (v) => BigInt(v));
    expect(bits(foldIn(DEMO, cutsOf(n, 6), big, d.mask, scoresOut).scores)).toEqual(bits(foldIn(DEMO, [n], d.labels, d.mask, scoresOut).scores));
  });

  it('chunks entirely inside one split are fine', () => {
    const mask = Uint8Array.from({ length: 40 }, (_, i) => (i < 20 ? PUBLIC : 0));
    const a = foldIn(DEMO, [20, 20], d.labels.subarray(0, 40), mask, scoresOut).scores;
    const b = foldIn(DEMO, [40], d.labels.subarray(0, 40), mask, scoresOut).scores;
    expect(bits(a)).toEqual(bits(b));
  });
});

describe('foldChunk + finalizeFold: regression (mse, mae)', () => {
  const n = 1500;
  const rand = mulberry32(99);
  const g = gaussian(rand);
  const targets = Float64Array.from({ length: n }, () => g() * 1000);
  const preds = Float32Array.from(targets, (t) => Math.fround(t + g() * 3));
  const mask = Uint8Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
  const out = (from: number, to: number): ChunkOutput => ({ kind: 'values', data: preds.slice(from, to) });

  it('is bit-identical across chunkings and matches a direct computation', () => {
    const one = foldIn(REGRESSION, [n], targets, mask, out).scores;
    for (const sizes of [cutsOf(n, 7), cutsOf(n, 8), Array.from({ length: n }, () => 1)]) {
      expect(bits(foldIn(REGRESSION, sizes, targets, mask, out).scores)).toEqual(bits(one));
    }
    for (const [split, bit] of [['public', 1], ['private', 0]] as const) {
      let rows = 0;
      let se = 0;
      let ae = 0;
      for (let i = 0; i < n; i++) if (mask[i] === bit) { rows++; const e = preds[i]! - targets[i]!; se += e * e; ae += Math.abs(e); }
      expect(one[split].mse).toBeCloseTo(se / rows, 9);
      expect(one[split].mae).toBeCloseTo(ae / rows, 11);
    }
  });
});

describe('refusals', () => {
  const d = classData(8, 5);

  it('NaN or infinite class scores are E_MODEL_OUTPUT naming the value', () => {
    const bad = d.probs.slice();
    bad[6] = NaN;
    const e = foldError(() => foldChunk(DEMO, initFold(DEMO), d.labels, d.mask, { kind: 'scores', data: bad, width: 4 }), 'E_MODEL_OUTPUT');
    expect(e.message).toBe('model outputs must be finite numbers, found NaN (at value 6 of a chunk)');
    expect(e.details).toEqual({ index: 6 });
    const inf = d.logits.slice();
    inf[0] = Infinity;
    foldError(() => foldChunk(LOGITS, initFold(LOGITS), d.labels, d.mask, { kind: 'scores', data: inf, width: 4 }), 'E_MODEL_OUTPUT');
  });

  it('NaN regression outputs are E_MODEL_OUTPUT', () => {
    const e = foldError(() => foldChunk(REGRESSION, initFold(REGRESSION), [1, 2], Uint8Array.from([0, 1]), { kind: 'values', data: Float32Array.from([1, NaN]) }), 'E_MODEL_OUTPUT');
    expect(e.message).toContain('found NaN (at value 1 of a chunk)');
  });

  it('a wrong number of class scores per row is E_MODEL_CONTRACT', () => {
    const e = foldError(() => foldChunk(DEMO, initFold(DEMO), d.labels, d.mask, { kind: 'scores', data: new Float32Array(24), width: 3 }), 'E_MODEL_CONTRACT');
    expect(e.message).toBe('expected 4 class scores per row, found 3');
  });

  it('probabilities that do not sum to 1 surface as the metric error', () => {
    const fold = initFold(DEMO);
    const flat = new Float32Array(32).fill(0.5);
    expect(() => foldChunk(DEMO, fold, d.labels, Uint8Array.from({ length: 8 }, () => 0), { kind: 'scores', data: flat, width: 4 })).toThrow(/sums to 2, expected 1/);
  });

  it('a split bit other than 0 or 1 is E_INTERNAL, not a row silently dropped', () => {
    const mask = d.mask.slice();
    mask[3] = 2;
    const e = foldError(() => foldChunk(DEMO, initFold(DEMO), d.labels, mask, { kind: 'scores', data: d.probs, width: 4 }), 'E_INTERNAL');
    expect(e.message).toBe('split bits must be 0 or 1, found a value above 1');
  });

  it('a split that received no rows cannot be finalized', () => {
    const fold = initFold(DEMO);
    foldChunk(DEMO, fold, d.labels, new Uint8Array(8), { kind: 'scores', data: d.probs, width: 4 });
    expect(() => finalizeFold(fold)).toThrow(/no rows were scored/);
  });
});

describe('configuration', () => {
  it('configuredMetrics keeps spec order, keys and parsed options', () => {
    expect(configuredMetrics(DEMO).map((m) => [m.key, m.metric.name, m.metric.higherIsBetter])).toEqual([
      ['log_loss', 'log_loss', false], ['accuracy', 'accuracy', true], ['macro_f1', 'macro_f1', true],
    ]);
    expect(configuredMetrics(DEMO)[0]!.options).toEqual({ eps: 2 ** -52, sumTolerance: 1e-4 });
  });

  it('metricsNeed tells whether any metric reads an input kind', () => {
    expect(metricsNeed(DEMO, 'probabilities')).toBe(true);
    expect(metricsNeed(ACCURACY_ONLY, 'probabilities')).toBe(false);
    expect(metricsNeed(ACCURACY_ONLY, 'predictedClasses')).toBe(true);
    expect(metricsNeed(REGRESSION, 'predictions')).toBe(true);
  });
});

describe('chunkStates scratch arrays', () => {
  it('give every chunk the states it gets alone, whatever came before it (other sizes, float32 and float64 outputs, logits, regression)', () => {
    const cases: Array<{ b: LoadedBenchmark; labels: ArrayLike<number>; mask: Uint8Array; output: ChunkOutput }> = [];
    for (let k = 0; k < 6; k++) {
      const d = classData(300 + 97 * k, 50 + k);
      cases.push({ b: DEMO, labels: d.labels, mask: d.mask, output: { kind: 'scores', data: d.probs, width: 4 } });
      cases.push({ b: DEMO, labels: d.labels, mask: d.mask, output: { kind: 'scores', data: Float64Array.from(d.probs), width: 4 } });
      cases.push({ b: LOGITS, labels: d.labels, mask: d.mask, output: { kind: 'scores', data: d.logits, width: 4 } });
      cases.push({ b: ACCURACY_ONLY, labels: d.labels, mask: d.mask, output: { kind: 'classes', data: Float64Array.from(argmaxRows(d.probs, 4, d.labels.length)) } });
      cases.push({ b: REGRESSION, labels: Float64Array.from(d.logits.subarray(0, d.labels.length)), mask: d.mask, output: { kind: 'values', data: d.probs.subarray(0, d.labels.length) } });
    }
    const statesOf = (c: (typeof cases)[number]) => JSON.stringify(chunkStates(c.b, initFold(c.b), c.labels, c.mask, c.output));
    // each case alone, first (the scratch arrays only ever grew for it) ...
    const alone = cases.map((c) => statesOf(c));
    // ... then 40 rounds of all of them interleaved, forwards and backwards: same states every time
    for (let round = 0; round < 40; round++) {
      const order = round % 2 === 0 ? cases.keys() : [...cases.keys()].reverse();
      for (const i of order) expect(statesOf(cases[i]!)).toBe(alone[i]);
    }
  });
});
