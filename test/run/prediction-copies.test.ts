// Prediction-agreement copies and the earlier-submission margin through the real scoring job:
// prediction files and ONNX models scored on the hidden test bench, fingerprints journaled in the
// store (and kept by --resume), flags applied per admission.duplicates.policy, the margin per
// admission.earlierAdvantage; once through the CLI (in process, test/cli-in-process.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score, type ScoreRow } from '../../src/run/index.ts';
import { Store } from '../../src/store/store.ts';
import { goodModel } from '../models/admission/fixtures.ts';
import { writeHiddenBench } from './fixtures/hidden-bench.ts';
import { arbiterInProcess } from '../cli-in-process.ts';
import { tempDir } from '../helpers.ts';

const ROWS = 120;
// The bench's rows: ids 3i+2, label i % 3 (test/hostile/datasets.ts).
const ids = Array.from({ length: ROWS }, (_, i) => i * 3 + 2);
const label = (i: number) => i % 3;

/** A probability CSV: p(row) gives the 3 probabilities of row i. */
function csv(p: (i: number) => number[]): string {
  return ['id,p0,p1,p2', ...ids.map((id, i) => [id, ...p(i).map((v) => v.toFixed(6))].join(','))].join('\n') + '\n';
}
const around = (c: number, top: number) => [0, 1, 2].map((k) => (k === c ? top : (1 - top) / 2));
// The original: the right class at 0.5 on even rows, a wrong one on odd rows.
const original = (i: number) => around(i % 2 === 0 ? label(i) : (label(i) + 1) % 3, 0.5);
// The copy: the original, except 6 rows (5%) made confidently right: a better score, 95% agreement.
const copy = (i: number) => (i % 20 === 1 ? around(label(i), 0.9) : original(i));
// Someone else: mild everywhere.
const other = (i: number) => around(label(i), 0.4);

async function bench(dir: string, admission: string): Promise<string> {
  const b = path.join(dir, 'bench');
  mkdirSync(b, { recursive: true });
  await writeHiddenBench(b, { rows: ROWS, admission });
  for (const [n, f] of Object.entries({ original, other, copy })) writeFileSync(path.join(dir, `${n}.csv`), csv(f));
  return b;
}
const files = (dir: string) => ['original', 'other', 'copy'].map((n) => path.join(dir, `${n}.csv`));
const byName = (rows: ScoreRow[]) => Object.fromEntries(rows.map((r) => [r.participant, r]));

