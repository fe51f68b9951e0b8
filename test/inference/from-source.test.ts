// Worker threads and isolated child processes run from the TypeScript sources (through tsx) as
// from the compiled build. The rest of the suite starts them from dist/ (ARBITER_WORKERS_FROM_BUILD
// in vitest.config.ts, src/inference/entry.ts) to save a tsx start per thread and child; here they
// start from the sources, for both task families and both isolation modes, and give the bytes of
// the build's run.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { score } from '../../src/run/index.ts';
import { entryBeside } from '../../src/inference/entry.ts';
import { wordTableLm, wordVocab, writeWordLmFolder } from '../../src/models/hf/word-models.ts';
import { packDataset } from '../../src/data/pack.ts';
import { FIXTURE_FEATURES, fixtureRows, goodModel } from '../../src/inference/isolation/fixtures.ts';
import { freshBuild } from '../../bin/fresh-build.js';
import { REPO, tempDir } from '../helpers.ts';

const KEY = 'ARBITER_WORKERS_FROM_BUILD';
const saved = process.env[KEY];
afterEach(() => { if (saved === undefined) delete process.env[KEY]; else process.env[KEY] = saved; });

const ANIMALS = ['cat', 'dog', 'cow'];
const SOUNDS = ['purrs', 'barks', 'moos'];
const VOCAB = wordVocab(['the', ...ANIMALS, ...SOUNDS]);

/** A multiple-choice benchmark of 6 questions "the <animal>" -> its sound among 3. */
function lmBenchmark(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const rows = Array.from({ length: 6 }, (_, r) => ({ id: `q${r}`, context: `the ${ANIMALS[r % 3]}`, choices: SOUNDS, label: r % 3 }));
  const jsonl = rows.map((x) => JSON.stringify(x)).join('\n') + '\n';
  writeFileSync(path.join(dir, 'data.jsonl'), jsonl);
  writeFileSync(path.join(dir, 'benchmark.yaml'), `id: from-source
version: 1
task:
  type: multiple-choice
  contextLength: 16
  allowedModelTypes: [qwen3]
dataset:
  path: data.jsonl
  format: choice-jsonl
  sha256: ${createHash('sha256').update(jsonl).digest('hex')}
batching:
  size: 4
metrics:
  - name: acc_norm
  - name: acc
split:
  key: from-source-key
  publicFraction: 0.5
`);
  return dir;
}

/** A 4-class tabular benchmark of 200 rows (test/inference/limits.test.ts's, smaller) and two models. */
function tabularBenchmark(dir: string): { bench: string; subs: string[] } {
  mkdirSync(dir, { recursive: true });
  const n = 200;
  const x = fixtureRows(n, 3);
  const lines = ['id,f0,f1,f2,f3,label'];
  for (let r = 0; r < n; r++) lines.push([r + 1, ...Array.from(x.subarray(r * 4, r * 4 + 4), (v) => v.toFixed(4)), r % 4].join(','));
  writeFileSync(path.join(dir, 'data.csv'), lines.join('\n'));
  const packed = packDataset(path.join(dir, 'data.csv'), {
    id: 'id',
    columns: [
      { name: 'id', type: 'int64', label: false, allowNaN: false },
      { name: 'x', type: 'float32', size: FIXTURE_FEATURES, from: ['f0', 'f1', 'f2', 'f3'], label: false, allowNaN: false },
      { name: 'label', type: 'int32', label: true, allowNaN: false },
    ],
  }, path.join(dir, 'data.arrow'));
  writeFileSync(path.join(dir, 'benchmark.yaml'), `
id: from-source-tabular
version: 1
task: { type: classification, numClasses: 4, labelColumn: label, output: logits }
dataset: { path: data.arrow, sha256: ${packed.sha256} }
model:
  inputs: [{ name: X, column: x, dtype: float32, shape: [batch, 4] }]
  outputs: [{ name: Y, dtype: float32, shape: [batch, 4] }]
batching: { size: 64 }
metrics: [{ name: log_loss }, { name: accuracy }]
split: { key: from-source-key, publicFraction: 0.5 }
`);
  const subs = [7, 8].map((seed) => { const f = path.join(dir, `m${seed}.onnx`); writeFileSync(f, goodModel(seed)); return f; });
  return { bench: dir, subs };
}

describe('workers and isolated children from the sources (tsx) give the bytes of the compiled build', () => {
  let root: string;
  let lm: { bench: string; subs: string[] };
  let tab: { bench: string; subs: string[] };
  beforeAll(() => {
    root = tempDir('arbiter-from-source-');
    const knows = wordTableLm(VOCAB, (prev) => Object.fromEntries(SOUNDS.map((s, i) => [s, i === ANIMALS.indexOf(prev) ? -0.5 : -2 - i * 0.25])));
    const flat = wordTableLm(VOCAB, () => Object.fromEntries(SOUNDS.map((s, i) => [s, -1 - i * 0.3])));
    tab = tabularBenchmark(path.join(root, 'tabular'));
    lm = {
      bench: lmBenchmark(path.join(root, 'bench')),
      subs: [writeWordLmFolder(path.join(root, 'knows'), VOCAB, knows, { max_position_embeddings: 64 }), writeWordLmFolder(path.join(root, 'flat'), VOCAB, flat, { max_position_embeddings: 64 })],
    };
  });

  it('entryBeside: the dist/ file with the switch on and the build fresh, the .ts file under tsx without it', () => {
    const caller = new URL('../../src/inference/pool.ts', import.meta.url).href;
    process.env[KEY] = '1';
    expect(freshBuild(REPO), 'test/global-setup.ts built dist/').toBe(true);
    expect(entryBeside(caller, './worker')).toEqual({ url: new URL('../../dist/src/inference/worker.js', import.meta.url).href, execArgv: [] });
    delete process.env[KEY];
    const source = entryBeside(caller, './worker');
    expect(source.url).toBe(new URL('../../src/inference/worker.ts', import.meta.url).href);
    expect(source.execArgv[0]).toBe('--import');
    expect(source.execArgv[1]).toMatch(/tsx/);
  });

  it.each(['thread', 'process'] as const)('%s isolation: a tabular and a language-model run from the sources, the same rows as from the build', async (isolation) => {
    const runs = async (label: string) => {
      const tabular = await score({ benchmark: tab.bench, submissions: tab.subs, workers: 1, isolation, db: path.join(root, `tab-${isolation}-${label}.db`) });
      const words = await score({ benchmark: lm.bench, submissions: lm.subs, workers: 1, isolation, db: path.join(root, `lm-${isolation}-${label}.db`) });
      return [tabular, words].map((r) => { expect(r.rows.map((x) => x.status)).toEqual(['scored', 'scored']); return JSON.stringify(r.rows); });
    };
    process.env[KEY] = '1';
    const built = await runs('built');
    delete process.env[KEY];
    expect(await runs('source')).toEqual(built);
  });
});
