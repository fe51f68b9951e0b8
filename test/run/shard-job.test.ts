// Sharding end to end: `arbiter score --shard i/N --part-out` and `arbiter merge` (real ONNX models,
// the bundled tabular-demo benchmark: scored, failed, duplicate and prediction-file submissions).
// Shard counts 1, 3 and 7 x workers 1 and 2 x both modes x both isolations (a pairwise cover:
// each pair of those settings that matters occurs once or more): every merged result's `rows` and `benchmark` are byte-identical to a plain
// `arbiter score --json`. Four configurations run every
// shard and the merge through the command line (in process, test/cli-in-process.ts: the same output
// and exit code as a child, without a tsx start each); the others call the same functions the CLI
// calls (scoreShard, the part file's text, parsePart, mergeShards). Then the refusals: another
// spec, a missing or repeated shard, a bad file.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { arbiterInProcess } from '../cli-in-process.ts';
import { REPO, tempDir } from '../helpers.ts';
import { scoreShard, mergeShards } from '../../src/run/shard-job.ts';
import { parsePart, serializePart } from '../../src/run/shard.ts';

const SUBS = path.join(REPO, 'benchmarks/tabular-demo/submissions');
const dir = tempDir('arbiter-shard-job-');
const COMMON = ['-b', 'tabular-demo', '-s', SUBS];

interface Run { code: number | null; stdout: string; stderr: string }

function arbiter(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return arbiterInProcess(args, { cwd: dir, env });
}

/** The same shards scored in this process by the functions the CLI calls, each part through its file text. */
async function shardsInProcess(tag: string, count: number, workers: number, mode: 'submission' | 'rows', isolation: 'thread' | 'process', taskRows: number): Promise<string[]> {
  const texts: string[] = [];
  for (let index = 0; index < count; index++) {
    const part = await scoreShard({
      benchmark: path.join(REPO, 'benchmarks/tabular-demo'), submissions: [SUBS], workers, isolation, taskRows,
      db: path.join(dir, tag, `db-${index}.sqlite`), shard: { index, count }, mode,
    });
    texts.push(serializePart(part));
  }
  return texts;
}

/** Run the shards of one configuration through the CLI; each shard has its own store, as on its own machine. */
async function runShards(tag: string, count: number, workers: number, mode: 'submission' | 'rows', isolation: 'thread' | 'process', taskRows = 256): Promise<string[]> {
  const files = Array.from({ length: count }, (_, i) => path.join(dir, tag, `part-${i}.json`));
  for (let i = 0; i < count; i += 3) {
    const runs = await Promise.all(files.slice(i, i + 3).map((f, k) => arbiter([
      'score', ...COMMON, '--task-rows', String(taskRows), '--workers', String(workers), '--isolation', isolation, '--db', path.join(dir, tag, `db-${i + k}.sqlite`),
      '--shard', `${i + k}/${count}`, '--shard-mode', mode, '--part-out', f, '--json',
    ])));
    runs.forEach((r, k) => {
      expect(r.stderr, `${tag} shard ${i + k}`).toBe('');
      expect(r.code, `${tag} shard ${i + k}`).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ part: files[i + k], shard: { index: i + k, count, mode } });
    });
  }
  return files;
}

let reference: { benchmark: unknown; run: { id: number; fingerprint: unknown }; rows: unknown[] };
const partsOf = new Map<string, string[]>();