describe('prediction-agreement copies', () => {
  it('rank-after: the copy stays scored, is ranked directly after its original, and says whom it copies', async () => {
    const dir = tempDir();
    const b = await bench(dir, '  duplicates: { predictionAgreement: 0.9 }');
    const r = await score({ benchmark: b, submissions: files(dir), workers: 1, db: path.join(dir, 's.db') });
    const by = byName(r.rows);
    // Without the rule the copy would rank above its original: it beats it on log_loss.
    expect(by.copy!.scores.log_loss!).toBeLessThan(by.original!.scores.log_loss!);
    expect(by.copy!.status).toBe('scored');
    expect(by.copy!.duplicateOf).toEqual({ submission: by.original!.submission, participant: 'original', agreement: 0.95 });
    expect(by.original!.duplicateOf).toBeUndefined();
    expect(by.other!.duplicateOf).toBeUndefined();
    const order = r.rows.map((x) => x.participant);
    expect(order.indexOf('copy')).toBe(order.indexOf('original') + 1);
    expect(by.copy!.rank).toBe(by.original!.rank! + 1);
    // People see whom it copies; CSV keeps the plain status.
    const { formatLeaderboard } = await import('../../src/report/leaderboard.ts');
    const opts = { primaryMetric: 'log_loss', metricKeys: Object.keys(by.copy!.scores) };
    expect(formatLeaderboard(r, 'table', opts)).toMatch(/copy\s.*scored \(copy of original\)/);
    expect(formatLeaderboard(r, 'csv', opts)).toMatch(/\r\n[^\r]*,copy,[0-9a-f]{64},scored,/);

    // The same run without the rule: the copy above its original, no flags.
    const plainDir = tempDir();
    const plain = await score({ benchmark: await bench(plainDir, '  duplicates: { weights: true }'), submissions: files(plainDir), workers: 1, db: path.join(plainDir, 'p.db') });
    const plainOrder = plain.rows.map((x) => x.participant);
    expect(plainOrder.indexOf('copy')).toBeLessThan(plainOrder.indexOf('original'));
    expect(plain.rows.every((x) => x.duplicateOf === undefined)).toBe(true);
    // and the scores themselves are untouched by the rule
    expect(JSON.stringify(byName(plain.rows).copy!.splitScores)).toBe(JSON.stringify(by.copy!.splitScores));

    // A shard sees a slice only: sharding such a benchmark is refused before anything is scored.
    const { scoreShard } = await import('../../src/run/shard-job.ts');
    await expect(scoreShard({ benchmark: path.join(dir, 'bench'), submissions: files(dir), workers: 1, db: path.join(dir, 'shard.db'), shard: { index: 0, count: 2 } }))
      .rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/predictionAgreement/) });

    // Fingerprints are in the store: 4 bytes per hidden row, per scored submission.
    const store = Store.open(path.join(dir, 's.db'));
    const subs = store.runMembers(r.run.id);
    const fps = subs.map((s) => store.fingerprint(r.run.id, s.id));
    store.close();
    expect(fps.map((f) => f?.length)).toEqual([ROWS, ROWS, ROWS]);
    let same = 0;
    for (let i = 0; i < ROWS; i++) if (fps[0]![i] === fps[2]![i]) same++;
    expect(same).toBe(114);
  }, 120_000);

  it('a threshold above the agreement flags nothing; exclude makes the copy an unranked duplicate (E_DUPLICATE)', async () => {
    const dir = tempDir();
    const high = await score({ benchmark: await bench(dir, '  duplicates: { predictionAgreement: 0.95 }'), submissions: files(dir), workers: 1, db: path.join(dir, 'h.db') });
    expect(high.rows.every((x) => x.duplicateOf === undefined)).toBe(true); // 0.95 is not MORE than 0.95
    const dir2 = tempDir();
    const ex = await score({ benchmark: await bench(dir2, '  duplicates: { predictionAgreement: 0.9, policy: exclude }'), submissions: files(dir2), workers: 1, db: path.join(dir2, 'e.db') });
    const c = byName(ex.rows).copy!;
    expect([c.status, c.rank, c.error?.code]).toEqual(['duplicate', null, 'E_DUPLICATE']);
    expect(c.error!.message).toContain('agrees on 95.00% of the hidden rows');
    expect(ex.rows.filter((x) => x.rank !== null).map((x) => x.participant).sort()).toEqual(['original', 'other']);
  }, 120_000);

  it('ONNX models: a re-saved copy (other bytes, same outputs) is flagged with agreement 1, another model is not', async () => {
    const dir = tempDir();
    const b = path.join(dir, 'bench');
    mkdirSync(b);
    await writeHiddenBench(b, { rows: ROWS, admission: '  duplicates: { weights: false, predictionAgreement: 0.99 }' });
    writeFileSync(path.join(dir, 'a.onnx'), goodModel(7));
    writeFileSync(path.join(dir, 'b.onnx'), goodModel(8));
    // goodModel(7) saved with another producer name: other bytes (weight-copy detection is off here), same outputs
    const { decodeModel, encodeModel } = await import('../../src/models/onnx/proto.ts');
    const m = decodeModel(goodModel(7));
    m.producerName = 'someone-else';
    writeFileSync(path.join(dir, 'c.onnx'), encodeModel(m));
    const r = await score({ benchmark: b, submissions: ['a', 'b', 'c'].map((n) => path.join(dir, `${n}.onnx`)), workers: 1, db: path.join(dir, 'o.db') });
    const by = byName(r.rows);
    expect(by.c!.duplicateOf).toMatchObject({ participant: 'a', agreement: 1 });
    expect(by.b!.duplicateOf).toBeUndefined();
  }, 120_000);

  it('--resume keeps the journaled fingerprints: a run finished after a crash gives the same rows', async () => {
    const dir = tempDir();
    const b = await bench(dir, '  duplicates: { predictionAgreement: 0.9 }');
    const db = path.join(dir, 'r.db');
    const full = await score({ benchmark: b, submissions: files(dir), workers: 1, db });
    // Make the run look interrupted after every chunk was journaled but before the copy's outcome was known.
    const store = Store.open(db);
    const copyId = store.runMembers(full.run.id).find((s) => s.participant === 'copy')!.id;
    store.db.prepare(`DELETE FROM outcomes WHERE run_id = ? AND submission_id = ?`).run(full.run.id, copyId);
    store.db.prepare(`DELETE FROM scores WHERE run_id = ?`).run(full.run.id);
    store.db.prepare(`DELETE FROM run_entries WHERE run_id = ?`).run(full.run.id);
    store.db.prepare(`UPDATE runs SET status = 'running', result_json = NULL WHERE id = ?`).run(full.run.id);
    store.close();
    expect(byName(full.rows).copy!.duplicateOf?.participant).toBe('original');
    const resumed = await score({ benchmark: b, workers: 1, db, resume: full.run.id });
    expect(JSON.stringify(resumed.rows)).toBe(JSON.stringify(full.rows));
  }, 120_000);
});

describe('earlier-submission advantage (admission.earlierAdvantage)', () => {
  it('keeps the earlier submission above a later one that wins by less than ε, through the CLI', async () => {
    const dir = tempDir();
    // Two prediction files: the later one slightly better (0.51 vs 0.50 on the right class).
    const first = (i: number) => around(label(i), 0.5);
    const later = (i: number) => around(label(i), 0.51);
    writeFileSync(path.join(dir, 'first.csv'), csv(first));
    writeFileSync(path.join(dir, 'later.csv'), csv(later));
    const ranks: Record<string, string[]> = {};
    for (const eps of [0, 0.05]) {
      const d = path.join(dir, `eps-${eps}`);
      const bd = path.join(d, 'bench');
      mkdirSync(bd, { recursive: true });
      await writeHiddenBench(bd, { rows: ROWS, admission: `  earlierAdvantage: ${eps}` });
      const r = await arbiterInProcess(['score', '-b', bd, '-s', path.join(dir, 'first.csv'), path.join(dir, 'later.csv'), '--db', path.join(d, 'a.db'), '--json', '--workers', '1'], { cwd: d });
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { rows: ScoreRow[] };
      ranks[String(eps)] = out.rows.map((x) => `${x.rank}:${x.participant}`);
    }
    expect(ranks['0']).toEqual(['1:later', '2:first']);
    expect(ranks['0.05']).toEqual(['1:first', '2:later']);
  }, 240_000);
});
