// The CLI as a user runs it right after `npm install`: `node bin/arbiter.js score -b <bundled id>`
// in a real child process, on the compiled build in dist/ (built here once if stale), WITHOUT
// ARBITER_FROM_SOURCE (vitest.config.ts sets it for every other test). One process per bundled
// benchmark, 2 workers; the rankings are pinned as the source-run tests pin them
// (test/cli/cli.test.ts, test/run/lm-task-demos.test.ts, test/run/lm-job.test.ts).
//
// How the test knows dist/ really ran: freshBuild() is true right before and after each child,
// and every process of the child's tree starts with fixtures/refuse-typescript.mjs preloaded
// (NODE_OPTIONS), which throws on any attempt to load tsx or a .ts file. Node 20 cannot run
// TypeScript without a loader, so a child that succeeds under the guard ran JavaScript only; the
// guard is itself checked to bite (the sources under it fail).
//
// Each child runs in a temp copy of the package (package.json, bin/, dist/, src/, scoring/,
// datasets/, the benchmark folder; node_modules linked), so the LM demos build their models from
// dist/ into the copy every time, never into the repository, and qwen-chat-demo can be cut to the
// first 8 conversations of its hidden set while staying a bundled benchmark (`-b qwen-chat-demo`).
// The full hidden set runs with ARBITER_FULL_LM_DEMO=1.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshBuild } from '../../bin/fresh-build.js';
import { REPO, tempDir } from '../helpers.ts';

const run = promisify(execFile);
const GUARD = pathToFileURL(path.join(REPO, 'test/bin/fixtures/refuse-typescript.mjs')).href;
const FULL_QWEN = process.env.ARBITER_FULL_LM_DEMO === '1';

/** The folder hashes (`submission` in --json rows) the demo generators wrote before they moved
 * into src/demo/ (checked at commit e913801 from the benchmarks' own submissions.ts). */
const DEMO_FOLDERS: Record<string, string> = {
  'choice-demo/bigram-fitted': '367ea08944e923784a33bc22ecd2ef09f7e1d512e7b1e15b88da4ee8de924bf1',
  'choice-demo/unigram-fitted': 'c624948c0386c1a61beb3f7ab395529780b0ee3b57a106f4c4f535a95ff3a6d6',
  'choice-demo/uniform': '20d249d46fe95dae4833ecb28fc8153a9e5a940ace9e8281ed8c61f9cd25dfa3',
  'sentiment-demo/naive-bayes': 'a4d53c4055c5a3bb4b11406d1ead0273195238d23a3d987ed06539a4f5ec938f',
  'sentiment-demo/keywords': '837ec8b6fcf550a6f4fed154169abda4dfd50b23874306c84844fb3552261eb8',
  'sentiment-demo/always-pos': '7adf159d5af33f93b8f8aa379d299a178db1ef966ed466308de523a659187252',
  'qwen-chat-demo/bigram-fitted': '9853bbc04ccd00821212d5e974f563ddc1eeac3eb275f00cae4ebb6e152f3b80',
  'qwen-chat-demo/unigram-fitted': 'd9f576b9a2ca533b8321e3ef48fb1abcdb70d9b66c6ec0c6d673088736c66614',
  'qwen-chat-demo/random': '980e16a93ad8edf99528036017cffcfbc6c89285381454084d1c67c18d240b58',
};

/** tabular-demo's rows as README.md prints them (participant, status, error code). */
const TABULAR = [
  ['alice', 'scored', null], ['grace', 'scored', null], ['bob', 'scored', null], ['dave', 'scored', null], ['carol', 'scored', null],
  ['erin', 'failed', 'E_MODEL_CONTRACT'], ['frank', 'failed', 'E_MODEL_FORMAT'], ['heidi', 'duplicate', 'E_DUPLICATE'],
];

interface Row { rank: number; participant: string; status: string; submission: string; scores: Record<string, number>; error?: { code: string } }
interface Out { benchmark: { id: string }; rows: Row[] }

/** The environment of a user's shell: no ARBITER_FROM_SOURCE, and the TypeScript guard preloaded. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--import=${GUARD}` };
  delete env.ARBITER_FROM_SOURCE;
  return env;
}

/** A copy of the package with a fresh build, holding the bundled benchmark `id` (and, optionally, its data cut). */
function installedCopy(id: string, editData?: (pkg: string) => void): string {
  const pkg = tempDir(`arbiter-installed-${id}-`);
  for (const f of ['package.json', 'bin', 'dist', 'src', 'scoring', 'datasets']) cpSync(path.join(REPO, f), path.join(pkg, f), { recursive: true });
  cpSync(path.join(REPO, 'benchmarks', id), path.join(pkg, 'benchmarks', id), {
    recursive: true,
    // LM demo models are generated: never carry over ones a source run built in the repository
    filter: (src) => id === 'tabular-demo' || !src.startsWith(path.join(REPO, 'benchmarks', id, 'submissions')),
  });
  symlinkSync(realpathSync(path.join(REPO, 'node_modules')), path.join(pkg, 'node_modules'));
  editData?.(pkg);
  // the copy was just "installed": its build is as new as anything in it
  const now = Date.now() / 1000 + 1;
  utimesSync(path.join(pkg, 'dist', 'BUILD_STAMP'), now, now);
  return pkg;
}

