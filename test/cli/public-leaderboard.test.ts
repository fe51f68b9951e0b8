// leaderboard.live: public (16.12): until `arbiter release`, the live leaderboard (score, leaderboard
// in every format, report) ranks on the public split and shows nothing of the private split; after
// the release it shows the private ranking the run stored. In-process CLI on an `arbiter init` benchmark.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import type { ScoreResult } from '../../src/run/index.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';
import { tempDir } from '../helpers.ts';
import { arbiter } from './in-process.ts';

const HIDDEN_IDS = Array.from({ length: 60 }, (_, r) => 1000 + r * 3);

function randomProbs(seed: number): string {
  const rand = mulberry32(seed);
  return ['id,p0,p1,p2', ...HIDDEN_IDS.map((id) => {
    const a = rand(); const b = rand() * (1 - a);
    return [id, a.toFixed(6), b.toFixed(6), (1 - Number(a.toFixed(6)) - Number(b.toFixed(6))).toFixed(6)].join(',');
  })].join('\n') + '\n';
}

describe('leaderboard.live: public', () => {
  it('shows the public split until release, then the private ranking', async () => {
    const root = tempDir();
    expect((await arbiter(['init', 'pl', '--dir', root])).status).toBe(0);
    const bench = path.join(root, 'pl');
    const yaml = path.join(bench, 'benchmark.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('ranking:\n', 'leaderboard:\n  live: public\nranking:\n'));
    const subs: string[] = [];
    for (const [name, seed] of [['ann', 3], ['bo', 11], ['cy', 29], ['di', 47]] as const) {
      const f = path.join(root, `${name}.csv`);
      writeFileSync(f, randomProbs(seed));
      subs.push(f);
    }
    const db = path.join(root, 's.db');
    const s = await arbiter(['score', '-b', bench, '--db', db, '-w', '1', '--json', '-s', ...subs], { cwd: root });
    expect(s.status, s.stderr).toBe(0);
    expect(s.stderr).toContain('private ranking withheld: no receipt written');
    const shown = JSON.parse(s.stdout) as ScoreResult & { view: string };
    expect(shown.view).toBe('public');

    const store = Store.open(db);
    const stored = JSON.parse(store.latestFinishedRun('pl')!.resultJson!) as ScoreResult;
    store.close();
    // Long enough to search for (a short accuracy like 0.35 may occur by chance in any text), and
    // not also a public score (the split key is random: 1/3 can be a private and a public accuracy).
    const publicValues = new Set(stored.rows.flatMap((r) => Object.values(r.splitScores.public ?? {})).map(String));
    const privateValues = stored.rows.flatMap((r) => Object.values(r.splitScores.private ?? {})).map(String).filter((v) => v.length >= 10 && !publicValues.has(v));
    expect(privateValues.length).toBeGreaterThan(0);

    // Ranked by public accuracy (then log_loss), with only public scores; no reward.
    for (const r of shown.rows) {
      const own = stored.rows.find((x) => x.submission === r.submission)!;
      expect(r.scores).toEqual(own.splitScores.public);
      expect(Object.keys(r.splitScores)).toEqual(['public']);
      expect(r.reward).toBeUndefined();
    }
    const order = [...shown.rows].sort((a, b) => b.scores.accuracy! - a.scores.accuracy! || a.scores.log_loss! - b.scores.log_loss!);
    expect(shown.rows.map((r) => r.participant)).toEqual(order.map((r) => r.participant));
    expect(shown.rows[0]!.rank).toBe(1);

    const outputs = [s.stdout];
    for (const f of ['table', 'csv', 'md', 'json']) {
      const r = await arbiter(['leaderboard', '-b', bench, '--format', f, '--db', db], { cwd: root });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('public leaderboard (public split)');
      outputs.push(r.stdout);
    }
    expect(JSON.parse(outputs[4]!).rows).toEqual(shown.rows);
    const html = path.join(root, 'r.html');
    expect((await arbiter(['report', String(stored.run.id), '--html', html, '--db', db], { cwd: root })).status).toBe(0);
    outputs.push(readFileSync(html, 'utf8'));
    for (const text of outputs) for (const v of privateValues) expect(text).not.toContain(v);

    // arbiter work and merge show the same public view (and arbiter work writes no receipt).
    const wdb = path.join(root, 'w.db');
    expect((await arbiter(['work', bench, '--create', '--db', wdb, '-s', ...subs], { cwd: root })).status).toBe(0);
    const w = await arbiter(['work', bench, '--run', '1', '--db', wdb, '-w', '1', '--json'], { cwd: root });
    expect(w.status, w.stderr).toBe(0);
    const worked = JSON.parse(w.stdout) as { view: string; result: ScoreResult };
    expect(worked.view).toBe('public');
    expect(worked.result.rows).toEqual(shown.rows);
    expect(w.stderr).toContain('private ranking withheld: no receipt written');
    const parts: string[] = [];
    for (const i of [0, 1]) {
      const part = path.join(root, `part${i}.json`);
      const sh = await arbiter(['score', '-b', bench, '--db', path.join(root, `sh${i}.db`), '-w', '1', '--shard', `${i}/2`, '--part-out', part, '-s', ...subs], { cwd: root });
      expect(sh.status, sh.stderr).toBe(0);
      parts.push(part);
    }
    const noDb = await arbiter(['merge', ...parts, '--json'], { cwd: root });
    expect(noDb.status).toBe(2);
    expect(noDb.stdout).toContain('leaderboard.live: public');
    const merged = await arbiter(['merge', ...parts, '--json', '--db', wdb], { cwd: root });
    expect(merged.status, merged.stderr).toBe(0);
    expect((JSON.parse(merged.stdout) as ScoreResult & { view: string }).view).toBe('public');
    expect((JSON.parse(merged.stdout) as ScoreResult).rows).toEqual(shown.rows);
    for (const text of [w.stdout, merged.stdout]) for (const v of privateValues) expect(text).not.toContain(v);

    // After the release: the private ranking, exactly as stored.
    const rel = await arbiter(['release', bench, '--db', db], { cwd: root });
    expect(rel.status, rel.stderr).toBe(0);
    expect(rel.stdout).toContain('released the private ranking of pl');
    const after = await arbiter(['leaderboard', '-b', bench, '--json', '--db', db], { cwd: root });
    expect(JSON.parse(after.stdout)).toEqual(stored);
    expect(after.stderr).toBe('');
  }, 120_000);

  it('release refuses a benchmark that withholds nothing', async () => {
    const r = await arbiter(['release', 'tabular-demo', '--db', path.join(tempDir(), 'x.db')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('withholds nothing to release: expected hiddenSets.final or leaderboard.live: public');
  });
});
