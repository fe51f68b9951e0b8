// Two hidden sets: `arbiter score --set final` scores set B (hiddenSets.final) under its own
// benchmark id, keeps its scores out of the live leaderboard, the report and every CLI output until
// `--release`, and then prints exactly what the store holds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score, type ScoreResult } from '../../src/engine/score-job.ts';
import { FINAL_SET_SUFFIX, withheldResult } from '../../src/engine/final-set.ts';
import { Store } from '../../src/store/store.ts';
import { goodModel } from '../models/admission/fixtures.ts';
import { REPO, tempDir } from '../helpers.ts';
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
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/arbiter.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
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
    const final = await score({ benchmark: bench, workers: 1, db, set: 'final' });
    expect(final.benchmark.id).toBe(`hidden-test${FINAL_SET_SUFFIX}`);
    expect(final.rows.map((r) => r.participant).sort()).toEqual(['ann', 'bo', 'cy']);
    expect(final.rows.every((r) => r.status === 'scored')).toBe(true);
    const ann = (r: ScoreResult) => r.rows.find((x) => x.participant === 'ann')!;
    expect(ann(final).submission).toBe(ann(live).submission);
    expect(ann(final).splitScores).not.toEqual(ann(live).splitScores);
    expect(final.run.fingerprint.datasetSha256).not.toBe(live.run.fingerprint.datasetSha256);
    // explicit submissions give the same set B scores
    const again = await score({ benchmark: bench, workers: 1, db: path.join(dir, 't.db'), set: 'final', submissions: subs });
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
    const base = ['score', '-b', bench, '--workers', '1', '--db', db, '--json', '--set', 'final', '-s', ...subs];
    const hidden = arbiter(base, dir);
    expect(hidden.code, hidden.stderr).toBe(0);
    const h = JSON.parse(hidden.stdout) as ScoreResult & { withheld: boolean };
    expect(h.withheld).toBe(true);
    for (const r of h.rows) expect([r.rank, r.scores, r.splitScores]).toEqual([null, {}, {}]);
    expect(hidden.stdout).not.toMatch(/log_loss|accuracy/);
    expect(existsSync(path.join(dir, 'receipts')) ? readdirSync(path.join(dir, 'receipts')) : []).toEqual([]);
    const rep = arbiter(['report', String(h.run.id), '--html', path.join(dir, 'r.html'), '--db', db], dir);
    expect(rep.code).toBe(2);
    expect(rep.stderr).toContain('withheld');

    const released = arbiter([...base, '--release'], dir);
    expect(released.code, released.stderr).toBe(0);
    const r = JSON.parse(released.stdout) as ScoreResult;
    const api = await score({ benchmark: bench, workers: 1, db: path.join(dir, 'api.db'), set: 'final', submissions: subs });
    expect(JSON.stringify(r.rows)).toBe(JSON.stringify(api.rows));
    expect(released.stderr).toContain('receipt');
  });
});
