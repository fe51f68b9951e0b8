// `arbiter dataset keygen | encrypt | commit | reveal | sample` run in process (test/cli-in-process.ts:
// the same output and exit code as a child): exit codes, outputs, and that the key never appears
// on the command line or in any output.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RecordBatchReader, tableToIPC, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { commitDataset } from '../../src/data/commitment.ts';
import { decryptToBuffer } from '../../src/data/encryption.ts';
import { datasetTable, SECRET } from '../hostile/datasets.ts';
import { arbiterInProcess } from '../cli-in-process.ts';
import { tempDir } from '../helpers.ts';

function arbiter(args: string[], cwd: string, env: Record<string, string> = {}) {
  return arbiterInProcess(['dataset', ...args], { cwd, env: { ARBITER_DATASET_KEY: undefined, ...env } });
}

describe('arbiter dataset (in process)', () => {
  const dir = tempDir();
  const hidden = path.join(dir, 'hidden.arrow');
  const plain = tableToIPC(datasetTable({ ids: Array.from({ length: 50 }, (_, i) => BigInt(i * 2)) }), 'stream');
  writeFileSync(hidden, plain);

  it('keygen writes a 600 key file and never overwrites it; encrypt + commit with the key from a file or the environment', async () => {
    const key = path.join(dir, 'k.key');
    const g = await arbiter(['keygen', '-o', key], dir);
    expect(g.code, g.stderr).toBe(0);
    const hex = readFileSync(key, 'utf8').trim();
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(g.stdout + g.stderr).not.toContain(hex);
    const again = await arbiter(['keygen', '-o', key], dir);
    expect(again.code).toBe(2);
    expect(readFileSync(key, 'utf8').trim()).toBe(hex);

    const enc = path.join(dir, 'hidden.arrow.enc');
    const e = await arbiter(['encrypt', hidden, '-o', enc, '--key-file', key, '--json'], dir);
    expect(e.code, e.stderr).toBe(0);
    const out = JSON.parse(e.stdout) as { sha256: string; bytes: number };
    expect(out.bytes).toBe(statSync(enc).size);
    expect(readFileSync(enc).includes(Buffer.from(SECRET))).toBe(false);
    expect(Buffer.compare(decryptToBuffer(enc, Buffer.from(hex, 'hex')), Buffer.from(plain))).toBe(0);
    expect(e.stdout + e.stderr).not.toContain(hex);

    const want = await commitDataset(RecordBatchReader.from(plain) as unknown as Iterable<RecordBatch>);
    const c1 = await arbiter(['commit', hidden], dir);
    expect(c1.code, c1.stderr).toBe(0);
    expect(c1.stdout.split('\n')[0]).toBe(want.root);
    const c2 = await arbiter(['commit', enc, '--json'], dir, { ARBITER_DATASET_KEY: hex });
    expect(c2.code, c2.stderr).toBe(0);
    expect(JSON.parse(c2.stdout)).toMatchObject({ root: want.root, rowCount: 50 });
    const noKey = await arbiter(['commit', enc], dir);
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain('E_DATASET_KEY');
    const wrong = path.join(dir, 'wrong.key');
    writeFileSync(wrong, 'ab'.repeat(32));
    const w = await arbiter(['commit', enc, '--key-file', wrong], dir);
    expect(w.code).toBe(3);
    expect(w.stderr).toContain('E_DATASET_KEY');
    const noEncKey = await arbiter(['encrypt', hidden, '-o', path.join(dir, 'x.enc')], dir);
    expect(noEncKey.code).toBe(3);
    expect(noEncKey.stderr).toContain('ARBITER_DATASET_KEY');
    // there is no option that takes the key itself
    expect((await arbiter(['encrypt', hidden, '-o', path.join(dir, 'y.enc'), '--key', hex], dir)).code).toBe(2);
  });

  it('reveal exits 0 for the committed file and 3 (E_DATASET_COMMITMENT) for any other', async () => {
    const want = await commitDataset(RecordBatchReader.from(plain) as unknown as Iterable<RecordBatch>);
    const ok = await arbiter(['reveal', hidden, '--root', want.root], dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('match');
    const other = path.join(dir, 'other.arrow');
    writeFileSync(other, tableToIPC(datasetTable({ ids: Array.from({ length: 49 }, (_, i) => BigInt(i * 2)) }), 'stream'));
    const bad = await arbiter(['reveal', other, '--root', want.root, '--json'], dir);
    expect(bad.code).toBe(3);
    expect(JSON.parse(bad.stdout).error.code).toBe('E_DATASET_COMMITMENT');
    expect(bad.stdout + bad.stderr).not.toContain(SECRET);
    expect((await arbiter(['reveal', hidden, '--root', 'xyz'], dir)).code).toBe(2);
  });

  it('sample draws N rows from the pool, refuses overlap with the hidden set, and is reproducible', async () => {
    const pool = path.join(dir, 'pool.arrow');
    writeFileSync(pool, tableToIPC(datasetTable({ ids: Array.from({ length: 80 }, (_, i) => BigInt(i * 2 + 1)) }), 'stream'));
    const s1 = path.join(dir, 's1.arrow');
    const s2 = path.join(dir, 's2.arrow');
    const a = await arbiter(['sample', pool, '--rows', '10', '--seed', 'pub-2026', '--hidden', hidden, '-o', s1], dir);
    expect(a.code, a.stderr).toBe(0);
    expect((await arbiter(['sample', pool, '--rows', '10', '--seed', 'pub-2026', '-o', s2], dir)).code).toBe(0);
    expect(readFileSync(s1).equals(readFileSync(s2))).toBe(true);
    const t = [...RecordBatchReader.from(readFileSync(s1))];
    expect(t.reduce((n, b) => n + b.numRows, 0)).toBe(10);
    // the pool overlapping the hidden set (the hidden set itself as the pool) is refused
    const o = await arbiter(['sample', hidden, '--rows', '5', '--seed', 'x', '--hidden', hidden, '-o', path.join(dir, 's3.arrow')], dir);
    expect(o.code).toBe(3);
    expect(o.stderr).toContain('E_DATASET_INVALID');
    expect(o.stderr).not.toContain(SECRET);
  });
});
