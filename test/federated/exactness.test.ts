// Exactness: the global score a round's merged partials give is bit-identical to `arbiter score`
// on the union of every party's set on one machine. Three parties with non-IID sets (each sees
// mostly one class, or one kind of conversation), for a counting metric (accuracy, macro-F1), a
// probability metric (log loss), regression metrics (MSE, MAE) and LM metrics (bits per byte,
// perplexity on a tiny word-level LM folder). All through the CLI in process.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { concatRows, evalRows, FL_FEATURES, FL_PARTIES, demoRoundWeights, roundModelOnnx, writeFlRows, type FlRows } from '../../src/demo/fl-demo.ts';
import { mlpModel } from '../../src/models/onnx/builder.ts';
import { loadPackSchema, packDataset } from '../../src/data/pack.ts';
import { bigramTableLm } from '../../src/models/hf/tiny-lm.ts';
import { wordLevelFolder } from '../tasks/lm/helpers.ts';
import { arbiter, fl, writeFederation, writeUnionBenchmark } from './helpers.ts';

const CLASSIFICATION = {
  task: { type: 'classification', numClasses: 3, labelColumn: 'label', output: 'probabilities' },
  model: { inputs: [{ name: 'features', column: 'features', dtype: 'float32', shape: ['batch', FL_FEATURES] }], outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 3] }] },
  batching: { size: 32 },
};

/** Every party evaluates `model` on its set (fl evaluate), the coordinator aggregates (fl aggregate --dry-run). */
async function federatedGlobal(dir: string, model: string, data: Record<string, string>): Promise<Record<string, number>> {
  const files: string[] = [];
  for (const p of FL_PARTIES) {
    const out = path.join(dir, `${p}.json`);
    const r = await fl(['evaluate', '-f', dir, '-r', '1', '-m', model, '-d', data[p]!, '-k', path.join(dir, 'keys', `${p}.pem`), '-o', out, '--isolation', 'thread', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    files.push(out);
  }
  const agg = await fl(['aggregate', '-f', dir, ...files, '--db', path.join(dir, 'fl.db'), '--json'], dir);
  expect(agg.code, agg.stderr).toBe(0);
  const res = JSON.parse(agg.stdout);
  expect(res.flagged).toEqual([]);
  expect(res.global.rows).toBe(FL_PARTIES.reduce((n, p) => n + res.parties.find((x: { party: string }) => x.party === p).rows, 0));
  return res.global.scores;
}

/** `arbiter score` on the union set under the same view: its private-split scores. */
async function unionScores(dir: string, model: string, union: string): Promise<Record<string, number>> {
  const bench = writeUnionBenchmark(dir, union, path.join(dir, 'union'));
  const r = await arbiter(['score', '-b', bench, '-s', model, '--isolation', 'thread', '--db', path.join(dir, 'union.db'), '--json'], dir);
  expect(r.code, r.stderr).toBe(0);
  const row = JSON.parse(r.stdout).rows[0];
  expect(row.status).toBe('scored');
  return row.splitScores.private;
}

function expectBitIdentical(a: Record<string, number>, b: Record<string, number>): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) expect(Object.is(a[k], b[k]), `${k}: ${a[k]} vs ${b[k]}`).toBe(true);
}

