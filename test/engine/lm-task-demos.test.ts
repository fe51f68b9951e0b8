// The bundled multiple-choice and sequence-classification demos score end to end with their
// generated (seeded) demo submissions, rank as documented in docs/language-models.md §7, and the
// data files still match the spec's sha256 and their generator.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { score } from '../../src/engine/score-job.ts';
import { buildDemoSubmissions as buildChoice } from '../../benchmarks/choice-demo/submissions.ts';
import { buildDemoSubmissions as buildSentiment } from '../../benchmarks/sentiment-demo/submissions.ts';
import { animalQuestions, HIDDEN_SEED, reviews, toJsonl } from '../../datasets/lm-task-demos/generate.ts';
import { REPO } from '../helpers.ts';
import { tempDir } from '../tasks/lm/helpers.ts';

describe('bundled LM task demos', () => {
  let root: string;
  beforeAll(() => { root = tempDir('arbiter-lmdemos-'); });

  it('the hidden sets are what their generator writes', () => {
    expect(readFileSync(path.join(REPO, 'datasets/lm-task-demos/animals.jsonl'), 'utf8')).toBe(toJsonl(animalQuestions(HIDDEN_SEED, 40)));
    expect(readFileSync(path.join(REPO, 'datasets/lm-task-demos/reviews.jsonl'), 'utf8')).toBe(toJsonl(reviews(HIDDEN_SEED, 48)));
  });

  it('choice-demo: bigram-fitted > unigram-fitted > uniform on acc_norm', async () => {
    const subs = await buildChoice(path.join(root, 'choice'));
    const r = await score({ benchmark: 'choice-demo', submissions: Object.values(subs), workers: 2, db: path.join(root, 'choice.sqlite') });
    expect(r.rows.map((x) => [x.rank, x.participant, x.status])).toEqual([[1, 'bigram-fitted', 'scored'], [2, 'unigram-fitted', 'scored'], [3, 'uniform', 'scored']]);
    expect(r.rows.map((x) => x.scores)).toEqual([{ acc_norm: 1, acc: 1 }, { acc_norm: 0.375, acc: 7 / 24 }, { acc_norm: 0.25, acc: 7 / 24 }]);
  }, 300_000);

  it('sentiment-demo: naive-bayes > keywords > always-pos on macro_f1', async () => {
    const subs = await buildSentiment(path.join(root, 'sentiment'));
    const r = await score({ benchmark: 'sentiment-demo', submissions: Object.values(subs), workers: 2, db: path.join(root, 'sentiment.sqlite') });
    expect(r.rows.map((x) => [x.rank, x.participant, x.status])).toEqual([[1, 'naive-bayes', 'scored'], [2, 'keywords', 'scored'], [3, 'always-pos', 'scored']]);
    expect(r.rows.map((x) => x.scores.accuracy)).toEqual([23 / 30, 22 / 30, 14 / 30]);
  }, 300_000);
});
