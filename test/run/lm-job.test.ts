// Language-model benchmarks end to end with real models, real piscina workers and the real CLI:
// the qwen-chat-demo submissions (generated, seeded) on a 16-conversation slice of the hidden set
// in a temp benchmark, plus the full bundled demo once (ARBITER_FULL_LM_DEMO=1). The CLI runs in
// this process (test/cli-in-process.ts) except where the process is the point: the kill -9.
import { execFile, spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoSubmissions } from '../../benchmarks/qwen-chat-demo/submissions.ts';
import { score, type ScoreResult } from '../../src/run/index.ts';
import { rescoreReceipt } from '../../src/run/rescore.ts';
import { receiptForRun } from '../../src/receipts/for-run.ts';
import { loadBenchmark } from '../../src/benchmark/loader.ts';
import { Store } from '../../src/store/store.ts';
import { folderFiles, folderSha256 } from '../../src/tasks/lm/submissions.ts';
import { arbiterInProcess } from '../cli-in-process.ts';
import { REPO, tempDir } from '../helpers.ts';
import { tarBytes } from '../models/tar-writer.ts';

const run = promisify(execFile);
const BIN = path.join(REPO, 'bin/arbiter.js');
const DEMO_YAML = readFileSync(path.join(REPO, 'benchmarks/qwen-chat-demo/benchmark.yaml'), 'utf8');
const CHAT = readFileSync(path.join(REPO, 'datasets/qwen-chat-demo/chat.jsonl'), 'utf8');

/** A temp copy of the demo spec on the first `rows` conversations, with `edit` applied to the YAML text. */
function subsetBenchmark(dir: string, rows: number, edit: (yaml: string) => string = (y) => y): string {
  const jsonl = CHAT.split('\n').slice(0, rows).join('\n') + '\n';
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'chat.jsonl'), jsonl);
  const sha = createHash('sha256').update(jsonl).digest('hex');
  const yaml = edit(DEMO_YAML
    .replace('path: ../../datasets/qwen-chat-demo/chat.jsonl', 'path: chat.jsonl')
    .replace(/sha256: [0-9a-f]{64}/, `sha256: ${sha}`));
  writeFileSync(path.join(dir, 'benchmark.yaml'), yaml);
  return path.join(dir, 'benchmark.yaml');
}

/** The CLI as a child (the full-demo run below); the same command line in this process where no process boundary is tested. */
async function cli(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 900_000, maxBuffer: 1 << 24 });
}

/** `arbiter <args>` in this process: its stdout, or a rejection carrying the exit code and stderr, as a child's. */
async function cliInProcess(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await arbiterInProcess(args, { cwd });
  if (r.code !== 0) throw Object.assign(new Error(`arbiter ${args[0]} exited ${r.code}: ${r.stderr}`), r);
  return r;
}

const bpb = (r: ScoreResult, who: string) => r.rows.find((x) => x.participant === who)!.scores.bits_per_byte!;

