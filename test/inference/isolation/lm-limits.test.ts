// Language models run under the spec's limits like tabular models: in isolated child processes
// (the default), a clock far too small fails every submission with E_TIMEOUT, a model that asks
// for a huge tensor fails with E_MEMORY_LIMIT, the run finishes and the validator's own memory
// stays flat; 1 or 2 workers, processes or threads, give the same bytes. Each limit is tested
// with the other one generous, so a loaded machine cannot turn one into the other.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { score } from '../../../src/run/index.ts';
import { wordTableLm, wordVocab, writeWordLmFolder } from '../../../src/models/hf/word-models.ts';
import { memoryBombLmOnnx, sleepingLmOnnx, writeGraphLmFolder } from '../../../src/inference/isolation/lm-fixtures.ts';
import { tempDir } from '../../helpers.ts';
import { writeChoiceBenchmark } from '../fixtures/benchmarks.ts';

const ANIMALS = ['cat', 'dog', 'duck', 'cow', 'frog'];
const SOUNDS = ['purrs', 'barks', 'quacks', 'moos', 'croaks'];
const VOCAB = wordVocab(['the', ...ANIMALS, ...SOUNDS]);

/** A multiple-choice benchmark: 10 questions "the <animal>" -> its sound among 4, in batches of 4. */
function writeBenchmark(dir: string, limits: string): string {
  const rows = Array.from({ length: 10 }, (_, r) => {
    const a = r % 5;
    const choices = [0, 1, 2, 3].map((k) => SOUNDS[(a + k + 5 - (r % 4)) % 5]!);
    return { id: `q${r}`, context: `the ${ANIMALS[a]}`, choices, label: choices.indexOf(SOUNDS[a]!) };
  });
  return writeChoiceBenchmark(dir, { id: 'lm-limits', rows, extraYaml: limits });
}

describe('LM execution limits', () => {
  let subs: { good: string; knows: string; sleeps: string; bomb: string };
  beforeAll(() => {
    const root = tempDir('arbiter-lm-limits-');
    // "knows": each animal's own sound most likely; "good": a fixed preference order over sounds
    const knows = wordTableLm(VOCAB, (prev) => {
      const a = ANIMALS.indexOf(prev);
      return Object.fromEntries(SOUNDS.map((s, i) => [s, i === a ? -0.5 : -2 - i * 0.25]));
    });
    const good = wordTableLm(VOCAB, () => Object.fromEntries(SOUNDS.map((s, i) => [s, -1 - i * 0.3])));
    const vocab = Object.keys(VOCAB).length;
    subs = {
      good: writeWordLmFolder(path.join(root, 'good'), VOCAB, good, { max_position_embeddings: 64 }),
      knows: writeWordLmFolder(path.join(root, 'knows'), VOCAB, knows, { max_position_embeddings: 64 }),
      sleeps: writeGraphLmFolder(path.join(root, 'sleeps'), VOCAB, sleepingLmOnnx(vocab)),
      bomb: writeGraphLmFolder(path.join(root, 'bomb'), VOCAB, memoryBombLmOnnx(vocab)),
    };
  });

  it('a wall clock far too small fails every submission with E_TIMEOUT, and the run finishes', async () => {
    const dir = writeBenchmark(tempDir(), 'limits: { wallClockMs: 1, memoryLimitMb: 4096 }');
    const r = await score({ benchmark: dir, submissions: [subs.good, subs.sleeps], workers: 1, db: path.join(dir, 'a.db'), isolation: 'process' });
    expect(r.rows.map((x) => [x.participant, x.status, x.error?.code]).sort(), JSON.stringify(r.rows.map((x) => x.error))).toEqual([
      ['good', 'failed', 'E_TIMEOUT'], ['sleeps', 'failed', 'E_TIMEOUT'],
    ]);
  });

  // The sleeper spins a core until the clock kills it, so the clock costs that much CPU: 12 s is
  // still ~40x what the good model needs (its child imports transformers.js before the clock
  // starts; the clock covers loading a 12-word model and 3 batches), on a loaded machine too.
  it('a model that never returns fails with E_TIMEOUT while a good one in the same job scores', async () => {
    const dir = writeBenchmark(tempDir(), 'limits: { wallClockMs: 12000, memoryLimitMb: 4096 }');
    const r = await score({ benchmark: dir, submissions: [subs.good, subs.sleeps], workers: 2, db: path.join(dir, 'b.db'), isolation: 'process' });
    const by = Object.fromEntries(r.rows.map((x) => [x.participant, x]));
    expect(by.good!.error ?? null).toBeNull();
    expect(by.sleeps!.error).toMatchObject({ code: 'E_TIMEOUT', message: expect.stringContaining('expected to finish within 12000 ms') });
  });

  it('a model that allocates past memoryLimitMb fails with E_MEMORY_LIMIT; the validator\'s RSS stays flat', async () => {
    const dir = writeBenchmark(tempDir(), 'limits: { wallClockMs: 300000, memoryLimitMb: 1024 }');
    const before = process.memoryUsage().rss;
    const r = await score({ benchmark: dir, submissions: [subs.bomb, subs.good], workers: 2, db: path.join(dir, 'c.db'), isolation: 'process' });
    const after = process.memoryUsage().rss;
    const by = Object.fromEntries(r.rows.map((x) => [x.participant, x]));
    expect(by.bomb!.error!.code).toBe('E_MEMORY_LIMIT');
    expect(by.good!.status).toBe('scored');
    // the bomb asks for tens of GiB; none of it may land in this process
    expect((after - before) / 2 ** 20).toBeLessThan(256);
  });

  it('1 or 2 workers, processes or threads: byte-identical rows', async () => {
    const dir = writeBenchmark(tempDir(), '');
    const run = async (workers: number, isolation: 'process' | 'thread', db: string) =>
      JSON.stringify((await score({ benchmark: dir, submissions: [subs.knows, subs.good], workers, db: path.join(dir, db), isolation })).rows);
    // 1 against 2 workers (processes), processes against threads (2 workers): 1 thread adds no pair
    const p1 = await run(1, 'process', 'p1.db');
    expect(JSON.parse(p1).map((x: { participant: string; status: string }) => [x.participant, x.status])).toEqual([['knows', 'scored'], ['good', 'scored']]);
    expect(await run(2, 'process', 'p2.db')).toBe(p1);
    expect(await run(2, 'thread', 't2.db')).toBe(p1);
  });
});
