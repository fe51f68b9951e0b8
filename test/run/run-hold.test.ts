// `arbiter score` holds a lease on run:<id> while it runs (real CLI processes, real SQLite, the
// bundled tabular-demo's ONNX models): a second live `--resume` fails with E_LEASE (exit 4);
// SIGTERM marks the run cancelled (exit 130) and `--resume` finishes it; after kill -9 the run
// shows a dead holder and `--resume` takes it over at once, before the lease would expire.
// The process that holds the run and is stopped, signalled or killed is a real CLI child (it is
// the point); the reference run, the second `--resume`, the resumes after it and `runs` are the
// same command lines in this process (test/cli-in-process.ts): none of them is about its own process.
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { arbiterInProcess, type CliResult } from '../cli-in-process.ts';
import { tempDir } from '../helpers.ts';
import { arbiter } from './arbiter-process.fixture.ts';

const DELAY = { ARBITER_TEST_TASK_DELAY_MS: '60' };
const SCORE = (db: string) => ['score', '-b', 'tabular-demo', '--isolation', 'thread', '--workers', '1', '--task-rows', '256', '--json', '--db', db];

const cli = (args: string[]): Promise<CliResult> => arbiterInProcess(args);

function journalRows(db: string): number {
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try { return (d.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n; } finally { d.close(); }
  } catch {
    return 0;
  }
}

async function untilJournal(db: string, n: number): Promise<void> {
  for (let i = 0; i < 6000 && journalRows(db) < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(journalRows(db)).toBeGreaterThanOrEqual(n);
}

const runsOf = async (db: string) => JSON.parse((await cli(['runs', '--db', db, '--json'])).stdout).runs;

let reference: string;
beforeAll(async () => {
  const r = await cli([...SCORE(path.join(tempDir(), 'ref.db'))]);
  expect(r.code, r.stderr).toBe(0);
  reference = JSON.stringify(JSON.parse(r.stdout).rows);
}, 120_000);

describe('the run lease of arbiter score', () => {
  it('a second live --resume gets E_LEASE; SIGTERM cancels the run (exit 130); --resume then finishes with identical rows', async () => {
    const db = path.join(tempDir(), 'lease.db');
    const first = arbiter(SCORE(db), DELAY);
    await untilJournal(db, 2);
    // stopped, not dead: its lease is live, so nobody may take the run
    first.child.kill('SIGSTOP');
    const second = await cli([...SCORE(db), '--resume', '1']);
    expect(second.code, second.stderr).toBe(4);
    expect(JSON.parse(second.stdout).error).toMatchObject({ code: 'E_LEASE', details: { resource: 'run:1' } });
    const held = (await runsOf(db))[0];
    expect(held).toMatchObject({ id: 1, status: 'running', mode: 'score', attended: true });
    expect(held.holders[0]).toMatchObject({ liveness: 'live' });
    expect(Number(held.holders[0].holder.split(':').at(-2))).toBe(first.child.pid);

    first.child.kill('SIGTERM');
    first.child.kill('SIGCONT');
    const out = await first.done;
    expect(out.code, out.stderr).toBe(130);
    expect(JSON.parse(out.stdout).error.code).toBe('E_CANCELLED');
    expect((await runsOf(db))[0]).toMatchObject({ id: 1, status: 'cancelled', reason: 'cancelled: SIGTERM received', holders: [], resume: `arbiter score -b tabular-demo --resume 1 --db ${db}` });
    const journaled = journalRows(db);

    const resumed = await cli([...SCORE(db), '--resume', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(resumed.stdout).rows)).toBe(reference);
    expect(journaled).toBeLessThan(journalRows(db));
    expect((await runsOf(db))[0]).toMatchObject({ id: 1, status: 'finished', reason: null, holders: [], resume: null });
  }, 180_000);

  it('after kill -9 the run shows a dead holder, and --resume takes it over at once with identical rows', async () => {
    const db = path.join(tempDir(), 'kill.db');
    const first = arbiter(SCORE(db), DELAY);
    await untilJournal(db, 3);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const dead = (await runsOf(db))[0];
    expect(dead).toMatchObject({ id: 1, status: 'running', attended: false, resume: `arbiter score -b tabular-demo --resume 1 --db ${db}` });
    expect(dead.holders).toEqual([{ holder: expect.stringContaining(`:${first.child.pid}:`), liveness: 'dead' }]);
    const table = (await cli(['runs', '--db', db])).stdout;
    expect(table).toContain('running (holder dead)');

    // the lease would live 30 s more; its holder is gone, so the resume does not wait
    const t0 = Date.now();
    const resumed = await cli([...SCORE(db), '--resume', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(resumed.stdout).rows)).toBe(reference);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const d = new Database(db, { readonly: true });
    const perSub = d.prepare('SELECT COUNT(*) AS n, SUM(rows) AS rows FROM journal GROUP BY submission_id').all() as Array<{ n: number; rows: number }>;
    d.close();
    for (const s of perSub) expect(s).toEqual({ n: 12, rows: 3000 });
  }, 180_000);
});
