// `arbiter work`: several real CLI processes drain one run's queue from one SQLite file (real
// ONNX models of the bundled tabular-demo, inference in worker threads). Every submission is
// scored exactly once, the run is ranked once, and the rows are byte-identical to one plain
// `arbiter score`; a worker killed with SIGKILL mid-submission is taken over and its journal continued.
// The draining workers are real processes (they are the point); the reference run, `--create`, and
// the commands around them run the CLI in this process (test/cli-in-process.ts).
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { arbiterInProcess, type CliResult } from '../cli-in-process.ts';
import { tempDir } from '../helpers.ts';
import { arbiter } from './arbiter-process.fixture.ts';

/** rows per task: tabular-demo's batch size (256), the smallest task; 12 chunks per submission */
const TASK_ROWS = 256;
const CHUNKS = Math.ceil(3000 / TASK_ROWS);
/** ms each inference task waits before it is folded: long enough that the workers overlap (speed only, never results) */
const DELAY = { ARBITER_TEST_TASK_DELAY_MS: '60' };

/** `arbiter <args>` in this process; its stdout, or an error when it exits non-zero. */
async function cli(args: string[]): Promise<string> {
  const r = await arbiterInProcess(args);
  if (r.code !== 0) throw new Error(`arbiter ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function query<T>(db: string, sql: string, ...params: unknown[]): T[] {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try { return d.prepare(sql).all(...params) as T[]; } finally { d.close(); }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let reference: string;
beforeAll(async () => {
  reference = JSON.stringify(JSON.parse(await cli(['score', '-b', 'tabular-demo', '--isolation', 'thread', '--workers', '2', '--json', '--db', path.join(tempDir(), 'ref.db')])).rows);
}, 120_000);

async function create(db: string): Promise<{ run: { id: number }; queued: number; submissions: number; settled: number }> {
  return JSON.parse(await cli(['work', 'tabular-demo', '--create', '--task-rows', String(TASK_ROWS), '--db', db, '--json']));
}

const WORK = (db: string, run: number) => ['work', 'tabular-demo', '--run', String(run), '--db', db, '--workers', '1', '--isolation', 'thread', '--json'];

interface WorkJson {
  run: { id: number; status: string; reason: string | null };
  worker: { holder: string; items: Array<{ submission: string; participant: string; state: string; reason: string; attempt: number; takenOverFrom: string | null }> };
  finishedHere: boolean;
  result: { rows: unknown[] } | null;
  queue: Record<string, number>;
}

/** The store agrees: each queued submission done once, each journal exactly its 3000 rows, one outcome per member, one finished run. */
function expectScoredOnce(db: string, runId: number, queued: number, members: number, attempts: number[] | null): void {
  const items = query<{ item: string; state: string; attempts: number }>(db, `SELECT item, state, attempts FROM queue_items WHERE queue = ? ORDER BY seq`, `run:${runId}`);
  expect(items).toHaveLength(queued);
  for (const i of items) expect(i.state).toBe('done');
  if (attempts) expect(items.map((i) => i.attempts)).toEqual(attempts);
  const journal = query<{ submission_id: number; n: number; rows: number; chunks: number }>(db,
    `SELECT submission_id, COUNT(*) AS n, SUM(rows) AS rows, COUNT(DISTINCT chunk_index) AS chunks FROM journal WHERE run_id = ? GROUP BY submission_id`, runId);
  // the 4 ONNX models and grace's prediction file are journaled; byte copies and refused models are settled at admission
  expect(journal).toHaveLength(queued);
  for (const j of journal) expect([j.n, j.chunks, j.rows]).toEqual([CHUNKS, CHUNKS, 3000]);
  expect(query<{ n: number }>(db, `SELECT COUNT(*) AS n FROM outcomes WHERE run_id = ?`, runId)[0]!.n).toBe(members);
  expect(query<{ n: number }>(db, `SELECT COUNT(*) AS n FROM run_entries WHERE run_id = ?`, runId)[0]!.n).toBe(members);
  expect(query<{ status: string }>(db, `SELECT status FROM runs WHERE id = ?`, runId)[0]!.status).toBe('finished');
}

describe('arbiter work', () => {
  for (const n of [2, 3]) {
    it(`${n} processes drain one run: each submission scored once, ranked once, rows identical to arbiter score`, async () => {
      const db = path.join(tempDir(), 'work.db');
      const made = await create(db);
      expect(made).toMatchObject({ run: { id: 1 }, submissions: 8, queued: 5, settled: 3 });
      const outs = await Promise.all(Array.from({ length: n }, () => arbiter(WORK(db, 1), DELAY).done));
      const results = outs.map((o) => {
        expect(o.code, o.stderr).toBe(0);
        return JSON.parse(o.stdout) as WorkJson;
      });
      // exactly one process ranked the run; every process prints the same finished result
      expect(results.filter((r) => r.finishedHere)).toHaveLength(1);
      for (const r of results) {
        expect(r.run).toEqual({ id: 1, status: 'finished', reason: null });
        expect(JSON.stringify(r.result!.rows)).toBe(reference);
      }
      // each queued submission completed by exactly one process
      const done = results.flatMap((r) => r.worker.items.filter((i) => i.state === 'done').map((i) => i.submission)).sort();
      expect(done).toHaveLength(made.queued);
      expect(new Set(done).size).toBe(made.queued);
      expectScoredOnce(db, 1, made.queued, made.submissions, Array(made.queued).fill(1));
      // the workers overlapped (each task waits 60 ms, so one process alone needs about 3 s)
      expect(results.filter((r) => r.worker.items.length > 0).length, `submissions per worker ${results.map((r) => r.worker.items.length).join('/')}`).toBeGreaterThanOrEqual(2);
    }, 180_000);
  }

  it('a worker killed with SIGKILL mid-submission: its claim is taken over at once, the journal continued, rows identical', async () => {
    const db = path.join(tempDir(), 'kill.db');
    const made = await create(db);
    const workers = [arbiter(WORK(db, 1), DELAY), arbiter(WORK(db, 1), DELAY)];
    // a claimed submission with 3 chunks journaled: kill its holder (the pid is part of the holder id)
    let victim: { item: string; holder: string } | undefined;
    for (let i = 0; i < 6000 && !victim; i++) {
      victim = query<{ item: string; holder: string }>(db, `SELECT item, holder FROM queue_items q WHERE queue = 'run:1' AND state = 'claimed'
        AND (SELECT COUNT(*) FROM journal j WHERE j.run_id = 1 AND j.submission_id = CAST(q.item AS INTEGER)) BETWEEN 3 AND ${CHUNKS - 3}`)[0];
      if (!victim) await sleep(10);
    }
    expect(victim, 'a claimed submission half journaled').toBeDefined();
    const pid = Number(victim!.holder.split(':').at(-2));
    const killed = workers.find((w) => w.child.pid === pid)!;
    const survivor = workers.find((w) => w !== killed)!;
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    const journaledBefore = query<{ n: number }>(db, `SELECT COUNT(*) AS n FROM journal WHERE run_id = 1 AND submission_id = ?`, Number(victim!.item))[0]!.n;
    const out = await survivor.done;
    expect(out.code, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout) as WorkJson;
    expect(r.finishedHere).toBe(true);
    expect(JSON.stringify(r.result!.rows)).toBe(reference);
    const takeover = r.worker.items.find((i) => i.takenOverFrom === victim!.holder)!;
    expect(takeover).toMatchObject({ state: 'done', attempt: 2 });
    expect(journaledBefore).toBeGreaterThanOrEqual(3);
    const attempts = query<{ item: string; attempts: number }>(db, `SELECT item, attempts FROM queue_items WHERE queue = 'run:1' ORDER BY seq`)
      .map((i) => (i.item === victim!.item ? 2 : 1));
    expectScoredOnce(db, 1, made.queued, made.submissions, attempts);
  }, 180_000);

  it('SIGTERM: the worker gives its claim back and exits 130, the run is cancelled; a new worker finishes it with identical rows', async () => {
    const db = path.join(tempDir(), 'term.db');
    const made = await create(db);
    const w = arbiter(WORK(db, 1), DELAY);
    for (let i = 0; i < 6000; i++) {
      if (query<{ n: number }>(db, `SELECT COUNT(*) AS n FROM journal WHERE run_id = 1`)[0]!.n >= 2) break;
      await sleep(10);
    }
    w.child.kill('SIGTERM');
    const out = await w.done;
    expect(out.code, out.stderr).toBe(130);
    expect(JSON.parse(out.stdout).error.code).toBe('E_CANCELLED');
    const runs = JSON.parse(await cli(['runs', '--db', db, '--json'])).runs;
    expect(runs[0]).toMatchObject({ id: 1, status: 'cancelled', reason: 'cancelled: SIGTERM received', mode: 'work', resume: `arbiter work tabular-demo --run 1 --db ${db}` });
    expect(runs[0].queue.claimed).toBe(0);
    // the released claim does not count as an attempt
    const items = query<{ state: string; attempts: number }>(db, `SELECT state, attempts FROM queue_items`);
    expect(items.some((i) => i.state === 'queued')).toBe(true);
    for (const i of items) expect([i.state, i.attempts]).toEqual(i.state === 'queued' ? ['queued', 0] : ['done', 1]);
    // a queued run is continued by arbiter work, not by score --resume; no queued run: nothing to join
    const viaScore: CliResult = await arbiterInProcess(['score', '-b', 'tabular-demo', '--resume', '1', '--db', db, '--json']);
    expect(viaScore.code).toBe(3);
    expect(JSON.parse(viaScore.stdout).error).toMatchObject({ code: 'E_RESUME', message: expect.stringContaining('arbiter work --run 1') });
    const none = await arbiterInProcess(['work', 'tabular-demo', '--db', path.join(tempDir(), 'empty.db'), '--json']);
    expect(none.code).toBe(3);
    expect(JSON.parse(none.stdout).error).toMatchObject({ code: 'E_RESUME', message: expect.stringContaining('--create') });
    const again = await arbiterInProcess(['work', 'tabular-demo', '--queue', 'run:1', '--db', db, '--workers', '2', '--isolation', 'thread', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.stringify((JSON.parse(again.stdout) as WorkJson).result!.rows)).toBe(reference);
    expectScoredOnce(db, 1, made.queued, made.submissions, null);
  }, 180_000);
});
