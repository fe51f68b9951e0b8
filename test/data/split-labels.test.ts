// split.column (a dataset column naming each row's split) on Arrow and JSONL sets, and the label-only
// preconditions of metrics (roc_auc with a class absent from a split, pearson on constant targets)
// that refuse a benchmark while its data is prepared, before any submission runs.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeVector, Table, tableToIPC, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareJsonlDataset } from '../../src/data/chat-dataset.ts';
import { assertLabelPreconditions, LabelTally } from '../../src/data/label-checks.ts';
import { prepareDataset } from '../../src/data/prepare.ts';
import { PRIVATE, PUBLIC } from '../../src/data/split.ts';
import { parseBenchmark, type LoadedBenchmark } from '../../src/benchmark/loader.ts';
import { textRowFromJson } from '../../src/data/lm-rows.ts';
import { registry } from '../../scoring/index.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-split-labels-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A classification (or regression) Arrow set: id, one float feature, label/target, optional split column. */
function arrowBench(o: { labels: number[]; split?: string[]; splitYaml?: string; metrics?: string; regression?: boolean }): LoadedBenchmark {
  const rows = o.labels.length;
  const cols: Record<string, Vector> = {
    id: makeVector(BigInt64Array.from({ length: rows }, (_, i) => BigInt(i + 1))),
    f: makeVector(Float32Array.from({ length: rows }, (_, i) => i / 4)),
  };
  if (o.regression) cols.target = makeVector(Float64Array.from(o.labels));
  else cols.label = makeVector(Int32Array.from(o.labels));
  if (o.split) cols.part = vectorFromArray(o.split, new Utf8());
  const bytes = tableToIPC(new Table(cols), 'stream');
  const file = `d${n++}.arrow`;
  writeFileSync(path.join(tmp, file), bytes);
  const text = [
    'id: split-labels', 'version: 1',
    'task:', o.regression ? '  type: regression\n  targetColumn: target' : '  type: classification\n  numClasses: 2\n  labelColumn: label',
    'dataset:', `  path: ${file}`, `  sha256: ${sha(bytes)}`,
    'model:', '  inputs:', '    - { name: x, column: f, dtype: float32, shape: [batch, 1] }', '  outputs:',
    `    - { name: y, dtype: float32, shape: ${o.regression ? '[batch]' : '[batch, 2]'} }`,
    'batching: { size: 4 }',
    `metrics: ${o.metrics ?? '[{ name: accuracy }]'}`,
    `split: ${o.splitYaml ?? '{ column: part }'}`,
  ].join('\n');
  return parseBenchmark(text, path.join(tmp, `b${n}.yaml`));
}

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  try {
    if (typeof p === 'function') p(); else await p;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('split.column', () => {
  it('assigns each Arrow row to the split its column names, whatever the id', async () => {
    const split = ['public', 'private', 'private', 'public', 'private', 'private'];
    const d = await prepareDataset(arrowBench({ labels: [0, 1, 0, 1, 0, 1], split }));
    expect(Array.from(d.splitMask)).toEqual(split.map((s) => (s === 'public' ? PUBLIC : PRIVATE)));
    expect(d.publicRows).toBe(2);
  });

  it('refuses a value other than public/private (naming the row, not the value), a missing column, and an empty split', async () => {
    const bad = await refusal(prepareDataset(arrowBench({ labels: [0, 1, 0], split: ['public', 'SECRET-split', 'private'] })));
    expect(bad.code).toBe('E_DATASET_INVALID');
    expect(bad.message).toMatch(/row 2: split column "part" must be "public" or "private", found another string/);
    expect(bad.message).not.toContain('SECRET');
    const missing = await refusal(prepareDataset(arrowBench({ labels: [0, 1, 0] })));
    expect(missing.code).toBe('E_DATASET_INVALID');
    expect(missing.message).toContain('"part"');
    const empty = await refusal(prepareDataset(arrowBench({ labels: [0, 1, 0], split: ['private', 'private', 'private'] })));
    expect(empty.message).toMatch(/found none in the public split \(3 rows, split column "part"\)/);
  });

  it('works on JSONL sets: the row field names the split', () => {
    const d = path.join(tmp, 'jsonl');
    const rows = ['public', 'private', 'private', 'public'].map((part, i) => JSON.stringify({ part, text: `t${i}`, label: i % 2 }));
    const bytes = Buffer.from(rows.join('\n') + '\n');
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'd.jsonl'), bytes);
    const b = parseBenchmark([
      'id: jsonl-split', 'version: 1',
      'task: { type: sequence-classification, numClasses: 2, contextLength: 32, modelKind: sequence-classification, maxParams: 100000, allowedModelTypes: [bert], maxModelBytes: 1000000 }',
      `dataset: { path: d.jsonl, format: text-jsonl, sha256: ${sha(bytes)} }`,
      'batching: { size: 2 }', 'metrics: [{ name: accuracy }]', 'split: { column: part }',
    ].join('\n'), path.join(d, 'benchmark.yaml'));
    const p = prepareJsonlDataset(b, 'classification', (row, line) => textRowFromJson(row, line, 2));
    expect(Array.from(p.splitMask)).toEqual([PUBLIC, PRIVATE, PRIVATE, PUBLIC]);
  });

  it('the spec refuses split.column together with the keyed hash, a split without either, and a split column that is the label or a model input', () => {
    const err = (splitYaml: string, o: Partial<Parameters<typeof arrowBench>[0]> = {}) => {
      try { arrowBench({ labels: [0, 1], splitYaml, ...o }); } catch (e) { return e as { code: string; message: string }; }
      throw new Error('expected E_SPEC_INVALID');
    };
    expect(err('{ column: part, key: abcdefgh12 }').message).toMatch(/split.key: expected no key with split.column/);
    expect(err('{ column: part, publicFraction: 0.5 }').message).toMatch(/no publicFraction with split.column/);
    expect(err('{ key: abcdefgh12 }').message).toMatch(/split.publicFraction/);
    expect(err('{ column: label }').message).toMatch(/split.column: expected a column of its own/);
    expect(err('{ column: f }').message).toMatch(/the split column "f"/);
    expect(err('{ column: label }').code).toBe('E_SPEC_INVALID');
  });
});

