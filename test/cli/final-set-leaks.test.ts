// Nothing about the withheld final hidden set (set B) reaches any output before its release: the
// leaderboard in every format, `runs` (table and JSON) and `report` are searched for set B's row ids
// and for its scores, with a submission whose error message names set B's ids in the store.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { formatScore } from '../../src/report/format.ts';
import type { ScoreResult } from '../../src/run/index.ts';
import { goodModel } from '../models/admission/fixtures.ts';
import { tempDir } from '../helpers.ts';
import { writeHiddenBench } from '../run/fixtures/hidden-bench.ts';
import { arbiter } from './in-process.ts';

// Set B's ids in writeHiddenBench: 100000 + 7 i.
const SET_B_ID = /(?<![0-9A-Za-z])1\d{5}(?![0-9A-Za-z])/;

describe('no leak of the final set before release', () => {
  it('leaderboard (table, csv, md, json), runs and report show nothing of set B until release', async () => {
    const dir = tempDir();
    const bench = path.join(dir, 'bench');
    mkdirSync(bench);
    await writeHiddenBench(bench, { finalRows: 40 });
    const subs = path.join(dir, 'subs');
    mkdirSync(subs);
    writeFileSync(path.join(subs, 'ann.onnx'), goodModel(1));
    writeFileSync(path.join(subs, 'bo.onnx'), goodModel(5));
    // Covers only a few set B ids: it fails on set B with a message that names the missing ids.
    const ids = Array.from({ length: 3 }, (_, i) => 100_000 + i * 7);
    writeFileSync(path.join(subs, 'cy.csv'), ['id,p0,p1,p2', ...ids.map((id) => `${id},0.2,0.3,0.5`)].join('\n') + '\n');
    const db = path.join(dir, 's.db');
    const s = await arbiter(['score', '-b', bench, '--set', 'final', '-w', '1', '--db', db, '--json', '-s', subs], { cwd: dir });
    expect(s.status, s.stderr).toBe(0);

    // The store holds the unredacted result: its scores (prediction-file messages give counts,
    // never a hidden id, even in the store: test/hostile/prediction-files.test.ts).
    const store = Store.open(db);
    const run = store.latestFinishedRun(`hidden-test--final-set`)!;
    const full = JSON.parse(run.resultJson!) as ScoreResult;
    store.close();
    const failed = full.rows.find((r) => r.participant === 'cy')!;
    expect(failed.error!.code).toBe('E_PREDICTIONS');
    expect(failed.error!.message).not.toMatch(SET_B_ID);
    const values = full.rows.flatMap((r) => Object.values(r.scores)).filter((v) => v !== 0 && v !== 1);
    expect(values.length).toBeGreaterThan(0);

    const outputs: Array<[string, string]> = [['score --json', s.stdout + s.stderr]];
    for (const f of ['table', 'csv', 'md', 'json']) {
      const r = await arbiter(['leaderboard', '-b', bench, '--set', 'final', '--format', f, '--db', db], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('cy');
      expect(r.stdout).toMatch(/E\\?_PREDICTIONS/);
      outputs.push([`leaderboard ${f}`, r.stdout + r.stderr]);
    }
    const j = await arbiter(['leaderboard', '-b', bench, '--set', 'final', '--json', '--db', db], { cwd: dir });
    outputs.push(['leaderboard --json', j.stdout + j.stderr]);
    for (const a of [['runs'], ['runs', '--json']]) {
      const r = await arbiter([...a, '--db', db], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      outputs.push([a.join(' '), r.stdout + r.stderr]);
    }
    const rep = await arbiter(['report', String(run.id), '--db', db, '--html', path.join(dir, 'r.html')], { cwd: dir });
    expect(rep.status).not.toBe(0);
    outputs.push(['report', rep.stdout + rep.stderr]);
    for (const [what, text] of outputs) {
      expect(text, what).not.toMatch(SET_B_ID);
      for (const v of values) {
        expect(text, `${what}: score ${v}`).not.toContain(String(v));
        expect(text, `${what}: score ${v}`).not.toContain(formatScore(v));
      }
    }

    // After the release, the same leaderboard shows the scores and the message.
    expect((await arbiter(['release', bench, '--db', db], { cwd: dir })).status).toBe(0);
    const after = await arbiter(['leaderboard', '-b', bench, '--set', 'final', '--format', 'csv', '--db', db], { cwd: dir });
    expect(after.stdout).toContain(failed.error!.message);
    expect(after.stdout).toContain(String(values[0]));
  }, 180_000);
});
