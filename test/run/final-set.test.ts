// Two hidden sets: `arbiter score --set final` scores set B (hiddenSets.final) under its own
// benchmark id, keeps its scores out of the live leaderboard, the report and every CLI output until
// the release is recorded in the store (`arbiter release`, or `--release`), and then prints exactly
// what the store holds. The CLI runs in process (test/cli-in-process.ts); the first score keeps the
// default isolated inference processes, the others use worker threads (the same bits by design).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score, type ScoreResult } from '../../src/run/index.ts';
import { FINAL_SET_SUFFIX, withheldResult } from '../../src/run/final-set.ts';
import { Store } from '../../src/store/store.ts';
import { goodModel } from '../models/admission/fixtures.ts';
import { arbiterInProcess } from '../cli-in-process.ts';
import { tempDir } from '../helpers.ts';
import { writeHiddenBench } from './fixtures/hidden-bench.ts';

function models(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return [['ann', 1], ['bo', 5], ['cy', 9]].map(([n, seed]) => {
    const p = path.join(dir, `${n}.onnx`);
    writeFileSync(p, goodModel(seed as number));
    return p;
  });
}

function arbiter(args: string[], cwd: string) {
  return arbiterInProcess(args, { cwd });
}

describe('the final hidden set', () => {
  it('scores set B under its own id, out of the live leaderboard, with the live submissions by default', async () => {
    const dir = tempDir();
    const bench = path.join(dir, 'bench');
    mkdirSync(bench);
    await writeHiddenBench(bench, { finalRows: 90 });
    const subs = models(path.join(bench, 'submissions'));
    const db = path.join(dir, 's.db');
    const live = await score({ benchmark: bench, workers: 1, db });
    const final = await score({ benchmark: bench, workers: 1, db, set: 'final', isolation: 'thread' });
    expect(final.benchmark.id).toBe(`hidden-test${FINAL_SET_SUFFIX}`);
    expect(final.rows.map((r) => r.participant).sort()).toEqual(['ann', 'bo', 'cy']);
    expect(final.rows.every((r) => r.status === 'scored')).toBe(true);
    const ann = (r: ScoreResult) => r.rows.find((x) => x.participant === 'ann')!;
    expect(ann(final).submission).toBe(ann(live).submission);
    expect(ann(final).splitScores).not.toEqual(ann(live).splitScores);
    expect(final.run.fingerprint.datasetSha256).not.toBe(live.run.fingerprint.datasetSha256);
    // explicit submissions give the same set B scores
    const again = await score({ benchmark: bench, workers: 1, db: path.join(dir, 't.db'), set: 'final', submissions: subs, isolation: 'thread' });
    expect(JSON.stringify(again.rows)).toBe(JSON.stringify(final.rows));
    const store = Store.open(db);
    try {
      expect(store.latestFinishedRun('hidden-test')!.id).toBe(live.run.id);
      expect(store.latestFinishedRun(`hidden-test${FINAL_SET_SUFFIX}`)!.id).toBe(final.run.id);
    } finally { store.close(); }

    const shown = withheldResult(final);
    expect(shown.rows.map((r) => r.participant)).toEqual(['ann', 'bo', 'cy']);
    for (const r of shown.rows) expect([r.rank, r.scores, r.splitScores, r.reward]).toEqual([null, {}, {}, undefined]);
  });

  it('refuses --set final without hiddenSets.final', async () => {
    const dir = tempDir();
    await writeHiddenBench(dir);
    await expect(score({ benchmark: dir, workers: 1, db: path.join(dir, 'a.db'), set: 'final', submissions: models(path.join(dir, 'subs')) }))
      .rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('CLI: withholds set B scores and the receipt until --release, and report refuses the run', async () => {
    const dir = tempDir();
    const bench = path.join(dir, 'bench');
    mkdirSync(bench);
    await writeHiddenBench(bench, { finalRows: 90 });
    const subs = models(path.join(dir, 'subs'));
    const db = path.join(dir, 'c.db');
    const base = ['score', '-b', bench, '--workers', '1', '--db', db, '--json', '--set', 'final', '--isolation', 'thread', '-s', ...subs];
    const hidden = await arbiter(base, dir);
    expect(hidden.code, hidden.stderr).toBe(0);
    const h = JSON.parse(hidden.stdout) as ScoreResult & { withheld: boolean };
    expect(h.withheld).toBe(true);
    for (const r of h.rows) expect([r.rank, r.scores, r.splitScores]).toEqual([null, {}, {}]);
    expect(hidden.stdout).not.toMatch(/log_loss|accuracy/);
    expect(existsSync(path.join(dir, 'receipts')) ? readdirSync(path.join(dir, 'receipts')) : []).toEqual([]);
    const rep = await arbiter(['report', String(h.run.id), '--html', path.join(dir, 'r.html'), '--db', db], dir);
    expect(rep.code).toBe(2);
    expect(rep.stderr).toContain('withheld');

    const released = await arbiter([...base, '--release'], dir);
    expect(released.code, released.stderr).toBe(0);
    const r = JSON.parse(released.stdout) as ScoreResult;
    const api = await score({ benchmark: bench, workers: 1, db: path.join(dir, 'api.db'), set: 'final', submissions: subs, isolation: 'thread' });
    expect(JSON.stringify(r.rows)).toBe(JSON.stringify(api.rows));
    expect(released.stderr).toContain('receipt');
  });

  it('CLI: the release is a recorded state: leaderboard and report withhold set B until `arbiter release`, then show it', async () => {
    const dir = tempDir();
    const bench = path.join(dir, 'bench');
    mkdirSync(bench);
    await writeHiddenBench(bench, { finalRows: 90 });
    const subs = models(path.join(dir, 'subs'));
    const db = path.join(dir, 'r.db');
    const scored = await arbiter(['score', '-b', bench, '--workers', '1', '--db', db, '--json', '--set', 'final', '--isolation', 'thread', '-s', ...subs], dir);
    expect(scored.code, scored.stderr).toBe(0);
    const runId = (JSON.parse(scored.stdout) as ScoreResult).run.id;
    expect(scored.stderr).toContain('arbiter release hidden-test');

    // before the release: the leaderboard shows who was scored, no score; the report refuses
    const before = await arbiter(['leaderboard', '-b', bench, '--set', 'final', '--db', db, '--json'], dir);
    expect(before.code, before.stderr).toBe(0);
    const w = JSON.parse(before.stdout) as ScoreResult & { withheld?: boolean };
    expect(w.withheld).toBe(true);
    for (const r of w.rows) expect([r.rank, r.scores, r.splitScores]).toEqual([null, {}, {}]);
    const table = await arbiter(['leaderboard', '-b', bench, '--set', 'final', '--db', db], dir);
    expect(table.stdout).not.toMatch(/\d\.\d{4}/);
    const rep = await arbiter(['report', String(runId), '--html', path.join(dir, 'r.html'), '--db', db], dir);
    expect([rep.code, rep.stderr.includes('arbiter release hidden-test')]).toEqual([2, true]);
    // the live leaderboard never picks the set B run
    expect((await arbiter(['leaderboard', '-b', bench, '--db', db], dir)).code).toBe(3);

    const rel = await arbiter(['release', bench, '--db', db, '--json'], dir);
    expect(rel.code, rel.stderr).toBe(0);
    expect(JSON.parse(rel.stdout)).toEqual({ benchmark: 'hidden-test', released: true, finalRuns: 1 });
    const store = Store.open(db);
    try {
      expect([store.isReleased('hidden-test'), store.isReleased('other')]).toEqual([true, false]);
      const after = await arbiter(['leaderboard', '-b', bench, '--set', 'final', '--db', db, '--json'], dir);
      expect(after.code, after.stderr).toBe(0);
      expect(JSON.parse(after.stdout)).toEqual(JSON.parse(store.run(runId)!.resultJson!));
    } finally { store.close(); }
    const rep2 = await arbiter(['report', String(runId), '--html', path.join(dir, 'r.html'), '--db', db], dir);
    expect(rep2.code, rep2.stderr).toBe(0);
    // released: a later `score --set final` prints the scores and writes its receipt without --release
    const again = await arbiter(['score', '-b', bench, '--workers', '1', '--db', db, '--json', '--set', 'final', '--isolation', 'thread', '--resume', String(runId)], dir);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as ScoreResult).rows.every((r) => r.rank !== null)).toBe(true);
    expect(again.stderr).toContain('receipt');
  }, 300_000);

  it('CLI: `arbiter release` refuses a benchmark without a final hidden set (E_USAGE, exit 2)', async () => {
    const dir = tempDir();
    await writeHiddenBench(dir);
    const r = await arbiter(['release', dir, '--db', path.join(dir, 'x.db'), '--json'], dir);
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('E_USAGE');
  });
});