/** `arbiter score -b <id> --json` in the copy, checking the compiled build stays the one that runs. */
async function scoreInstalled(pkg: string, id: string): Promise<{ out: Out; stderr: string }> {
  expect(freshBuild(REPO)).toBe(true);
  expect(freshBuild(pkg)).toBe(true);
  const cwd = tempDir('arbiter-user-');
  const { stdout, stderr } = await run(process.execPath, [path.join(pkg, 'bin/arbiter.js'), 'score', '-b', id, '--workers', '2', '--json', '--db', path.join(cwd, 'db.sqlite')],
    { cwd, env: userEnv(), encoding: 'utf8', timeout: 1_500_000, maxBuffer: 1 << 24 });
  expect(stderr).not.toContain('refuse-typescript');
  expect(freshBuild(pkg)).toBe(true);
  expect(freshBuild(REPO)).toBe(true);
  const out = JSON.parse(stdout) as Out;
  expect(out.benchmark.id).toBe(id);
  return { out, stderr };
}

const ranking = (o: Out) => o.rows.map((r) => [r.rank, r.participant, r.status]);

describe('the installed CLI (compiled build, no tsx) scores every bundled benchmark', () => {
  const copies: string[] = [];
  beforeAll(() => {
    if (!freshBuild(REPO)) execFileSync(process.execPath, [path.join(REPO, 'bin/build.js')], { cwd: REPO, env: userEnv(), stdio: 'ignore' });
    expect(freshBuild(REPO)).toBe(true);
  }, 300_000);
  afterAll(() => { for (const c of copies) rmSync(c, { recursive: true, force: true }); });
  const copy = (id: string, edit?: (pkg: string) => void) => { const c = installedCopy(id, edit); copies.push(c); return c; };
  /** Each benchmark's copy and its 2-worker `score -b` output, from its own test below: the lifecycle tests reuse both. */
  const scored = new Map<string, { pkg: string; out: Out }>();

  it('the guard bites: the same copy run from its sources (through tsx) fails', async () => {
    const pkg = copy('tabular-demo');
    const env = { ...userEnv(), ARBITER_FROM_SOURCE: '1' };
    const err = await run(process.execPath, [path.join(pkg, 'bin/arbiter.js'), 'spec', 'validate', 'tabular-demo'], { cwd: pkg, env, encoding: 'utf8' }).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('refuse-typescript: refused to load');
  }, 120_000);

  it('tabular-demo (what `npm start` runs): alice wins; the broken and non-ONNX files fail with their codes; heidi is alice\'s duplicate', async () => {
    const pkg = copy('tabular-demo');
    const { out } = await scoreInstalled(pkg, 'tabular-demo');
    scored.set('tabular-demo', { pkg, out });
    expect(out.rows.map((r) => [r.participant, r.status, r.error?.code ?? null])).toEqual(TABULAR);
  }, 300_000);

  it('choice-demo: builds its demo models from dist/ (same bytes as before), bigram-fitted > unigram-fitted > uniform on acc_norm', async () => {
    const pkg = copy('choice-demo');
    const { out, stderr } = await scoreInstalled(pkg, 'choice-demo');
    scored.set('choice-demo', { pkg, out });
    expect(stderr).toContain('choice-demo: building the demo submissions bigram-fitted, unigram-fitted, uniform');
    expect(ranking(out)).toEqual([[1, 'bigram-fitted', 'scored'], [2, 'unigram-fitted', 'scored'], [3, 'uniform', 'scored']]);
    expect(out.rows.map((x) => x.scores)).toEqual([{ acc_norm: 1, acc: 1 }, { acc_norm: 0.375, acc: 7 / 24 }, { acc_norm: 0.25, acc: 7 / 24 }]);
    for (const r of out.rows) expect(r.submission, r.participant).toBe(DEMO_FOLDERS[`choice-demo/${r.participant}`]);
  }, 300_000);

  it('sentiment-demo: builds its demo models from dist/ (same bytes as before), naive-bayes > keywords > always-pos', async () => {
    const pkg = copy('sentiment-demo');
    const { out, stderr } = await scoreInstalled(pkg, 'sentiment-demo');
    scored.set('sentiment-demo', { pkg, out });
    expect(stderr).toContain('sentiment-demo: building the demo submissions naive-bayes, keywords, always-pos');
    expect(ranking(out)).toEqual([[1, 'naive-bayes', 'scored'], [2, 'keywords', 'scored'], [3, 'always-pos', 'scored']]);
    expect(out.rows.map((x) => x.scores.accuracy)).toEqual([23 / 30, 22 / 30, 14 / 30]);
    for (const r of out.rows) expect(r.submission, r.participant).toBe(DEMO_FOLDERS[`sentiment-demo/${r.participant}`]);
  }, 300_000);

  it(`qwen-chat-demo${FULL_QWEN ? '' : ' (first 8 conversations)'}: builds its demo models from dist/ (same bytes as before), bigram-fitted < unigram-fitted < random in bits per byte`, async () => {
    const pkg = copy('qwen-chat-demo', FULL_QWEN ? undefined : (root) => {
      const data = path.join(root, 'datasets/qwen-chat-demo/chat.jsonl');
      const cut = readFileSync(data, 'utf8').split('\n').slice(0, 8).join('\n') + '\n';
      writeFileSync(data, cut);
      const yaml = path.join(root, 'benchmarks/qwen-chat-demo/benchmark.yaml');
      writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/sha256: [0-9a-f]{64}/, `sha256: ${createHash('sha256').update(cut).digest('hex')}`));
    });
    expect(existsSync(path.join(pkg, 'benchmarks/qwen-chat-demo/submissions'))).toBe(false);
    const { out, stderr } = await scoreInstalled(pkg, 'qwen-chat-demo');
    expect(stderr).toContain('qwen-chat-demo: building the demo submissions bigram-fitted, unigram-fitted, random');
    expect(ranking(out)).toEqual([[1, 'bigram-fitted', 'scored'], [2, 'unigram-fitted', 'scored'], [3, 'random', 'scored']]);
    const bpb = out.rows.map((r) => r.scores.bits_per_byte!);
    expect(bpb[0]).toBeLessThan(bpb[1]!);
    expect(bpb[1]).toBeLessThan(bpb[2]!);
    for (const r of out.rows) expect(r.submission, r.participant).toBe(DEMO_FOLDERS[`qwen-chat-demo/${r.participant}`]);
  }, 1_500_000);

  // The run lifecycle through the installed CLI, for tabular-demo and one language-model benchmark:
  // two `arbiter work` processes draining one run, and 3 shards (worker threads) merged, each with
  // 1 worker, give the rows of the benchmark's 2-worker `score -b` above (in the same copy, its demo
  // models built there). Every kind, choice-demo too, goes through the same work and shard
  // combinations in test/run/lifecycle-kinds.test.ts (the commands' functions in process, their
  // worker threads and isolated children from dist/); here the compiled commands around them run,
  // which take no path of their own per LM task type.
  it.each(['tabular-demo', 'sentiment-demo'])('%s: work with 2 processes, 3 shards + merge (1 worker each): the rows of a 2-worker score', async (id) => {
    expect(scored.has(id), `${id}'s own test ran first`).toBe(true);
    const { pkg, out: reference } = scored.get(id)!;
    expect(freshBuild(pkg)).toBe(true);
    const cwd = tempDir('arbiter-user-');
    const arbiter = async (args: string[]) => {
      const r = await run(process.execPath, [path.join(pkg, 'bin/arbiter.js'), ...args], { cwd, env: userEnv(), encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 24 });
      expect(r.stderr).not.toContain('refuse-typescript');
      return r.stdout;
    };
    const rowsOf = (text: string) => JSON.stringify((JSON.parse(text) as Out).rows);
    await arbiter(['work', id, '--create', '--db', 'work.db']);
    const drained = await Promise.all([0, 1].map(() => arbiter(['work', id, '--run', '1', '--workers', '1', '--db', 'work.db', '--json'])));
    const finished = drained.map((t) => JSON.parse(t) as { finishedHere: boolean; result: Out | null }).filter((w) => w.finishedHere);
    expect(finished.length).toBe(1);
    expect(JSON.stringify(finished[0]!.result!.rows)).toBe(JSON.stringify(reference.rows));
    // the shards in worker threads: the compiled build's thread workers (dist/, no tsx) give the same bits
    for (const i of [0, 1, 2]) await arbiter(['score', '-b', id, '--workers', '1', '--isolation', 'thread', '--shard', `${i}/3`, '--shard-mode', 'rows', '--part-out', `part${i}.json`, '--db', `shard${i}.db`]);
    expect(rowsOf(await arbiter(['merge', 'part2.json', 'part0.json', 'part1.json', '--json']))).toBe(JSON.stringify(reference.rows));
    expect(freshBuild(pkg)).toBe(true);
  }, 900_000);
});
