// Hostile participant names in every output: spreadsheet formulas, terminal escapes and
// bidirectional overrides. Names are refused at registration (E_USAGE, exit 2); names already in a
// store (written before the rule) are neutralised by `leaderboard` in table, CSV and Markdown, by
// the HTML report and by error messages on stderr; JSON keeps the raw string (JSON-escaped).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score } from '../../src/run/index.ts';
import { sha256FileSync } from '../../src/data/file-hash.ts';
import { Store } from '../../src/store/store.ts';
import { csvText } from '../../src/report/leaderboard.ts';
import { writeHiddenBench } from '../run/fixtures/hidden-bench.ts';
import { tempDir } from '../helpers.ts';
import { cliInProcess } from './cli-in-process.ts';

const IDS = Array.from({ length: 120 }, (_, i) => i * 3 + 2);
const csv = (k: number) => ['id,p0,p1,p2', ...IDS.map((id, i) => `${id},${[0.5 + k / 100, 0.3 - k / 100, 0.2].map((p, j) => (j === (i * (k + 1)) % 3 ? p + 0.1 : p - 0.05)).join(',')}`)].join('\n') + '\n';

const FORMULA = '=HYPERLINK("http://evil.example","x")';
const ESCAPES = 'evil\u001b[2J\u001b]0;pwned\u0007';
const BIDI = 'ali\u202ecod.exe';
const DANGER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('hostile participant names', () => {
  it('registration refuses control and format characters and names over 64 characters (E_USAGE, exit 2)', async () => {
    const dir = tempDir('arbiter-hostile-names-');
    await writeHiddenBench(dir);
    const f = path.join(dir, 'p.csv');
    writeFileSync(f, csv(0));
    const db = path.join(dir, 's.db');
    for (const [name, why] of [[ESCAPES, 'U+001B'], [BIDI, 'U+202E'], ['x'.repeat(65), 'it has 65 characters'], [' bob', 'starts or ends with a space']] as const) {
      const r = await cliInProcess(['submit', f, '-b', dir, '--db', db, '-p', name]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('E_USAGE: participant name for "p.csv": expected 1 to 64 printable characters');
      expect(r.stderr).toContain(why);
      expect(r.stderr).not.toMatch(DANGER);
    }
    // a formula is printable: accepted, and neutralised where it is written out
    expect((await cliInProcess(['submit', f, '-b', dir, '--db', db, '-p', FORMULA])).code).toBe(0);
  });

  it('names already in a store are neutralised in table, CSV, Markdown and HTML; JSON keeps them raw', async () => {
    const dir = tempDir('arbiter-hostile-output-');
    await writeHiddenBench(dir);
    const db = path.join(dir, 's.db');
    const store = Store.open(db);
    // plant names as an older arbiter (no name rule) would have stored them
    [FORMULA, ESCAPES, BIDI, '+1', 'alice'].forEach((participant, k) => {
      const f = path.join(dir, `s${k}.csv`);
      writeFileSync(f, csv(k));
      store.registerSubmission({ benchmarkId: 'hidden-test', participant, sha256: sha256FileSync(f).sha256, kind: 'predictions', sourcePath: f, size: 0 });
    });
    store.close();
    const result = await score({ benchmark: dir, workers: 1, db });
    expect(result.rows.map((r) => r.error)).toEqual([null, null, null, null, null]);

    const table = await cliInProcess(['leaderboard', '-b', dir, '--db', db]);
    const md = await cliInProcess(['leaderboard', '-b', dir, '--db', db, '--format', 'md']);
    const out = await cliInProcess(['leaderboard', '-b', dir, '--db', db, '--format', 'csv']);
    for (const r of [table, md, out]) {
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(DANGER);
      // shown as visible escapes (Markdown additionally backslash-escapes the backslash and brackets)
      expect(r.stdout).toMatch(/evil\\+u001b\\*\[2J/);
      expect(r.stdout).toMatch(/ali\\+u202ecod\.exe/);
    }
    expect(table.stdout).toContain('evil\\u001b[2J\\u001b]0;pwned\\u0007');
    const cells = out.stdout.split('\r\n').slice(1).map((l) => l.split(',')[1]!);
    expect(cells).toContain(`"'=HYPERLINK(""http://evil.example""`); // the cell starts with ' (quoted because of the comma)
    expect(cells).toContain("'+1");
    expect(cells.every((c) => !/^"?[=+\-@]/.test(c))).toBe(true);
    const json = await cliInProcess(['leaderboard', '-b', dir, '--db', db, '--json']);
    expect(JSON.parse(json.stdout).rows.map((r: { participant: string }) => r.participant)).toEqual(expect.arrayContaining([FORMULA, ESCAPES, BIDI]));

    const html = path.join(dir, 'r.html');
    expect((await cliInProcess(['report', String(result.run.id), '--db', db, '--html', html])).code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(DANGER);
    expect(page).toContain('ali\\u202ecod.exe');
  }, 60_000);

  it('csvText: formulas prefixed, numbers in metric columns untouched elsewhere', () => {
    expect(csvText('-2+3')).toBe("'-2+3");
    expect(csvText('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvText('\tx')).toBe("'\\u0009x");
    expect(csvText('bob')).toBe('bob');
  });
});