beforeAll(async () => {
  // One batch (256 rows) per worker task: 12 chunks per submission, so 7 shards in rows mode all get work.
  const r = await arbiter(['score', ...COMMON, '--task-rows', '256', '--workers', '1', '--isolation', 'thread', '--db', path.join(dir, 'ref.sqlite'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  reference = JSON.parse(r.stdout);
  // The demo's rows cover every outcome a merge must reproduce.
  const statuses = reference.rows.map((row) => (row as { status: string }).status);
  expect(new Set(statuses)).toEqual(new Set(['scored', 'failed', 'duplicate']));
});

describe('arbiter score --shard + arbiter merge', () => {
  // Shard counts 1, 3, 7 x workers 1, 2 x both modes, as a pairwise cover (6 runs, not 12): every
  // pair of a shard count, a worker count and a mode occurs in some configuration, and so does
  // every pair of an isolation with a worker count and with a mode.
  // Process isolation (the default) for some; worker threads for the rest (same scores, faster
  // start). Through the real CLI: one per shard count, and the parts the refusal tests reuse.
  const matrix: Array<[number, number, 'submission' | 'rows', 'thread' | 'process', 'cli' | 'in-process']> = [
    [1, 1, 'submission', 'process', 'cli'],
    [1, 2, 'rows', 'process', 'in-process'],
    [3, 1, 'rows', 'thread', 'cli'],
    [3, 2, 'submission', 'process', 'cli'],
    [7, 1, 'rows', 'thread', 'cli'],
    [7, 2, 'submission', 'thread', 'in-process'],
  ];
  for (const [count, workers, mode, isolation, via] of matrix) {
    // One configuration also uses another task size (3 batches per task) than the reference run:
    // metric merges are exact, so the chunking cannot change a bit either.
    const taskRows = count === 1 && workers === 2 && mode === 'rows' ? 768 : 256;
    it(`${count} shard${count > 1 ? 's' : ''} x ${workers} worker${workers > 1 ? 's' : ''}, ${mode} mode (${isolation}, ${taskRows} rows per task, ${via}): rows byte-identical to one arbiter score`, async () => {
      const tag = `${count}-${workers}-${mode}`;
      let merged: { rows: unknown; benchmark: unknown; run: { id: number | null; fingerprint: unknown }; shards: unknown };
      if (via === 'cli') {
        const files = await runShards(tag, count, workers, mode, isolation, taskRows);
        partsOf.set(tag, files);
        // Any order on the command line: the merge reads parts by shard index.
        const m = await arbiter(['merge', ...[...files].reverse(), '--json']);
        expect(m.code, m.stderr).toBe(0);
        merged = JSON.parse(m.stdout);
      } else {
        const texts = await shardsInProcess(tag, count, workers, mode, isolation, taskRows);
        merged = JSON.parse(JSON.stringify(mergeShards(texts.reverse().map((t, i) => parsePart(t, `part ${i}`)))));
      }
      expect(JSON.stringify(merged.rows)).toBe(JSON.stringify(reference.rows));
      expect(JSON.stringify(merged.benchmark)).toBe(JSON.stringify(reference.benchmark));
      expect(merged.run.fingerprint).toEqual(reference.run.fingerprint);
      expect(merged.run.id).toBeNull();
      expect(merged.shards).toEqual({ count, mode, taskRows });
    }, 300_000);
  }

  it('merge --db records the merged run in a store that knows the submissions (same rows, a run id)', async () => {
    const m = await arbiter(['merge', ...partsOf.get('3-1-rows')!, '--json', '--db', path.join(dir, 'ref.sqlite')]);
    expect(m.code, m.stderr).toBe(0);
    const merged = JSON.parse(m.stdout);
    expect(merged.run.id).toBe(reference.run.id + 1);
    expect(JSON.stringify(merged.rows)).toBe(JSON.stringify(reference.rows));
    const lb = await arbiter(['leaderboard', '-b', 'tabular-demo', '--db', path.join(dir, 'ref.sqlite'), '--json']);
    expect(lb.code, lb.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(lb.stdout).rows)).toBe(JSON.stringify(reference.rows));
    // A store that never saw the submissions cannot hold the run.
    const empty = await arbiter(['merge', ...partsOf.get('3-1-rows')!, '--json', '--db', path.join(dir, 'empty.sqlite')]);
    expect(empty.code).toBe(3);
    expect(JSON.parse(empty.stdout).error.code).toBe('E_SUBMISSION_NOT_FOUND');
  }, 120_000);

  it('refuses a part from another spec, a missing shard, a repeated shard and an unreadable file', async () => {
    const [p0, p1, p2] = partsOf.get('3-1-rows')!;
    // The same benchmark with one word of its spec changed: another spec hash.
    const yaml = readFileSync(path.join(REPO, 'benchmarks/tabular-demo/benchmark.yaml'), 'utf8')
      .replaceAll('../../datasets/', `${path.join(REPO, 'datasets')}/`)
      .replace('Four Gaussian classes', 'Four Gaussian clusters');
    mkdirSync(path.join(dir, 'other'), { recursive: true });
    writeFileSync(path.join(dir, 'other', 'benchmark.yaml'), yaml);
    const foreign = path.join(dir, 'other', 'part-1.json');
    const r = await arbiter(['score', '-b', path.join(dir, 'other', 'benchmark.yaml'), '-s', SUBS, '--task-rows', '256', '--workers', '1', '--isolation', 'thread',
      '--db', path.join(dir, 'other', 'db.sqlite'), '--shard', '1/3', '--shard-mode', 'rows', '--part-out', foreign]);
    expect(r.code, r.stderr).toBe(0);
    const copy = path.join(dir, 'part-1-copy.json');
    copyFileSync(p1!, copy);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"format": "something else"}');
    const cases: Array<[string, string[], string, RegExp]> = [
      ['another spec', [p0!, foreign, p2!], 'E_SHARD_MISMATCH', /different benchmark specs/],
      ['missing shard', [p0!, p2!], 'E_SHARD_MISMATCH', /missing 1\/3/],
      ['repeated shard', [p0!, p1!, copy, p2!], 'E_SHARD_MISMATCH', /shard 1\/3 is given more than once/],
      ['another shard count', [p0!, p1!, p2!, partsOf.get('7-1-rows')![3]!], 'E_SHARD_MISMATCH', /different shard counts/],
      ['not a part', [p0!, bad], 'E_SHARD_PART', /expected format "arbiter-partial-result"/],
      ['no such file', [p0!, path.join(dir, 'nope.json')], 'E_SHARD_PART', /nope\.json/],
    ];
    const runs = await Promise.all(cases.map(([, files]) => arbiter(['merge', ...files, '--json'])));
    cases.forEach(([name, , code, re], i) => {
      expect(runs[i]!.code, name).toBe(3);
      const err = JSON.parse(runs[i]!.stdout).error;
      expect(err.code, name).toBe(code);
      expect(err.message, name).toMatch(re);
    });
  }, 120_000);

  it('refuses bad shard usage before scoring anything', async () => {
    const runs = await Promise.all([
      arbiter(['score', ...COMMON, '--shard', '0/3', '--json']),
      arbiter(['score', ...COMMON, '--shard', '3/3', '--part-out', 'p.json', '--json']),
      arbiter(['score', ...COMMON, '--shard', 'auto/3', '--part-out', 'p.json', '--json'], { JOB_COMPLETION_INDEX: undefined }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs.map((r) => JSON.parse(r.stdout).error.code)).toEqual(['E_USAGE', 'E_SHARD_INVALID', 'E_SHARD_INVALID']);
    expect(JSON.parse(runs[2]!.stdout).error.message).toMatch(/JOB_COMPLETION_INDEX/);
  }, 120_000);
});
