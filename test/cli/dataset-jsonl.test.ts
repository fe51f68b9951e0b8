// JSONL hidden sets (chat-jsonl) through the CLI, in-process: `dataset commit / reveal / encrypt`
// exactly as for Arrow sets, single-row inclusion proofs over canonical line bytes, and a benchmark
// whose `dataset.commitment` / `dataset.encrypted` are checked by `spec validate` and `score`
// before any submission runs (a wrong root: E_DATASET_COMMITMENT; a wrong key: E_DATASET_KEY).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitJsonl, JSONL_SCHEMA_HASH, proveJsonlRows, verifyRowProof } from '../../src/data/commitment.ts';
import { jsonlRows } from '../../src/data/jsonl.ts';
import { REPO, tempDir } from '../helpers.ts';
import { arbiter } from './in-process-env.ts';

const dir = tempDir('arbiter-jsonl-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'SECRET-ANSWER';
const conv = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...extra, conversations: [{ role: 'user', content: `question ${i}` }, { role: 'assistant', content: `${SECRET} ${i}` }] });
const rows = Array.from({ length: 40 }, (_, i) => conv(i, i % 5 === 0 ? { id: `r${i}` } : {}));
const plainText = rows.join('\n') + '\n';
const plain = path.join(dir, 'chat.jsonl');
writeFileSync(plain, plainText);
const sha256 = createHash('sha256').update(plainText).digest('hex');
const keyHex = 'a1'.repeat(32);
const keyFile = path.join(dir, 'k.key');
writeFileSync(keyFile, keyHex, { mode: 0o600 });
const wrongKey = path.join(dir, 'wrong.key');
writeFileSync(wrongKey, 'b2'.repeat(32), { mode: 0o600 });

/** A chat-loss benchmark (the qwen-chat-demo spec) on a given dataset file. */
function bench(name: string, dataset: string[]): string {
  const demo = readFileSync(path.join(REPO, 'benchmarks/qwen-chat-demo/benchmark.yaml'), 'utf8');
  const yaml = demo.replace(/dataset:\n(  .*\n)+?batching:/, `dataset:\n${dataset.map((l) => `  ${l}\n`).join('')}batching:`)
    .replace('publicFraction: 0.3', 'publicFraction: 0.5');
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'benchmark.yaml'), yaml);
  return d;
}

