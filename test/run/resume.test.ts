// kill -9 at seeded points of a real scoring process, then --resume: the result must be
// byte-identical to an uninterrupted run every time. No chunk counted twice, none lost.
// The killed runs are real processes (the kill is the point); the reference and the resumes run
// in this process through the same function the CLI calls (`score`), which keeps the file fast.
// Most killed runs use worker threads (faster to start); every fourth uses isolated processes.
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/models/onnx/builder.ts';
import { score } from '../../src/run/lifecycle.ts';
import { REPO, tempDir } from '../helpers.ts';

const BIN = path.join(REPO, 'bin/arbiter.js');
const ARGS = ['score', '-b', 'tabular-demo', '--task-rows', '256', '--json'];
const CHUNKS = 4 * Math.ceil(3000 / 256) + Math.ceil(3000 / 256); // 4 ONNX models + grace's prediction file


function journalRows(db: string): number {
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try { return (d.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n; } finally { d.close(); }
  } catch {
    return 0;
  }
}

/** Start a scoring process and SIGKILL it once the journal holds `target` chunks. */
async function killAfter(db: string, target: number, workers: number, isolation: 'thread' | 'process'): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...ARGS, '--db', db, '--workers', String(workers), '--isolation', isolation], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  for (;;) {
    if (child.exitCode !== null) break;
    if (journalRows(db) >= target) { child.kill('SIGKILL'); break; }
    await new Promise((r) => setTimeout(r, 5));
  }
  await exited;
}

// 5 seeded kill points per run keep the file fast (every setting of the loop below: 1 and 2
// workers, threads and processes, killed and resumed); RESUME_POINTS=100 for a longer soak.
const POINTS = Number(process.env.RESUME_POINTS ?? 5);

describe('crash-safe journal and resume', () => {
  it(`gives byte-identical rows after kill -9 at ${POINTS} seeded points`, async () => {
    const dir = tempDir();
    const opts = { benchmark: 'tabular-demo', taskRows: 256 };
    const reference = (await score({ ...opts, db: path.join(dir, 'ref.db'), workers: 2 })).rows;
    const rand = mulberry32(2026);
    for (let point = 0; point < POINTS; point++) {
      const db = path.join(dir, `k${point}.db`);
      const target = 1 + Math.floor(rand() * (CHUNKS - 1));
      const workers = 1 + (point % 2);
      await killAfter(db, target, workers, point % 4 === 3 ? 'process' : 'thread');
      const journaled = journalRows(db);
      const out = await score({ ...opts, db, resume: 1, workers: 3 - workers, isolation: point % 2 ? 'process' : 'thread' });
      expect(JSON.stringify(out.rows), `kill point ${point} (after ${journaled} chunks)`).toBe(JSON.stringify(reference));
      // every chunk journaled exactly once
      const d = new Database(db, { readonly: true });
      const perSub = d.prepare('SELECT submission_id, COUNT(*) AS n, SUM(rows) AS rows FROM journal GROUP BY submission_id').all() as Array<{ n: number; rows: number }>;
      d.close();
      for (const s of perSub) expect(s.rows).toBe(3000);
    }
  }, 600_000);
});
