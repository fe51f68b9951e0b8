// Multiple-choice and sequence-classification benchmarks end to end through `arbiter score`
// (lm-job: admission, piscina LM workers, journal, splits, ranking) on word-level models whose
// probabilities are known by construction, so every expected score is computed by hand below.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { score, type ScoreResult } from '../../src/run/index.ts';
import { splitOf } from '../../src/data/split.ts';
import { wordTableLm, wordVocab, writeWordClassifierFolder, writeWordLmFolder } from '../../src/models/hf/word-models.ts';
import { tempDir } from '../tasks/lm/helpers.ts';

const KEY = 'lm-tasks-test-split-key';
const WORDS = ['a', 'bb', 'cccc', 'dddddddd', 'the', 'film', 'was', 'plot', 'good', 'great', 'bad', 'awful', 'neg', 'pos'];
const VOCAB = wordVocab(WORDS);

function writeBenchmark(dir: string, name: string, task: string, format: string, rows: unknown[], metrics: string[], extra = ''): string {
  mkdirSync(dir, { recursive: true });
  const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  writeFileSync(path.join(dir, 'data.jsonl'), jsonl);
  const yaml = `id: ${name}
version: 1
task:
${task}
dataset:
  path: data.jsonl
  format: ${format}
  sha256: ${createHash('sha256').update(jsonl).digest('hex')}
batching:
  size: 5
metrics:
${metrics.map((m) => `  - name: ${m}`).join('\n')}
split:
  key: ${KEY}
  publicFraction: 0.5
${extra}`;
  writeFileSync(path.join(dir, 'benchmark.yaml'), yaml);
  return path.join(dir, 'benchmark.yaml');
}

const isPublic = (id: string) => splitOf(Buffer.from(KEY, 'utf8'), id, 0.5) === 1;
/** Expected value of a mean-over-rows score on each split, from a per-row value. */
function perSplit(ids: string[], value: (i: number) => number): { public: number; private: number } {
  const sum = { public: 0, private: 0 };
  const n = { public: 0, private: 0 };
  ids.forEach((id, i) => { const s = isPublic(id) ? 'public' : 'private'; sum[s] += value(i); n[s]++; });
  expect(n.public).toBeGreaterThan(0);
  expect(n.private).toBeGreaterThan(0);
  return { public: sum.public / n.public, private: sum.private / n.private };
}
const row = (r: ScoreResult, who: string) => r.rows.find((x) => x.participant === who)!;

