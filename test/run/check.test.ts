// `arbiter check` on a language-model benchmark: the submission is a model folder or a .tar of
// one; admission is the LM job's own (safe unpacking, admitLmFolder with the spec's rules) and
// the sample pass runs the LM job on the benchmark's public sample only. Real tiny qwen3-typed
// word models (the choice-demo's seeded submissions), real files.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSubmission } from '../../src/run/check.ts';
import { loadBenchmark } from '../../src/benchmark/loader.ts';
import { buildDemoSubmissions } from '../../benchmarks/choice-demo/submissions.ts';
import { animalQuestions, toJsonl } from '../../datasets/lm-task-demos/generate.ts';
import { REPO, tempDir } from '../helpers.ts';

const dir = tempDir('arbiter-check-lm-');
let subs: Awaited<ReturnType<typeof buildDemoSubmissions>>;
let benchDir: string;

beforeAll(async () => {
  subs = await buildDemoSubmissions(path.join(dir, 'subs'));
  // choice-demo with a public sample: 8 questions from another seed than the hidden set's.
  benchDir = path.join(dir, 'choice-sample');
  mkdirSync(benchDir, { recursive: true });
  writeFileSync(path.join(benchDir, 'sample.jsonl'), toJsonl(animalQuestions(4242, 8)));
  const yaml = readFileSync(path.join(REPO, 'benchmarks/choice-demo/benchmark.yaml'), 'utf8')
    // The hidden set is never opened by check: point the spec at a file that does not exist.
    .replace('../../datasets/lm-task-demos/animals.jsonl', path.join(dir, 'no-hidden-set-here.jsonl'))
    .replace(/(\n  sha256: [0-9a-f]{64}\n)/, '$1  publicSample: sample.jsonl\n');
  writeFileSync(path.join(benchDir, 'benchmark.yaml'), yaml);
}, 120_000);

describe('arbiter check on a language-model benchmark', () => {
  it('passes a good model folder and its .tar, and scores it on the public sample only', async () => {
    const b = loadBenchmark(benchDir);
    const r = await checkSubmission(b, subs['bigram-fitted']);
    expect(r.rules.map((x) => [x.rule, x.status])).toEqual([['file', 'pass'], ['admission', 'pass'], ['sample-score', 'pass']]);
    expect(r.ok).toBe(true);
    expect(r.submission?.kind).toBe('model-folder');
    expect(r.sample?.rows).toBe(8);
    expect(Object.keys(r.sampleScores ?? {}).sort()).toEqual(['private', 'public']);
    expect(r.rules[1]!.message).toMatch(/model_type qwen3; \d+ parameters/);
    const tar = path.join(dir, 'bigram.tar');
    execFileSync('tar', ['-cf', tar, '-C', subs['bigram-fitted'], '.']);
    const t = await checkSubmission(b, tar);
    expect(t.ok).toBe(true);
    expect(t.sampleScores).toEqual(r.sampleScores);
  }, 300_000);

  it('fails admission with the LM job\'s codes: a missing tokenizer file, too many parameters; a missing path is E_SUBMISSION_NOT_FOUND', async () => {
    const b = loadBenchmark(benchDir);
    const broken = path.join(dir, 'broken');
    cpSync(subs.uniform, broken, { recursive: true });
    rmSync(path.join(broken, 'tokenizer.json'));
    const r = await checkSubmission(b, broken);
    expect(r.ok).toBe(false);
    expect(r.rules[1]!.error?.code).toBe('E_MODEL_FORMAT');
    expect(r.rules[1]!.message).toMatch(/tokenizer\.json/);
    expect(r.rules[2]!.status).toBe('skip');
    const small = { ...b, spec: { ...b.spec, task: { ...b.spec.task, maxParams: 10 } } } as typeof b;
    const p = await checkSubmission(small, subs.uniform);
    expect(p.rules[1]!.error?.code).toBe('E_MODEL_PARAMS');
    const none = await checkSubmission(b, path.join(dir, 'nope'));
    expect(none.rules[0]!.error?.code).toBe('E_SUBMISSION_NOT_FOUND');
  }, 300_000);
});