describe('label preconditions', () => {
  it('roc_auc and average_precision declare the classes they need; pearson and spearman non-constant targets', () => {
    const roc = registry.get('roc_auc');
    const opts = roc.optionsSchema.parse({});
    expect(roc.checkLabels!({ rows: 5, classCounts: [5, 0] }, opts)).toMatch(/class 1 has 0 of 5 rows/);
    expect(roc.checkLabels!({ rows: 5, classCounts: [0, 5] }, opts)).toMatch(/class 1 has 5 of 5 rows/);
    expect(roc.checkLabels!({ rows: 5, classCounts: [2, 3] }, opts)).toBeNull();
    expect(roc.checkLabels!({ rows: 6, classCounts: [2, 4, 0] }, opts)).toMatch(/class 2 has 0 of 6/);
    expect(registry.get('average_precision').checkLabels!({ rows: 3, classCounts: [3, 0] }, opts)).toMatch(/average_precision is undefined/);
    const pearson = registry.get('pearson');
    expect(pearson.checkLabels!({ rows: 3, targetsConstant: true }, pearson.optionsSchema.parse({}))).toMatch(/same value/);
    expect(pearson.checkLabels!({ rows: 3, targetsConstant: true }, pearson.optionsSchema.parse({ degenerate: 'zero' }))).toBeNull();
    expect(registry.get('spearman').checkLabels!({ rows: 3, targetsConstant: false }, {})).toBeNull();
    expect(registry.get('accuracy').checkLabels).toBeUndefined();
  });

  it('a class absent from the private split refuses the benchmark with E_DATASET_INVALID naming split and metric, before any submission', async () => {
    const split = ['public', 'public', 'private', 'private', 'private'];
    const e = await refusal(prepareDataset(arrowBench({ labels: [0, 1, 0, 0, 0], split, metrics: '[{ name: accuracy }, { name: roc_auc, key: auc }]' })));
    expect(e.code).toBe('E_DATASET_INVALID');
    expect(e.message).toMatch(/metric "auc" \(metrics\[1\]\) cannot be computed on the private split: roc_auc is undefined: class 1 has 0 of 3 rows/);
    expect(e.details).toMatchObject({ split: 'private', metric: 'auc' });
    // both classes in both splits: accepted
    await prepareDataset(arrowBench({ labels: [0, 1, 0, 1, 0], split, metrics: '[{ name: roc_auc }]' }));
  });

  it('constant targets on one split refuse pearson unless degenerate: zero', async () => {
    const split = ['public', 'public', 'private', 'private'];
    const e = await refusal(prepareDataset(arrowBench({ regression: true, labels: [1, 2, 3, 3], split, metrics: '[{ name: pearson }]' })));
    expect(e.message).toMatch(/metric "pearson" \(metrics\[0\]\) cannot be computed on the private split/);
    await prepareDataset(arrowBench({ regression: true, labels: [1, 2, 3, 3], split, metrics: '[{ name: pearson, options: { degenerate: zero } }]' }));
    await prepareDataset(arrowBench({ regression: true, labels: [1, 2, 3, 4], split, metrics: '[{ name: pearson }]' }));
  });

  it('sequence-classification JSONL sets are checked too', () => {
    const d = path.join(tmp, 'jsonl-auc');
    mkdirSync(d, { recursive: true });
    const rows = ['public', 'public', 'private', 'private'].map((part, i) => JSON.stringify({ part, text: `t${i}`, label: part === 'public' ? i % 2 : 0 }));
    const bytes = Buffer.from(rows.join('\n'));
    writeFileSync(path.join(d, 'd.jsonl'), bytes);
    const b = parseBenchmark([
      'id: jsonl-auc', 'version: 1',
      'task: { type: sequence-classification, numClasses: 2, contextLength: 32, modelKind: sequence-classification, maxParams: 100000, allowedModelTypes: [bert], maxModelBytes: 1000000 }',
      `dataset: { path: d.jsonl, format: text-jsonl, sha256: ${sha(bytes)} }`,
      'batching: { size: 2 }', 'metrics: [{ name: roc_auc }]', 'split: { column: part }',
    ].join('\n'), path.join(d, 'benchmark.yaml'));
    expect(() => prepareJsonlDataset(b, 'classification', (row, line) => textRowFromJson(row, line, 2))).toThrow(/cannot be computed on the private split/);
  });

  it('LabelTally counts per split', () => {
    const t = new LabelTally('classes', 3);
    [[PUBLIC, 0], [PRIVATE, 2], [PRIVATE, 2], [PUBLIC, 1]].forEach(([m, v]) => t.add(m!, v!));
    expect(t.summary('public')).toEqual({ rows: 2, classCounts: [1, 1, 0] });
    expect(t.summary('private')).toEqual({ rows: 2, classCounts: [0, 0, 2] });
    const spec = arrowBench({ labels: [0, 1], split: ['public', 'private'], metrics: '[{ name: roc_auc }]' }).spec;
    expect(() => assertLabelPreconditions(spec, t, 'x')).toThrow(/public split/);
  });
});