describe('LM benchmarks: arbiter score', () => {
  let root: string;
  let subs: Record<string, string>;
  let spec: string;
  let uninterrupted: ScoreResult | undefined;
  beforeAll(async () => {
    root = tempDir('arbiter-lmjob-');
    subs = await buildDemoSubmissions(path.join(root, 'subs'));
    spec = subsetBenchmark(path.join(root, 'bench'), 16);
  }, 180_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('CLI: ranks bigram-fitted < unigram-fitted < random by bits_per_byte; --workers 1 (processes) and 2 (threads) give byte-identical rows', async () => {
    const rowsOf = async (workers: number, isolation: string) => {
      const { stdout } = await cliInProcess(root, ['score', '-b', spec, '-s', path.join(root, 'subs'), '--workers', String(workers), '--isolation', isolation, '--db', path.join(root, `w${workers}.sqlite`), '--json']);
      return JSON.parse(stdout) as ScoreResult;
    };
    const one = await rowsOf(1, 'process');
    const two = await rowsOf(2, 'thread');
    expect(one.rows.map((r) => [r.rank, r.participant, r.status])).toEqual([[1, 'bigram-fitted', 'scored'], [2, 'unigram-fitted', 'scored'], [3, 'random', 'scored']]);
    expect(bpb(one, 'bigram-fitted')).toBeLessThan(bpb(one, 'unigram-fitted'));
    expect(bpb(one, 'unigram-fitted')).toBeLessThan(bpb(one, 'random'));
    for (const r of one.rows) {
      expect(Object.keys(r.splitScores).sort()).toEqual(['private', 'public']);
      expect(r.scores.perplexity).toBeCloseTo(Math.exp(r.scores.nll_per_token!), 9);
      expect(r.submission).toBe(folderSha256(subs[r.participant]!));
    }
    expect(one.rows[0]!.reward).toBe('1000');
    expect(JSON.stringify(two.rows)).toBe(JSON.stringify(one.rows));
    uninterrupted = one;
  }, 900_000);

  it('kill -9 in the middle of a run, then --resume: the same rows, byte for byte', async () => {
    expect(uninterrupted).toBeDefined();
    const db = path.join(root, 'resume.sqlite');
    // 150 ms after each task (ARBITER_TEST_TASK_DELAY_MS, slower, never different): a poller
    // starved by load still sees the run part-way, not finished.
    const child = spawn(process.execPath, [BIN, 'score', '-b', spec, '-s', path.join(root, 'subs'), '--workers', '1', '--db', db, '--json'],
      { cwd: root, stdio: 'ignore', env: { ...process.env, ARBITER_TEST_TASK_DELAY_MS: '150' } });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // wait until some (not all) batches are journaled, then kill without warning
    let journaled = 0;
    for (let i = 0; i < 12000 && journaled < 4 && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 25));
      if (!existsSync(db)) continue;
      try {
        const conn = new Database(db, { readonly: true, fileMustExist: true });
        try { journaled = (conn.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n; } finally { conn.close(); }
      } catch { /* the store is still being created */ }
    }
    child.kill('SIGKILL');
    await exited;
    expect(journaled).toBeGreaterThanOrEqual(4);
    expect(journaled).toBeLessThan(12); // 3 submissions x 4 batches: the run was cut short
    const { stdout } = await cliInProcess(root, ['score', '-b', spec, '--resume', '1', '--db', db, '--workers', '2', '--isolation', 'thread', '--json']);
    const resumed = JSON.parse(stdout) as ScoreResult;
    expect(JSON.stringify(resumed.rows)).toBe(JSON.stringify(uninterrupted!.rows));
  }, 900_000);

  it('a folder without onnx/model.onnx fails with E_MODEL_FORMAT naming the file; a .tar scores exactly like its folder', async () => {
    const broken = path.join(root, 'broken');
    cpSync(subs['unigram-fitted']!, broken, { recursive: true });
    rmSync(path.join(broken, 'onnx', 'model.onnx'));
    const folder = subs['bigram-fitted']!;
    const tar = path.join(root, 'bigram-tarred.tar');
    writeFileSync(tar, tarBytes(folderFiles(folder).map((f) => ({ name: f, data: readFileSync(path.join(folder, f)) }))));
    const small = subsetBenchmark(path.join(root, 'bench8'), 8);
    const r = await score({ benchmark: small, submissions: [folder, broken, tar], workers: 2, isolation: 'thread', db: path.join(root, 'tar.sqlite') });
    const row = (who: string) => r.rows.find((x) => x.participant === who)!;
    expect(row('broken').status).toBe('failed');
    expect(row('broken').error!.code).toBe('E_MODEL_FORMAT');
    expect(row('broken').error!.message).toContain('onnx/model.onnx');
    // The .tar holds the folder's weights: in one run it is the folder's copy (same weights, other bytes).
    expect(row('bigram-tarred').status).toBe('duplicate');
    expect(row('bigram-tarred').error!.message).toContain('same weights');
    expect(row('bigram-tarred').submission).toBe(createHash('sha256').update(readFileSync(tar)).digest('hex'));
    expect(row('bigram-tarred').submission).not.toBe(row('bigram-fitted').submission);
    // Scored on its own, the .tar gives exactly the folder's scores.
    const alone = await score({ benchmark: small, submissions: [tar], workers: 1, isolation: 'thread', db: path.join(root, 'tar-alone.sqlite') });
    expect(alone.rows[0]!.status).toBe('scored');
    expect(alone.rows[0]!.splitScores).toEqual(row('bigram-fitted').splitScores);
  }, 600_000);

  it('the receipt of an LM run re-scores (arbiter verify) to the same rows, from the blob-store copies', async () => {
    const small = subsetBenchmark(path.join(root, 'receipt'), 8);
    const db = path.join(root, 'receipt.sqlite');
    const r = await score({ benchmark: small, submissions: [subs['unigram-fitted']!, subs['random']!], workers: 2, isolation: 'thread', db });
    const store = Store.open(db);
    let receipt;
    try { receipt = receiptForRun(r, loadBenchmark(small), store, { cwd: root }); } finally { store.close(); }
    // the submission set is canonical (by hash), not in row order
    expect(receipt.body.inputs.submissions.map((s) => s.path).sort()).toEqual(r.rows.map((x) => path.relative(root, path.join(root, 'blobs', x.submission))).sort());
    const again = await rescoreReceipt(receipt, { cwd: root, workers: 1 });
    expect(JSON.stringify(again.rows)).toBe(JSON.stringify(r.rows));
  }, 300_000);

  it('CLI submit: admission-checks a model folder (exit 3 with its code), registers it, and score then includes it', async () => {
    const small = subsetBenchmark(path.join(root, 'submit'), 8);
    const db = path.join(root, 'submit.sqlite');
    const noModel = path.join(root, 'no-model');
    cpSync(subs['random']!, noModel, { recursive: true });
    rmSync(path.join(noModel, 'onnx', 'model.onnx'));
    const refused = await cliInProcess(root, ['submit', noModel, '-b', small, '--db', db]).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(refused?.code).toBe(3);
    expect(refused?.stderr).toMatch(/E_MODEL_FORMAT: model folder is missing onnx\/model\.onnx/);
    const { stdout } = await cliInProcess(root, ['submit', subs['bigram-fitted']!, '-b', small, '-p', 'alice', '--db', db, '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ participant: 'alice', submission: folderSha256(subs['bigram-fitted']!) });
    const scored = JSON.parse((await cliInProcess(root, ['score', '-b', small, '--db', db, '--workers', '1', '--json'])).stdout) as ScoreResult;
    expect(scored.rows.map((r) => [r.participant, r.status, r.rank])).toEqual([['alice', 'scored', 1]]);
  }, 300_000);

  it('a multiple-choice spec: chat-loss metrics are refused at load (E_SPEC_INVALID); chat rows are not multiple-choice rows (E_CHAT_DATA)', async () => {
    const toMc = (y: string) => y.replace('type: chat-loss', 'type: multiple-choice').replace('  scoredTokens: content\n', '').replace('format: chat-jsonl', 'format: choice-jsonl');
    const mc = subsetBenchmark(path.join(root, 'mc'), 4, toMc);
    await expect(score({ benchmark: mc, submissions: [subs['random']!], workers: 1, db: path.join(root, 'mc.sqlite') }))
      .rejects.toMatchObject({ code: 'E_SPEC_INVALID', message: expect.stringMatching(/a metric a multiple-choice task can feed \(acc, acc_norm\)/) });
    const withAcc = subsetBenchmark(path.join(root, 'mc2'), 4, (y) => toMc(y)
      .replace(/metrics:\n(  - name: .*\n)+/, 'metrics:\n  - name: acc\n').replace(/ranking:\n(  .*\n)+/, 'ranking:\n  split: private\n'));
    await expect(score({ benchmark: withAcc, submissions: [subs['random']!], workers: 1, db: path.join(root, 'mc2.sqlite') }))
      .rejects.toMatchObject({ code: 'E_CHAT_DATA', message: expect.stringMatching(/multiple-choice data line 1: "context" \(or "query"\) must be a string/) });
  });

  it('spec rules apply at admission with their own codes: maxParams too small gives E_MODEL_PARAMS for every model', async () => {
    const strict = subsetBenchmark(path.join(root, 'strict'), 8, (y) => y.replace('maxParams: 2000000', 'maxParams: 1000'));
    const r = await score({ benchmark: strict, submissions: [path.join(root, 'subs')], workers: 1, db: path.join(root, 'strict.sqlite') });
    expect(r.rows.map((x) => [x.status, x.error?.code])).toEqual([['failed', 'E_MODEL_PARAMS'], ['failed', 'E_MODEL_PARAMS'], ['failed', 'E_MODEL_PARAMS']]);
    expect(r.rows[0]!.error!.message).toMatch(/the benchmark allows at most 1000/);
  }, 120_000);

  it('the same submission twice (folder copied elsewhere) is a duplicate by its manifest hash', async () => {
    const copy = path.join(root, 'copy', 'bigram-again');
    cpSync(subs['bigram-fitted']!, copy, { recursive: true });
    const strict = subsetBenchmark(path.join(root, 'dup'), 8, (y) => y.replace('maxParams: 2000000', 'maxParams: 1000'));
    const r = await score({ benchmark: strict, submissions: [subs['bigram-fitted']!, copy], workers: 1, db: path.join(root, 'dup.sqlite') });
    expect(r.rows.map((x) => x.error?.code)).toEqual(['E_MODEL_PARAMS', 'E_DUPLICATE']);
  }, 120_000);
});

// The full demo scores 3 models x 300 conversations against a 151,669-token vocabulary: 2-8
// minutes on 2 cores. CI runs the same code path on a 16-row subset above; set
// ARBITER_FULL_LM_DEMO=1 to run the whole bundled benchmark too.
const FULL_DEMO = process.env.ARBITER_FULL_LM_DEMO === '1';
if (!FULL_DEMO) console.log('[qwen-chat-demo full run skipped] set ARBITER_FULL_LM_DEMO=1 to score the whole bundled benchmark');

describe.skipIf(!FULL_DEMO)('qwen-chat-demo via the CLI (full hidden set, bundled benchmark)', () => {
  it('npx arbiter score --benchmark qwen-chat-demo builds missing demo models, then ranks bigram < unigram < random', async () => {
    const cwd = tempDir('arbiter-lmdemo-');
    try {
      const bundled = path.join(REPO, 'benchmarks/qwen-chat-demo/submissions');
      const wasMissing = !['bigram-fitted', 'unigram-fitted', 'random'].every((n) => existsSync(path.join(bundled, n, 'onnx', 'model.onnx')));
      const { stdout, stderr } = await cli(cwd, ['score', '--benchmark', 'qwen-chat-demo', '--workers', '2', '--db', path.join(cwd, 'db.sqlite'), '--json']);
      if (wasMissing) expect(stderr).toContain('building the demo submissions');
      const r = JSON.parse(stdout) as ScoreResult;
      expect(r.rows.map((x) => x.participant)).toEqual(['bigram-fitted', 'unigram-fitted', 'random']);
      expect(r.rows.every((x) => x.status === 'scored')).toBe(true);
      expect(bpb(r, 'bigram-fitted')).toBeLessThan(bpb(r, 'unigram-fitted'));
      expect(bpb(r, 'unigram-fitted')).toBeLessThan(bpb(r, 'random'));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 1_200_000);
});
