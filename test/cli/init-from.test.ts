// `arbiter init <id> --task <kind> --from <file>` (16.7): a benchmark from the host's own CSV or
// JSONL file, with the file's sha256, a .gitignore for its keys, and a baseline that scores.
// In-process CLI; data made in code.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/benchmark/canonical.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';
import { tempDir } from '../helpers.ts';
import { arbiter } from './in-process.ts';

function tabularCsv(n: number, regression: boolean): string {
  const rand = mulberry32(7);
  const rows = Array.from({ length: n }, (_, i) => {
    const x0 = (rand() * 4 - 2).toFixed(3);
    const x1 = (rand() * 4 - 2).toFixed(3);
    const y = regression ? (Number(x0) * 2 + 1).toFixed(3) : String(i % 3);
    return `${10 + i},${x0},${x1},${y}`;
  });
  return [`id,x0,x1,${regression ? 'target' : 'label'}`, ...rows].join('\n') + '\n';
}

async function scoreOk(root: string, bench: string) {
  const s = await arbiter(['score', '-b', bench, '--db', path.join(root, 's.db'), '-w', '1', '--json', '--isolation', 'thread'], { cwd: root });
  expect(s.status, s.stderr).toBe(0);
  const rows = JSON.parse(s.stdout).rows as Array<{ participant: string; status: string; error: unknown }>;
  expect(rows.map((r) => [r.participant, r.status, r.error])).toEqual([['baseline', 'scored', null]]);
}

describe('arbiter init --from', () => {
  it('classification and regression from a CSV: validates, commits to the packed file, the baseline scores', async () => {
    for (const task of ['classification', 'regression'] as const) {
      const root = tempDir();
      const csv = path.join(root, 'mine.csv');
      writeFileSync(csv, tabularCsv(50, task === 'regression'));
      const r = await arbiter(['init', 'mine', '--dir', root, '--task', task, '--from', csv, '--json'], { cwd: root });
      expect(r.status, r.stderr).toBe(0);
      const made = JSON.parse(r.stdout) as { dir: string; files: string[]; datasetSha256: string };
      expect(made.files).toContain('.gitignore');
      expect(readFileSync(path.join(made.dir, '.gitignore'), 'utf8')).toMatch(/^split\.key$/m);
      expect(made.datasetSha256).toBe(sha256Hex(readFileSync(path.join(made.dir, 'data/hidden.arrow'))));
      const v = await arbiter(['spec', 'validate', made.dir, '--json']);
      expect(v.status, v.stderr).toBe(0);
      await scoreOk(root, made.dir);
    }
  }, 120_000);

  it('multiple-choice from a JSONL file: the baseline model folder scores', async () => {
    const root = tempDir();
    const f = path.join(root, 'q.jsonl');
    const animals = [['cat', 'purrs'], ['dog', 'barks'], ['cow', 'moos'], ['owl', 'hoots']];
    // 48 questions: 12 missed the public split 0.7^12 = 1.4% of runs under init's random split key
    writeFileSync(f, Array.from({ length: 48 }, (_, i) => JSON.stringify({ id: `q${i}`, context: `the ${animals[i % 4]![0]}`, choices: animals.map((a) => a[1]), label: i % 4 })).join('\n') + '\n');
    const r = await arbiter(['init', 'mc', '--dir', root, '--task', 'multiple-choice', '--from', f, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const made = JSON.parse(r.stdout) as { dir: string; datasetSha256: string };
    expect(made.datasetSha256).toBe(sha256Hex(readFileSync(f)));
    await scoreOk(root, made.dir);
  }, 180_000);

  it('sequence-classification and chat-loss from JSONL files validate', async () => {
    const root = tempDir();
    const seq = path.join(root, 'reviews.jsonl');
    // 48 rows for both splits under init's random split key (4 rows missed the public split 0.7^4 = 24% of runs)
    const texts = ['good film', 'bad film', 'great plot', 'awful plot'];
    writeFileSync(seq, Array.from({ length: 48 }, (_, i) => JSON.stringify({ id: `r${i}`, text: `${texts[i % 4]} ${i}`, label: i % 2 ? 'neg' : 'pos' })).join('\n') + '\n');
    const chat = path.join(root, 'chat.jsonl');
    // enough conversations for both splits (publicFraction 0.3, a random key): 12 missed the public split 1.4% of runs (0.7^12), 48 miss it 4e-8 of runs
    writeFileSync(chat, Array.from({ length: 48 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `hi ${i}` }, { role: 'assistant', content: `hello ${i}` }] })).join('\n') + '\n');
    for (const [id, task, file] of [['sc', 'sequence-classification', seq], ['cl', 'chat-loss', chat]] as const) {
      const r = await arbiter(['init', id, '--dir', root, '--task', task, '--from', file]);
      expect(r.status, r.stderr).toBe(0);
      const v = await arbiter(['spec', 'validate', path.join(root, id), '--json']);
      expect(v.status, v.stderr).toBe(0);
    }
    const spec = readFileSync(path.join(root, 'sc', 'benchmark.yaml'), 'utf8');
    expect(spec).toContain('labels: ["neg", "pos"]');
  }, 60_000);

  it('says what it expected of the file', async () => {
    const root = tempDir();
    const csv = path.join(root, 'x.csv');
    writeFileSync(csv, 'row,x0,label\n1,0.5,0\n');
    const r = await arbiter(['init', 'x', '--dir', root, '--task', 'classification', '--from', csv]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('x.csv: expected an "id" column, found "row", "x0", "label"');
    const half = await arbiter(['init', 'y', '--dir', root, '--from', csv]);
    expect(half.status).toBe(2);
    expect(half.stderr).toContain('--task and --from go together');
  });
});