describe('multiple-choice benchmark (acc / acc_norm)', () => {
  // "known": after any token the next word is a 1/2, bb 1/4, cccc 1/8, dddddddd 1/8.
  //   acc (total log-likelihood) picks "a" (ln 1/2 = -0.69); acc_norm (per byte of the choice) picks
  //   "dddddddd" (ln(1/8)/8 = -0.26 against a -0.69, bb -0.69, cccc -0.52).
  // "uniform": the four words 1/4 each: acc ties -> the first choice; acc_norm -> "dddddddd".
  const known = (dir: string) => writeWordLmFolder(dir, VOCAB, wordTableLm(VOCAB, () => ({ a: Math.log(1 / 2), bb: Math.log(1 / 4), cccc: Math.log(1 / 8), dddddddd: Math.log(1 / 8) })));
  const uniform = (dir: string) => writeWordLmFolder(dir, VOCAB, wordTableLm(VOCAB, () => ({ a: 0, bb: 0, cccc: 0, dddddddd: 0 })));
  // 24 rows: every order of [a, dddddddd, X] for X = bb and cccc, twice; gold a (rows 0,1 mod 4), dddddddd (2), X (3)
  const PERMS = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const rows: Array<Record<string, unknown>> = [];
  const gold: string[] = [];
  const choiceSets: string[][] = [];
  for (let r = 0; r < 24; r++) {
    const set = ['a', 'dddddddd', r % 2 === 0 ? 'bb' : 'cccc'];
    const choices = PERMS[Math.floor(r / 2) % 6]!.map((i) => set[i]!);
    const g = r % 4 < 2 ? 'a' : r % 4 === 2 ? 'dddddddd' : set[2]!;
    const label = choices.indexOf(g);
    gold.push(g);
    choiceSets.push(choices);
    // the accepted spellings: context/label (index), query/gold (index), context + label as the gold text
    if (r % 3 === 0) rows.push({ id: `mc-${r}`, context: 'the film was', choices, label });
    else if (r % 3 === 1) rows.push({ id: `mc-${r}`, query: 'the plot', choices, gold: label });
    else rows.push({ id: `mc-${r}`, context: 'good', choices, label: g });
  }
  const ids = rows.map((r) => r.id as string);
  const TASK = '  type: multiple-choice\n  contextLength: 16\n  maxParams: 100000\n  allowedModelTypes: [qwen3]';
  let root: string;
  let subs: string[];
  let spec: string;
  beforeAll(() => {
    root = tempDir('arbiter-mc-');
    subs = [known(path.join(root, 'subs', 'known')), uniform(path.join(root, 'subs', 'uniform'))];
    spec = writeBenchmark(path.join(root, 'b'), 'mc-test', TASK, 'choice-jsonl', rows, ['acc', 'acc_norm'], 'ranking:\n  primary: acc\n');
  });

  it('golden acc and acc_norm per split; 1 and 2 workers give identical bits; ranked by acc', async () => {
    const r1 = await score({ benchmark: spec, submissions: subs, workers: 1, db: path.join(root, 'w1.sqlite') });
    const r2 = await score({ benchmark: spec, submissions: subs, workers: 2, db: path.join(root, 'w2.sqlite') });
    expect(JSON.stringify(r2.rows)).toBe(JSON.stringify(r1.rows));
    const k = row(r1, 'known');
    const u = row(r1, 'uniform');
    expect([k.status, u.status]).toEqual(['scored', 'scored']);
    const knownAcc = perSplit(ids, (i) => (gold[i] === 'a' ? 1 : 0));
    const normAcc = perSplit(ids, (i) => (gold[i] === 'dddddddd' ? 1 : 0));
    const uniformAcc = perSplit(ids, (i) => (choiceSets[i]!.indexOf(gold[i]!) === 0 ? 1 : 0));
    expect(k.splitScores).toEqual({
      public: { acc: knownAcc.public, acc_norm: normAcc.public },
      private: { acc: knownAcc.private, acc_norm: normAcc.private },
    });
    expect(u.splitScores).toEqual({
      public: { acc: uniformAcc.public, acc_norm: normAcc.public },
      private: { acc: uniformAcc.private, acc_norm: normAcc.private },
    });
    // overall: known acc 12/24, acc_norm 6/24 (split into public/private by the keyed hash)
    expect(knownAcc.private).not.toBe(uniformAcc.private);
    expect(r1.rows[0]!.participant).toBe(knownAcc.private > uniformAcc.private ? 'known' : 'uniform');
    expect(r1.run.fingerprint.transformers).toMatch(/^\d+\.\d+\.\d+/);
  }, 300_000);

  it('admission rules apply with their own codes (maxParams, allowedModelTypes)', async () => {
    const strict = writeBenchmark(path.join(root, 'strict'), 'mc-strict', TASK.replace('maxParams: 100000', 'maxParams: 100'), 'choice-jsonl', rows, ['acc']);
    const r = await score({ benchmark: strict, submissions: subs, workers: 1, db: path.join(root, 'strict.sqlite') });
    expect(r.rows.map((x) => [x.status, x.error?.code])).toEqual([['failed', 'E_MODEL_PARAMS'], ['failed', 'E_MODEL_PARAMS']]);
    const family = writeBenchmark(path.join(root, 'family'), 'mc-family', TASK.replace('[qwen3]', '[llama]'), 'choice-jsonl', rows, ['acc']);
    const f = await score({ benchmark: family, submissions: [subs[0]!], workers: 1, db: path.join(root, 'family.sqlite') });
    expect(f.rows[0]!.error?.code).toBe('E_MODEL_FAMILY');
  }, 120_000);

  it('bad rows stop the run with E_CHAT_DATA naming the line', async () => {
    const bad = [...rows.slice(0, 2), { context: 'the', choices: ['a', 'bb'], label: 2 }, ...rows.slice(3)];
    const b1 = writeBenchmark(path.join(root, 'bad1'), 'mc-bad', TASK, 'choice-jsonl', bad, ['acc']);
    await expect(score({ benchmark: b1, submissions: subs, workers: 1, db: path.join(root, 'bad1.sqlite') }))
      .rejects.toMatchObject({ code: 'E_CHAT_DATA', message: expect.stringMatching(/multiple-choice data line 3: "label" \(or "gold"\) must be an integer index into the 2 choices/) });
    const b2 = writeBenchmark(path.join(root, 'bad2'), 'mc-bad2', TASK, 'choice-jsonl', [{ context: 'the', choices: ['a', 'bb'], label: 'cccc' }, ...rows], ['acc']);
    await expect(score({ benchmark: b2, submissions: subs, workers: 1, db: path.join(root, 'bad2.sqlite') }))
      .rejects.toMatchObject({ code: 'E_CHAT_DATA', message: expect.stringMatching(/line 1: "label" "cccc" must be exactly one of the choices' texts/) });
    const b3 = writeBenchmark(path.join(root, 'bad3'), 'mc-bad3', TASK, 'choice-jsonl', [{ text: 'no context', choices: ['a', 'bb'], label: 0 }, ...rows], ['acc']);
    await expect(score({ benchmark: b3, submissions: subs, workers: 1, db: path.join(root, 'bad3.sqlite') }))
      .rejects.toMatchObject({ code: 'E_CHAT_DATA', message: expect.stringMatching(/line 1: "context" \(or "query"\) must be a string, found nothing/) });
  }, 120_000);
});

describe('sequence-classification benchmark', () => {
  const CLASSES = ['neg', 'pos'];
  // texts end in a sentiment word or in "plot"; labels by name or index
  const ENDS = ['good', 'great', 'bad', 'awful', 'plot'];
  const rows: Array<Record<string, unknown>> = [];
  const gold: number[] = [];
  const last: string[] = [];
  for (let r = 0; r < 30; r++) {
    const end = ENDS[r % 5]!;
    // the truth is the sentiment word, except every 7th row (mislabelled) and "plot" rows (alternating)
    let y = end === 'good' || end === 'great' ? 1 : end === 'plot' ? r % 2 : 0;
    if (r % 7 === 0) y = 1 - y;
    gold.push(y);
    last.push(end);
    rows.push({ id: `t${r}`, text: `the film was ${end}`, label: r % 2 === 0 ? CLASSES[y] : y });
  }
  const ids = rows.map((r) => r.id as string);
  let root: string;
  beforeAll(() => { root = tempDir('arbiter-seqcls-'); });

  it('classifier folders (logits [batch, classes]): golden accuracy per split, 1 and 2 workers identical', async () => {
    // bag of words: good/great vote pos, bad/awful vote neg; "plot" only -> tie -> class 0 (neg)
    const votes = { good: [0, 1], great: [0, 2], bad: [1, 0], awful: [2, 0] };
    const clf = writeWordClassifierFolder(path.join(root, 'subs', 'bow'), VOCAB, CLASSES, votes);
    const neg = writeWordClassifierFolder(path.join(root, 'subs', 'always-neg'), VOCAB, CLASSES, { the: [1, 0] });
    const task = '  type: sequence-classification\n  contextLength: 32\n  numClasses: 2\n  labels: [neg, pos]\n  allowedModelTypes: [bert]';
    const spec = writeBenchmark(path.join(root, 'clf'), 'cls-test', task, 'text-jsonl', rows, ['accuracy', 'macro_f1']);
    const r1 = await score({ benchmark: spec, submissions: [clf, neg], workers: 1, db: path.join(root, 'c1.sqlite') });
    const r2 = await score({ benchmark: spec, submissions: [clf, neg], workers: 2, db: path.join(root, 'c2.sqlite') });
    expect(JSON.stringify(r2.rows)).toBe(JSON.stringify(r1.rows));
    for (const x of r1.rows) expect(x.error ?? null, x.participant).toBeNull();
    const pred = (i: number) => (last[i] === 'good' || last[i] === 'great' ? 1 : 0);
    const acc = perSplit(ids, (i) => (pred(i) === gold[i] ? 1 : 0));
    const accNeg = perSplit(ids, (i) => (gold[i] === 0 ? 1 : 0));
    expect(row(r1, 'bow').splitScores!.public!.accuracy).toBe(acc.public);
    expect(row(r1, 'bow').splitScores!.private!.accuracy).toBe(acc.private);
    expect(row(r1, 'always-neg').splitScores!.private!.accuracy).toBe(accNeg.private);
    expect(r1.rows.map((x) => x.participant)).toEqual(['bow', 'always-neg']);
  }, 300_000);

  it('causal LMs scored by verbalizers (zero-shot): golden accuracy and log_loss; a classifier is refused by family', async () => {
    // after good/great: pos 0.6, neg 0.2; after bad/awful: the reverse; after plot: 0.3 / 0.3 (tie -> neg);
    // the rest of the mass on "the". Verbalizer probabilities: [0.25, 0.75], [0.75, 0.25], [0.5, 0.5].
    const table = (prev: string): Record<string, number> => {
      const [pn, pp] = prev === 'good' || prev === 'great' ? [0.2, 0.6] : prev === 'bad' || prev === 'awful' ? [0.6, 0.2] : [0.3, 0.3];
      return { neg: Math.log(pn), pos: Math.log(pp), the: Math.log(1 - pn - pp) };
    };
    const lm = writeWordLmFolder(path.join(root, 'subs', 'sentiment-lm'), VOCAB, wordTableLm(VOCAB, table));
    const clf = writeWordClassifierFolder(path.join(root, 'subs', 'bow2'), VOCAB, CLASSES, { good: [0, 1] });
    const task = '  type: sequence-classification\n  contextLength: 32\n  numClasses: 2\n  labels: [neg, pos]\n  modelKind: causal-lm\n  prompt: "{text}"\n  allowedModelTypes: [qwen3]';
    const spec = writeBenchmark(path.join(root, 'lm'), 'cls-lm-test', task, 'text-jsonl', rows, ['accuracy', 'log_loss']);
    const r = await score({ benchmark: spec, submissions: [lm, clf], workers: 2, db: path.join(root, 'l.sqlite') });
    expect(row(r, 'bow2').error?.code).toBe('E_MODEL_FAMILY');
    const p = (i: number) => (last[i] === 'good' || last[i] === 'great' ? [0.25, 0.75] : last[i] === 'plot' ? [0.5, 0.5] : [0.75, 0.25]);
    const acc = perSplit(ids, (i) => (p(i)[1]! > p(i)[0]! ? 1 : 0) === gold[i] ? 1 : 0);
    const ll = perSplit(ids, (i) => -Math.log(p(i)[gold[i]!]!));
    expect(row(r, 'sentiment-lm').error ?? null).toBeNull();
    const s = row(r, 'sentiment-lm').splitScores!;
    expect(s.private!.accuracy).toBe(acc.private);
    expect(s.public!.accuracy).toBe(acc.public);
    expect(s.private!.log_loss).toBeCloseTo(ll.private, 6);
    expect(s.public!.log_loss).toBeCloseTo(ll.public, 6);
  }, 300_000);

  it('admission: a classifier head with the wrong number of classes is E_MODEL_CONTRACT before it runs', async () => {
    const task = '  type: sequence-classification\n  contextLength: 32\n  numClasses: 2\n  labels: [neg, pos]';
    const three = writeWordClassifierFolder(path.join(root, 'subs4', 'three'), VOCAB, ['neg', 'mid', 'pos'], { good: [0, 0, 1] });
    const spec = writeBenchmark(path.join(root, 'head'), 'cls-head', task, 'text-jsonl', rows, ['accuracy']);
    const r = await score({ benchmark: spec, submissions: [three], workers: 1, db: path.join(root, 'head.sqlite') });
    expect(r.rows[0]!.error).toMatchObject({ code: 'E_MODEL_CONTRACT', message: 'expected the classifier output logits [batch, 2], found [batch, 3]' });
  }, 120_000);

  it('bad rows: an unknown class name or a label out of range stops the run with E_CHAT_DATA', async () => {
    const task = '  type: sequence-classification\n  contextLength: 32\n  numClasses: 2\n  labels: [neg, pos]';
    const clf = writeWordClassifierFolder(path.join(root, 'subs3', 'bow'), VOCAB, CLASSES, { good: [0, 1] });
    const b1 = writeBenchmark(path.join(root, 'bad1'), 'cls-bad', task, 'text-jsonl', [...rows, { text: 'x', label: 'meh' }], ['accuracy']);
    await expect(score({ benchmark: b1, submissions: [clf], workers: 1, db: path.join(root, 'b1.sqlite') }))
      .rejects.toMatchObject({ code: 'E_CHAT_DATA', message: expect.stringMatching(/classification data line 31: "label" "meh" is not one of the class names neg, pos/) });
    const b2 = writeBenchmark(path.join(root, 'bad2'), 'cls-bad2', task, 'text-jsonl', [{ text: 'x', label: 2 }, ...rows], ['accuracy']);
    await expect(score({ benchmark: b2, submissions: [clf], workers: 1, db: path.join(root, 'b2.sqlite') }))
      .rejects.toMatchObject({ code: 'E_CHAT_DATA', message: expect.stringMatching(/line 1: "label" must be an integer in \[0, 2\) or a class name, found 2/) });
  }, 120_000);
});
