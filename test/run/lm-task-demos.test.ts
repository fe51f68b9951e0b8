// The bundled multiple-choice and sequence-classification demos score end to end with their
// generated (seeded) demo submissions, rank as documented in docs/language-models.md §7, and the
// data files still match the spec's sha256 and their generator. The kill -9 is a real process;
// the resume after it runs the CLI in process (test/cli-in-process.ts).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { score } from '../../src/run/index.ts';
import { buildDemoSubmissions as buildChoice } from '../../benchmarks/choice-demo/submissions.ts';
import { buildDemoSubmissions as buildSentiment } from '../../benchmarks/sentiment-demo/submissions.ts';
import { animalQuestions, HIDDEN_SEED, reviews, toJsonl } from '../../datasets/lm-task-demos/generate.ts';
import { arbiterInProcess } from '../cli-in-process.ts';
import { REPO } from '../helpers.ts';
import { tempDir } from '../tasks/lm/helpers.ts';

describe('bundled LM task demos', () => {
  let root: string;
  let choiceRows: string | undefined;
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
    choiceRows = JSON.stringify(r.rows);
  }, 300_000);

  it('choice-demo via the CLI: kill -9 part-way, then --resume with another worker count gives the same rows', async () => {
    expect(choiceRows).toBeDefined();
    const bin = path.join(REPO, 'bin/arbiter.js');
    const db = path.join(root, 'kill.sqlite');
    const args = ['score', '-b', 'choice-demo', '-s', path.join(root, 'choice'), '--json'];
    // 150 ms after each task (ARBITER_TEST_TASK_DELAY_MS, slower, never different): the 30 tasks take
    // 4.5 s or more, so a poller starved by load still sees the run part-way, not finished.
    const child = spawn(process.execPath, [bin, ...args, '--db', db, '--workers', '1'], { cwd: root, stdio: 'ignore', env: { ...process.env, ARBITER_TEST_TASK_DELAY_MS: '150' } });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let journaled = 0;
    for (let i = 0; i < 2400 && journaled < 5 && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 25));
      if (!existsSync(db)) continue;
      try {
        const conn = new Database(db, { readonly: true, fileMustExist: true });
        try { journaled = (conn.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n; } finally { conn.close(); }
      } catch { /* still being created */ }
    }
    child.kill('SIGKILL');
    await exited;
    expect(journaled).toBeGreaterThanOrEqual(5);
    expect(journaled).toBeLessThan(30); // 3 submissions x 10 batches
    const resumed = await arbiterInProcess([...args, '--db', db, '--resume', '1', '--workers', '2'], { cwd: root });
    expect(resumed.code, resumed.stderr).toBe(0);
    const stdout = resumed.stdout;
    expect(JSON.stringify((JSON.parse(stdout) as { rows: unknown[] }).rows)).toBe(choiceRows);
  }, 300_000);

  it('sentiment-demo: naive-bayes > keywords > always-pos on macro_f1', async () => {
    const subs = await buildSentiment(path.join(root, 'sentiment'));
    // Worker threads here (the same bits by design); choice-demo above keeps the default isolated processes.
    const r = await score({ benchmark: 'sentiment-demo', submissions: Object.values(subs), workers: 2, db: path.join(root, 'sentiment.sqlite'), isolation: 'thread' });
    expect(r.rows.map((x) => [x.rank, x.participant, x.status])).toEqual([[1, 'naive-bayes', 'scored'], [2, 'keywords', 'scored'], [3, 'always-pos', 'scored']]);
    expect(r.rows.map((x) => x.scores.accuracy)).toEqual([23 / 30, 22 / 30, 14 / 30]);
  }, 300_000);
});
