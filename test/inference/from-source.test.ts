// Worker threads and isolated child processes run from the TypeScript sources (through tsx) as
// from the compiled build. The rest of the suite starts them from dist/ (ARBITER_WORKERS_FROM_BUILD
// in vitest.config.ts, src/inference/entry.ts) to save a tsx start per thread and child; here they
// start from the sources, for both task families and both isolation modes, and give the bytes of
// the build's run.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { score } from '../../src/run/index.ts';
import { entryBeside } from '../../src/inference/entry.ts';
import { wordTableLm, wordVocab, writeWordLmFolder } from '../../src/models/hf/word-models.ts';
import { goodModel } from '../../src/inference/isolation/fixtures.ts';
import { freshBuild } from '../../bin/fresh-build.js';
import { REPO, tempDir } from '../helpers.ts';
import { writeChoiceBenchmark, writeTabularBenchmark } from './fixtures/benchmarks.ts';

const KEY = 'ARBITER_WORKERS_FROM_BUILD';
const saved = process.env[KEY];
afterEach(() => { if (saved === undefined) delete process.env[KEY]; else process.env[KEY] = saved; });

const ANIMALS = ['cat', 'dog', 'cow'];
const SOUNDS = ['purrs', 'barks', 'moos'];
const VOCAB = wordVocab(['the', ...ANIMALS, ...SOUNDS]);

/** A multiple-choice benchmark of 6 questions "the <animal>" -> its sound among 3. */
function lmBenchmark(dir: string): string {
  const rows = Array.from({ length: 6 }, (_, r) => ({ id: `q${r}`, context: `the ${ANIMALS[r % 3]}`, choices: SOUNDS, label: r % 3 }));
  return writeChoiceBenchmark(dir, { id: 'from-source', rows });
}

/** The 4-class tabular benchmark of test/inference/limits.test.ts, 200 rows, and two models. */
function tabularBenchmark(dir: string): { bench: string; subs: string[] } {
  writeTabularBenchmark(dir, { id: 'from-source-tabular', rows: 200 });
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
