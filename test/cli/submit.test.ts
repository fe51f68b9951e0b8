// `arbiter submit` refuses a prediction file sure to fail at score time when the file alone (or the
// public sample) decides it (16.11), and messages about a submission name the participant's file,
// not the stored copy (16.8). In-process CLI on a benchmark made by `arbiter init`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { arbiter } from './in-process.ts';

const HIDDEN_IDS = Array.from({ length: 60 }, (_, r) => 1000 + r * 3);
const SAMPLE_IDS = Array.from({ length: 30 }, (_, r) => 100000 + r * 3);

function probs(ids: number[], row: (i: number) => number[]): string {
  return ['id,p0,p1,p2', ...ids.map((id, i) => [id, ...row(i)].join(','))].join('\n') + '\n';
}

describe('arbiter submit', () => {
  it('refuses what the file alone decides; accepts a good file; score names the participant\'s file', async () => {
    const root = tempDir();
    expect((await arbiter(['init', 'sb', '--dir', root])).status).toBe(0);
    const bench = path.join(root, 'sb');
    const db = path.join(root, 's.db');
    const submit = async (name: string, text: string) => {
      const f = path.join(root, name);
      writeFileSync(f, text);
      return arbiter(['submit', f, '-b', bench, '--db', db, '--json'], { cwd: root });
    };

    const sum = await submit('sum.csv', probs(HIDDEN_IDS, (i) => (i === 7 ? [0.9, 0.9, 0.9] : [0.2, 0.3, 0.5])));
    expect(sum.status).toBe(3);
    const e = JSON.parse(sum.stdout).error as { code: string; message: string };
    expect(e.code).toBe('E_PREDICTIONS');
    expect(e.message).toMatch(/^sum\.csv: 1 row of probabilities does not sum to 1: expected 1 within 0\.0001 \(metric log_loss refuses it at scoring\), found 2\.7\d* for id "1021"$/);

    const range = await submit('range.csv', probs(HIDDEN_IDS, (i) => (i === 3 ? [1.5, -0.5, 0] : [0.2, 0.3, 0.5])));
    expect(range.status).toBe(3);
    expect(JSON.parse(range.stdout).error.message).toContain('range.csv: row with id "1009": expected probabilities in [0, 1], found 1.5, -0.5, 0');

    const pub = await submit('public.csv', probs(SAMPLE_IDS, () => [0.2, 0.3, 0.5]));
    expect(pub.status).toBe(3);
    expect(JSON.parse(pub.stdout).error.message).toContain('public.csv: 30 of its 30 ids are ids of the public sample');

    const dup = await submit('dup.csv', probs([...HIDDEN_IDS, 1000], () => [0.2, 0.3, 0.5]));
    expect(dup.status).toBe(3);
    expect(JSON.parse(dup.stdout).error.code).toBe('E_PREDICTIONS');

    // Nothing refused was registered; a good file is.
    const good = await submit('good.csv', probs(HIDDEN_IDS, () => [0.2, 0.3, 0.5]));
    expect(good.status, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout).participant).toBe('good');

    // A file that fails at score time (a missing row needs the hidden ids) is named as the participant named it.
    const partial = path.join(root, 'partial.csv');
    writeFileSync(partial, probs(HIDDEN_IDS.slice(0, 50), () => [0.2, 0.3, 0.5]));
    const wrongCols = path.join(root, 'columns.csv');
    writeFileSync(wrongCols, 'row,q0\n1000,1\n');
    const s = await arbiter(['score', '-b', bench, '--db', db, '-w', '1', '--json', '-s', partial, wrongCols], { cwd: root });
    expect(s.status, s.stderr).toBe(0);
    const rows = JSON.parse(s.stdout).rows as Array<{ participant: string; submission: string; error: { message: string } | null }>;
    for (const [participant, file] of [['partial', 'partial.csv'], ['columns', 'columns.csv']]) {
      const row = rows.find((r) => r.participant === participant)!;
      expect(row.error!.message.startsWith(`${file}: `), row.error!.message).toBe(true);
      expect(row.error!.message).not.toContain(row.submission.slice(0, 6));
    }
    expect(readFileSync(partial, 'utf8')).toContain('1000,');
  }, 120_000);
});
