// One run lifecycle for every task kind: the same bundled benchmarks, tabular and language-model
// alike, give byte-identical rows through `arbiter score` with 1 and 2 workers, through two
// `arbiter work` drainers sharing one store, and through 3 shards merged; an LM benchmark's final
// hidden set is scored and withheld like a tabular one; two LM folders with the same weights and
// another config.json are copies. In-process (the CLI commands call these functions); the
// isolation boundary itself is tested in test/inference/isolation and test/inference/limits.test.ts.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { score } from '../../src/run/lifecycle.ts';
import { createQueuedRun, work } from '../../src/run/work.ts';
import { mergeShards, scoreShard } from '../../src/run/shard-job.ts';
import { parsePart, serializePart } from '../../src/run/shard.ts';
import { Store } from '../../src/store/store.ts';
import { decodeModel, encodeModel } from '../../src/models/onnx/proto.ts';
import { visibleResult } from '../../src/run/final-set.ts';
import type { ScoreResult } from '../../src/run/types.ts';
import { REPO, tempDir } from '../helpers.ts';

const root = tempDir('arbiter-lifecycle-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const rowsOf = (r: { rows: ScoreResult['rows'] }) => JSON.stringify(r.rows);

describe.each(['tabular-demo', 'sentiment-demo', 'choice-demo'])('%s through the one lifecycle', (id) => {
  const dir = path.join(root, id);
  let reference: ScoreResult;

  it('arbiter score: 1 worker (threads) and 2 workers (default isolation) give byte-identical rows', async () => {
    reference = await score({ benchmark: id, workers: 1, isolation: 'thread', db: path.join(dir, 'one.db') });
    expect(reference.rows.filter((r) => r.status === 'scored').length).toBeGreaterThanOrEqual(3);
    const two = await score({ benchmark: id, workers: 2, db: path.join(dir, 'two.db') });
    expect(rowsOf(two)).toBe(rowsOf(reference));
  });

  it('arbiter work: two drainers on one store give the rows of one arbiter score, each submission scored once', async () => {
    const db = path.join(dir, 'work.db');
    const queued = await createQueuedRun({ benchmark: id, db });
    // worker threads here: the 2-worker score above already runs the default isolated processes
    const [a, b] = await Promise.all([work({ benchmark: id, db, run: queued.runId, workers: 1, isolation: 'thread' }), work({ benchmark: id, db, run: queued.runId, workers: 1, isolation: 'thread' })]);
    const result = a.result ?? b.result;
    expect(result).not.toBeNull();
    expect(rowsOf(result!)).toBe(rowsOf(reference));
    const scored = [...a.worker.items, ...b.worker.items].filter((i) => i.state === 'done' || i.state === 'failed');
    expect(scored.length).toBe(queued.queued);
    expect(new Set(scored.map((i) => i.submission)).size).toBe(queued.queued);
    expect([a.finishedHere, b.finishedHere].filter(Boolean).length).toBe(1);
  });

  it('--shard i/3 (rows mode) then merge: the rows of one arbiter score', async () => {
    const parts = [];
    for (let index = 0; index < 3; index++) {
      const part = await scoreShard({ benchmark: id, shard: { index, count: 3 }, mode: 'rows', workers: 1, isolation: 'thread', db: path.join(dir, `shard${index}.db`) });
      parts.push(parsePart(serializePart(part)));
    }
    const merged = mergeShards(parts.reverse());
    expect(rowsOf(merged)).toBe(rowsOf(reference));
  });
});

describe('language-model specifics of the lifecycle', () => {
  const bundled = path.join(REPO, 'benchmarks/sentiment-demo');
  const reviews = readFileSync(path.join(REPO, 'datasets/lm-task-demos/reviews.jsonl'), 'utf8');

  it('--set final on an LM benchmark: scored on set B, withheld until released', async () => {
    const dir = path.join(root, 'final');
    // A host's copy of the demo with a final hidden set (the reviews in reverse order: other rows per batch).
    const finalJsonl = reviews.trim().split('\n').reverse().join('\n') + '\n';
    writeFileSync(path.join(root, 'final.jsonl'), finalJsonl);
    const sha = createHash('sha256').update(finalJsonl).digest('hex');
    cpSync(path.join(bundled, 'benchmark.yaml'), path.join(dir, 'benchmark.yaml'));
    const yaml = readFileSync(path.join(dir, 'benchmark.yaml'), 'utf8')
      .replace('../../datasets/lm-task-demos/reviews.jsonl', path.join(REPO, 'datasets/lm-task-demos/reviews.jsonl'))
      .concat(`hiddenSets:\n  final:\n    path: ${path.join(root, 'final.jsonl')}\n    format: text-jsonl\n    sha256: ${sha}\n`);
    writeFileSync(path.join(dir, 'benchmark.yaml'), yaml);
    const db = path.join(dir, 'final.db');
    const subs = ['naive-bayes', 'keywords', 'always-pos'].map((p) => path.join(bundled, 'submissions', p));
    const live = await score({ benchmark: dir, submissions: subs, workers: 2, db });
    const fin = await score({ benchmark: dir, set: 'final', workers: 2, db });
    expect(fin.benchmark.id).toBe('sentiment-demo--final-set');
    expect(fin.rows.map((r) => r.status)).toEqual(['scored', 'scored', 'scored']);
    // Set B has the same rows in another order (other batches, other split): other scores than the live run.
    expect(fin.rows.map((r) => r.participant).sort()).toEqual(live.rows.map((r) => r.participant).sort());
    const store = Store.open(db);
    try {
      const shown = visibleResult(store, fin.benchmark.id, fin);
      expect(shown.withheld).toBe(true);
      expect(JSON.stringify(shown.result.rows)).not.toContain('macro_f1');
    } finally {
      store.close();
    }
  });

  it('two LM folders with the same weights and another config.json are copies (E_DUPLICATE, weights)', async () => {
    const dir = path.join(root, 'copies');
    const original = path.join(bundled, 'submissions', 'naive-bayes');
    const copy = path.join(dir, 'nb-copy');
    cpSync(original, copy, { recursive: true });
    const config = JSON.parse(readFileSync(path.join(copy, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(copy, 'config.json'), JSON.stringify({ ...config, _name_or_path: 'my-own-model', note: 'trained by me' }, null, 1));
    const r = await score({ benchmark: 'sentiment-demo', submissions: [original, copy], workers: 1, isolation: 'thread', db: path.join(dir, 'c.db') });
    const row = r.rows.find((x) => x.participant === 'nb-copy')!;
    expect(row.submission).not.toBe(r.rows.find((x) => x.participant === 'naive-bayes')!.submission);
    expect(row.status).toBe('duplicate');
    expect(row.error?.code).toBe('E_DUPLICATE');
    expect(row.error?.message).toContain('same weights');
  });

  it('prediction agreement on per-row losses flags an LM copy whose weights differ in the last bit', async () => {
    const dir = path.join(root, 'agree');
    cpSync(path.join(bundled, 'benchmark.yaml'), path.join(dir, 'benchmark.yaml'));
    const yaml = readFileSync(path.join(dir, 'benchmark.yaml'), 'utf8')
      .replace('../../datasets/lm-task-demos/reviews.jsonl', path.join(REPO, 'datasets/lm-task-demos/reviews.jsonl'))
      .concat('admission:\n  duplicates:\n    predictionAgreement: 0.95\n    predictionDigits: 3\n');
    writeFileSync(path.join(dir, 'benchmark.yaml'), yaml);
    const original = path.join(bundled, 'submissions', 'naive-bayes');
    const copy = path.join(dir, 'nb-tweaked');
    cpSync(original, copy, { recursive: true });
    // Flip the lowest mantissa bit of one float32 weight: other weights, the same predictions to 3 digits.
    const onnx = path.join(copy, 'onnx', 'model.onnx');
    const model = decodeModel(readFileSync(onnx));
    const weight = model.graph!.initializer!.find((t) => t.dataType === 1 && (t.rawData?.length ?? 0) >= 4)!;
    weight.rawData![0]! ^= 1;
    writeFileSync(onnx, encodeModel(model));
    const r = await score({ benchmark: dir, submissions: [original, copy], workers: 1, isolation: 'thread', db: path.join(dir, 'a.db') });
    const row = r.rows.find((x) => x.participant === 'nb-tweaked')!;
    expect(row.status).toBe('scored');
    expect(row.duplicateOf?.participant).toBe('naive-bayes');
    expect(row.duplicateOf!.agreement).toBeGreaterThan(0.95);
  });
});

describe('single-split benchmarks (split.publicFraction 0 or 1)', () => {
  const bundled = path.join(REPO, 'benchmarks/tabular-demo');
  const variant = (name: string, edit: (yaml: string) => string): string => {
    const dir = path.join(root, name);
    cpSync(path.join(bundled, 'benchmark.yaml'), path.join(dir, 'benchmark.yaml'));
    const yaml = readFileSync(path.join(dir, 'benchmark.yaml'), 'utf8').replace(/(path|publicSample): (\.\.\/\S+)/g, (_m, k: string, p: string) => `${k}: ${path.resolve(bundled, p)}`);
    writeFileSync(path.join(dir, 'benchmark.yaml'), edit(yaml));
    return dir;
  };

  it('publicFraction 0: every row is private, scores only on the private split, ranked as usual', async () => {
    const dir = variant('all-private', (y) => y.replace(/publicFraction: [0-9.]+/, 'publicFraction: 0').replace(/ *publicSample: \S+\n/, ''));
    const subs = ['alice.onnx', 'bob.onnx', 'grace.csv'].map((f) => path.join(bundled, 'submissions', f));
    const r = await score({ benchmark: dir, submissions: subs, workers: 1, isolation: 'thread', db: path.join(dir, 'a.db') });
    expect(r.rows.map((x) => x.status)).toEqual(['scored', 'scored', 'scored']);
    expect(r.rows[0]!.participant).toBe('alice');
    for (const row of r.rows) expect(Object.keys(row.splitScores)).toEqual(['private']);
    // Every hidden row is in the one split: the figures are those of the whole set.
    const all = await score({ benchmark: variant('all-public', (y) => y.replace(/publicFraction: [0-9.]+/, 'publicFraction: 1').replace(/split: private/, 'split: public')), submissions: subs, workers: 1, isolation: 'thread', db: path.join(dir, 'b.db') });
    expect(all.rows.map((x) => x.splitScores.public)).toEqual(r.rows.map((x) => x.splitScores.private));
  });

  it('a ranking on the split a single-split benchmark leaves empty is refused by spec validation (E_SPEC_INVALID)', async () => {
    const dir = variant('rank-empty', (y) => y.replace(/publicFraction: [0-9.]+/, 'publicFraction: 0').replace(/split: private/, 'split: public'));
    await expect(score({ benchmark: dir, workers: 1, db: path.join(dir, 'c.db') })).rejects.toMatchObject({ code: 'E_SPEC_INVALID' });
  });
});