describe('the global score of merged partials is arbiter score on the union, bit for bit', () => {
  it('classification: accuracy, macro-F1 (counting) and log loss (probability), 3 non-IID parties', async () => {
    const dir = tempDir('arbiter-fl-exact-cls-');
    writeFederation(dir, { id: 'exact-cls', version: 1, ...CLASSIFICATION, metrics: [{ name: 'log_loss' }, { name: 'accuracy' }, { name: 'macro_f1' }] });
    const data: Record<string, string> = {};
    const sets: FlRows[] = [];
    for (const p of FL_PARTIES) { data[p] = path.join(dir, 'data', `${p}.arrow`); const rows = evalRows(p); sets.push(rows); writeFlRows(rows, data[p]!); }
    // non-IID: each party's majority class differs
    const majority = sets.map((s) => [0, 1, 2].reduce((best, c) => (s.labels.filter((l) => l === c).length > s.labels.filter((l) => l === best).length ? c : best), 0));
    expect(new Set(majority).size).toBe(3);
    const union = path.join(dir, 'union.arrow');
    writeFlRows(concatRows(sets), union);
    const model = path.join(dir, 'model.onnx');
    writeFileSync(model, roundModelOnnx(demoRoundWeights()[1]!));
    const global = await federatedGlobal(dir, model, data);
    expectBitIdentical(global, await unionScores(dir, model, union));
  }, 120_000);

  it('regression: MSE and MAE', async () => {
    const dir = tempDir('arbiter-fl-exact-reg-');
    writeFederation(dir, {
      id: 'exact-reg', version: 1,
      task: { type: 'regression', targetColumn: 'target' },
      model: { inputs: [{ name: 'features', column: 'features', dtype: 'float32', shape: ['batch', FL_FEATURES] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 1] }] },
      batching: { size: 16 }, metrics: [{ name: 'mse' }, { name: 'mae' }],
    });
    const schema = path.join(dir, 'schema.yaml');
    writeFileSync(schema, `id: id\ncolumns:\n  - { name: id, type: int64 }\n  - { name: features, type: float32, size: ${FL_FEATURES}, from: [${Array.from({ length: FL_FEATURES }, (_, j) => `f${j}`).join(', ')}] }\n  - { name: target, type: float64, label: true }\n`);
    // targets: a linear function of the features plus a party-specific offset (non-IID)
    const csvOf = (rows: FlRows, offset: number) => ['id,' + Array.from({ length: FL_FEATURES }, (_, j) => `f${j}`).join(',') + ',target',
      ...rows.ids.map((id, r) => {
        const f = Array.from(rows.features.subarray(r * FL_FEATURES, (r + 1) * FL_FEATURES));
        return [id.toString(), ...f.map(String), String(f.reduce((s, v, j) => s + v * (j - 3) / 7, offset + rows.labels[r]!))].join(',');
      })].join('\n') + '\n';
    const data: Record<string, string> = {};
    const all: string[] = [];
    FL_PARTIES.forEach((p, i) => {
      const csv = csvOf(evalRows(p), i * 2.5);
      writeFileSync(path.join(dir, `${p}.csv`), csv);
      data[p] = path.join(dir, `${p}.arrow`);
      packDataset(path.join(dir, `${p}.csv`), loadPackSchema(schema), data[p]!);
      all.push(...csv.trim().split('\n').slice(1));
    });
    writeFileSync(path.join(dir, 'union.csv'), `${readFileSync(path.join(dir, 'alice.csv'), 'utf8').split('\n')[0]}\n${all.join('\n')}\n`);
    packDataset(path.join(dir, 'union.csv'), loadPackSchema(schema), path.join(dir, 'union.arrow'));
    const model = path.join(dir, 'model.onnx');
    const w = Float32Array.from({ length: FL_FEATURES }, (_, j) => (j - 2.5) / 6);
    writeFileSync(model, mlpModel({ inputName: 'features', outputName: 'y', softmax: false, weights: [{ w, b: Float32Array.of(1.25), inF: FL_FEATURES, outF: 1 }] }));
    const global = await federatedGlobal(dir, model, data);
    expectBitIdentical(global, await unionScores(dir, model, path.join(dir, 'union.arrow')));
  }, 120_000);

  it('language model: bits per byte and perplexity of a tiny LM folder on chat sets', async () => {
    const dir = tempDir('arbiter-fl-exact-lm-');
    writeFederation(dir, {
      id: 'exact-lm', version: 1,
      task: { type: 'chat-loss', contextLength: 32, truncation: 'left', scoredTokens: 'content' },
      data: { format: 'chat-jsonl' },
      // one conversation per forward pass: padding is not bit-neutral, and a party's batches differ from the union's
      batching: { size: 1 }, metrics: [{ name: 'bits_per_byte' }, { name: 'perplexity' }],
    });
    const words = (seed: number, n: number, pA: number) => {
      let s = seed;
      return Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 < pA ? 'a' : 'b'; }).join(' ');
    };
    // non-IID: alice's assistants say mostly "a", bob's mostly "b", carol's a mix; sets of different sizes
    const mix: Record<string, [number, number]> = { alice: [0.85, 7], bob: [0.15, 5], carol: [0.5, 6] };
    const data: Record<string, string> = {};
    const lines: string[] = [];
    FL_PARTIES.forEach((p, i) => {
      const rows = Array.from({ length: mix[p]![1] }, (_, r) => JSON.stringify({ conversations: [{ role: 'user', content: words(i * 100 + r, 3, 0.5) }, { role: 'assistant', content: words(i * 1000 + r, 4 + (r % 3), mix[p]![0]) }] }));
      data[p] = path.join(dir, `${p}.jsonl`);
      writeFileSync(data[p]!, `${rows.join('\n')}\n`);
      lines.push(...rows);
    });
    writeFileSync(path.join(dir, 'union.jsonl'), `${lines.join('\n')}\n`);
    const V = 8;
    const t = new Float32Array(V * V);
    for (let i = 0; i < V; i++) for (let j = 0; j < V; j++) t[i * V + j] = Math.log((1 + ((i * 3 + j * 5) % 7)) / 28 + (j === 6 ? 0.3 : 0));
    const model = wordLevelFolder(path.join(dir, 'model'), bigramTableLm(V, t));
    const global = await federatedGlobal(dir, model, data);
    expectBitIdentical(global, await unionScores(dir, model, path.join(dir, 'union.jsonl')));
  }, 180_000);
});