describe('JSONL hidden sets through `arbiter dataset`', () => {
  it('commit prints the Merkle root over the rows (one leaf per non-blank line); reveal accepts the file and refuses any other', async () => {
    const want = commitJsonl(Buffer.from(plainText));
    const c = await arbiter(['dataset', 'commit', plain, '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ root: want.root, rowCount: 40, format: 'jsonl', schemaHash: JSONL_SCHEMA_HASH });
    expect((await arbiter(['dataset', 'reveal', plain, '--root', want.root])).code).toBe(0);

    // The canonical bytes of a row ignore the line terminator and surrounding whitespace ...
    const reformatted = path.join(dir, 'crlf.jsonl');
    writeFileSync(reformatted, '\n' + rows.map((r) => `  ${r} \r`).join('\n'));
    expect((await arbiter(['dataset', 'reveal', reformatted, '--root', want.root])).code).toBe(0);
    // ... but not one changed byte inside a row, a dropped row or swapped rows.
    for (const [name, text] of [
      ['edited', plainText.replace(`${SECRET} 7"`, `${SECRET} 8"`)],
      ['dropped', rows.slice(1).join('\n')],
      ['swapped', [rows[1], rows[0], ...rows.slice(2)].join('\n')],
    ] as const) {
      const f = path.join(dir, `${name}.jsonl`);
      writeFileSync(f, text);
      const r = await arbiter(['dataset', 'reveal', f, '--root', want.root, '--json']);
      expect(r.code, name).toBe(3);
      expect(JSON.parse(r.stdout).error.code).toBe('E_DATASET_COMMITMENT');
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
  });

  it('commit refuses invalid JSON and repeated ids by line number, without quoting the row', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, `${rows[0]}\n{"x": "${SECRET}"\n`);
    const r = await arbiter(['dataset', 'commit', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/E_DATASET_INVALID.*line 2: not valid JSON/);
    expect(r.stderr).not.toContain(SECRET);
    writeFileSync(bad, `${conv(1, { id: 'x' })}\n${conv(2, { id: 'x' })}\n`);
    expect((await arbiter(['dataset', 'commit', bad])).stderr).toMatch(/line 2 repeats the row id of line 1/);
  });

  it('matches an independent implementation of the documented JSONL encoding (golden root)', () => {
    // Root computed by a separate Python script written from docs/hosts.md ("JSONL rows"): BOM,
    // CRLF, a blank line and surrounding spaces are not part of any row; 3 leaves.
    const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id": "a", "x": 1}\r\n\n  {"x": 2}  \n{"id": 7, "x": [1,2]}')]);
    expect(commitJsonl(data)).toMatchObject({ rowCount: 3, root: '8873f85d6a1bddf95f927963b3d4de7653c4aa576ffdc71c62a9147e6f7ee3a8' });
  });

  it('a single row is proved by its canonical line bytes and an inclusion proof', () => {
    const bytes = Buffer.from(plainText);
    const { commitment, proofs } = proveJsonlRows(bytes, [0, 17, 39]);
    const lines = jsonlRows(bytes);
    for (const p of proofs) expect(verifyRowProof(lines[p.index]!.bytes, p, commitment.root)).toBe(true);
    expect(verifyRowProof(lines[18]!.bytes, proofs[1]!, commitment.root)).toBe(false);
    expect(verifyRowProof(Buffer.from(rows[17]!.replace('17', '71')), proofs[1]!, commitment.root)).toBe(false);
  });

  it('encrypt takes a JSONL set; commit and reveal read it with the key, and refuse without it or with another', async () => {
    const enc = path.join(dir, 'chat.jsonl.enc');
    const e = await arbiter(['dataset', 'encrypt', plain, '-o', enc, '--key-file', keyFile, '--json']);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).sha256).toBe(sha256);
    expect(readFileSync(enc).includes(Buffer.from(SECRET))).toBe(false);
    const root = commitJsonl(Buffer.from(plainText)).root;
    const c = await arbiter(['dataset', 'commit', enc, '--json'], { ARBITER_DATASET_KEY: keyHex });
    expect(JSON.parse(c.stdout)).toMatchObject({ root, format: 'jsonl' });
    expect((await arbiter(['dataset', 'reveal', enc, '--root', root, '--key-file', keyFile])).code).toBe(0);
    const none = await arbiter(['dataset', 'commit', enc]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('E_DATASET_KEY');
    const wrong = await arbiter(['dataset', 'commit', enc, '--key-file', wrongKey]);
    expect(wrong.stderr).toContain('E_DATASET_KEY');
    expect(wrong.stderr + c.stdout + e.stdout).not.toContain(keyHex);
  });
});

describe('a benchmark on a committed / encrypted JSONL set', () => {
  const root = commitJsonl(Buffer.from(plainText)).root;
  const enc = path.join(dir, 'bench.jsonl.enc');

  it('spec validate checks dataset.commitment: the committed root passes, a bogus one is E_DATASET_COMMITMENT', async () => {
    const good = bench('committed', [`path: ${plain}`, 'format: chat-jsonl', `sha256: ${sha256}`, `commitment: ${root}`]);
    const ok = await arbiter(['spec', 'validate', good, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).data[0]).toMatchObject({ set: 'live', rows: 40, commitment: true, encrypted: false });
    const bogus = bench('bogus', [`path: ${plain}`, 'format: chat-jsonl', `sha256: ${sha256}`, `commitment: ${'ab'.repeat(32)}`]);
    const r = await arbiter(['spec', 'validate', bogus, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toBe('E_DATASET_COMMITMENT');
    // --no-data checks the spec alone
    expect((await arbiter(['spec', 'validate', bogus, '--no-data'])).code).toBe(0);
  });

  it('an encrypted set is decrypted in memory with the key; no key or a wrong key is E_DATASET_KEY, also for score before any submission runs', async () => {
    expect((await arbiter(['dataset', 'encrypt', plain, '-o', enc, '--key-file', keyFile])).code).toBe(0);
    const d = bench('encrypted', [`path: ${enc}`, 'format: chat-jsonl', `sha256: ${sha256}`, `commitment: ${root}`, 'encrypted: true']);
    const before = new Set(readdirSync(dir, { recursive: true }) as string[]);
    const ok = await arbiter(['spec', 'validate', d, '--dataset-key-file', keyFile, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).data[0]).toMatchObject({ rows: 40, encrypted: true, commitment: true });
    const env = await arbiter(['spec', 'validate', d], { ARBITER_DATASET_KEY: keyHex });
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).toContain('decrypted in memory');
    // nothing was written next to the set, in clear or otherwise
    const after = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => !before.has(f));
    expect(after).toEqual([]);
    for (const args of [[], ['--dataset-key-file', wrongKey]]) {
      const r = await arbiter(['spec', 'validate', d, ...args, '--json']);
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout).error.code).toBe('E_DATASET_KEY');
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
    // score: the hidden set is opened before any submission runs, so a wrong key stops the job.
    const sub = path.join(dir, 'subs', 'empty-model');
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, 'config.json'), '{}');
    const s = await arbiter(['score', '-b', d, '-s', sub, '--db', path.join(dir, 'score.db'), '--dataset-key-file', wrongKey, '--json']);
    expect(s.code, s.stderr).toBe(3);
    expect(s.stderr).toContain('E_DATASET_KEY');
    expect(statSync(enc).size).toBeGreaterThan(0);
  });
});
