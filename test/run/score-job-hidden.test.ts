// `arbiter score` on hidden sets the host protects: an encrypted set is decrypted in memory only
// and scores exactly like its plaintext; a wrong key, a modified file or a wrong Merkle root stops
// the job before any run is created; no output or error carries a row (every row has a marker).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { score, type ScoreResult } from '../../src/run/index.ts';
import { KEY_ENV_VAR } from '../../src/data/encryption.ts';
import { Store } from '../../src/store/store.ts';
import { goodModel } from '../models/admission/fixtures.ts';
import { SECRET } from '../hostile/datasets.ts';
import { tempDir } from '../helpers.ts';
import { writeHiddenBench } from './fixtures/hidden-bench.ts';

const KEY = Buffer.alloc(32, 0x5a);
const OTHER_KEY = Buffer.alloc(32, 0x3c);

function submissions(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const a = path.join(dir, 'ann.onnx');
  const b = path.join(dir, 'bo.onnx');
  writeFileSync(a, goodModel(1));
  writeFileSync(b, goodModel(5));
  return [a, b];
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try { await p; } catch (e) { return e as { code: string; message: string }; }
  throw new Error('expected the job to fail');
}

function runCount(db: string): number {
  if (!existsSync(db)) return 0;
  const s = Store.open(db);
  // run ids start at 1: no run 1 means the job stopped before creating one
  try { return s.run(1) ? 1 : 0; } finally { s.close(); }
}

afterEach(() => { delete process.env[KEY_ENV_VAR]; });

describe('encrypted hidden sets in arbiter score', () => {
  it('scores an encrypted set exactly like its plaintext, with the key from a file or the environment', async () => {
    const dir = tempDir();
    const subs = submissions(path.join(dir, 'subs'));
    const plainDir = path.join(dir, 'plain'); mkdirSync(plainDir);
    const encDir = path.join(dir, 'enc'); mkdirSync(encDir);
    await writeHiddenBench(plainDir, { commitment: true });
    const enc = await writeHiddenBench(encDir, { key: KEY, commitment: true });
    expect(readFileSync(enc.data).includes(Buffer.from(SECRET))).toBe(false);
    const keyFile = path.join(dir, 'k.hex');
    writeFileSync(keyFile, `${KEY.toString('hex')}\n`);

    const plain = await score({ benchmark: plainDir, submissions: subs, workers: 1, db: path.join(dir, 'p.db') });
    const viaFile = await score({ benchmark: encDir, submissions: subs, workers: 1, db: path.join(dir, 'e.db'), datasetKeyFile: keyFile });
    process.env[KEY_ENV_VAR] = KEY.toString('hex');
    const viaEnv = await score({ benchmark: encDir, submissions: subs, workers: 2, db: path.join(dir, 'v.db') });
    const rows = (r: ScoreResult) => JSON.stringify(r.rows);
    expect(plain.rows.map((r) => r.status)).toEqual(['scored', 'scored']);
    expect(rows(viaFile)).toBe(rows(plain));
    expect(rows(viaEnv)).toBe(rows(plain));
    // the fingerprint names the plaintext, so a receipt does not depend on the (random-nonce) encryption
    expect(viaFile.run.fingerprint.datasetSha256).toBe(enc.sha256);
    for (const r of [plain, viaFile, viaEnv]) expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('refuses a missing key, a wrong key and a modified file before any run is created', async () => {
    const dir = tempDir();
    const subs = submissions(path.join(dir, 'subs'));
    const enc = await writeHiddenBench(dir, { key: KEY });
    const db = path.join(dir, 's.db');

    const missing = await failure(score({ benchmark: dir, submissions: subs, workers: 1, db }));
    expect(missing.code).toBe('E_DATASET_KEY');
    expect(missing.message).toContain(KEY_ENV_VAR);
    expect(missing.message).toContain('--dataset-key-file');

    const wrongFile = path.join(dir, 'wrong.hex');
    writeFileSync(wrongFile, OTHER_KEY.toString('hex'));
    const wrong = await failure(score({ benchmark: dir, submissions: subs, workers: 1, db, datasetKeyFile: wrongFile }));
    expect(wrong.code).toBe('E_DATASET_KEY');
    expect(wrong.message).not.toContain(OTHER_KEY.toString('hex'));

    process.env[KEY_ENV_VAR] = 'not-a-key';
    expect((await failure(score({ benchmark: dir, submissions: subs, workers: 1, db }))).code).toBe('E_DATASET_KEY');
    process.env[KEY_ENV_VAR] = KEY.toString('hex');

    const bytes = readFileSync(enc.data);
    bytes[bytes.length - 5]! ^= 0x01;
    writeFileSync(enc.data, bytes);
    const corrupt = await failure(score({ benchmark: dir, submissions: subs, workers: 1, db }));
    expect(corrupt.code).toBe('E_DATASET_CORRUPT');

    for (const e of [missing, wrong, corrupt]) expect(e.message).not.toContain(SECRET);
    expect(runCount(db)).toBe(0);
  });

  it('says so when an encrypted file is scored without dataset.encrypted', async () => {
    const dir = tempDir();
    const subs = submissions(path.join(dir, 'subs'));
    const enc = await writeHiddenBench(dir, { key: KEY });
    writeFileSync(path.join(dir, 'benchmark.yaml'), enc.yaml.replace('  encrypted: true\n', ''));
    const e = await failure(score({ benchmark: dir, submissions: subs, workers: 1, db: path.join(dir, 's.db') }));
    expect(e.code).toBe('E_DATASET_INVALID');
    expect(e.message).toContain('dataset.encrypted: true');
  });
});

describe('dataset.commitment in arbiter score', () => {
  it('scores when the Merkle root matches and refuses another root before any run is created', async () => {
    const dir = tempDir();
    const subs = submissions(path.join(dir, 'subs'));
    const good = await writeHiddenBench(dir, { commitment: true });
    const ok = await score({ benchmark: dir, submissions: subs, workers: 1, db: path.join(dir, 'a.db') });
    expect(ok.rows.every((r) => r.status === 'scored')).toBe(true);

    const otherRoot = good.root.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    await writeHiddenBench(dir, { commitment: otherRoot });
    const db = path.join(dir, 'b.db');
    const e = await failure(score({ benchmark: dir, submissions: subs, workers: 1, db }));
    expect(e.code).toBe('E_DATASET_COMMITMENT');
    expect(e.message).toContain(otherRoot);
    expect(e.message).toContain(good.root);
    expect(e.message).not.toContain(SECRET);
    expect(runCount(db)).toBe(0);
  });

  it('refuses a malformed root in the spec', async () => {
    const dir = tempDir();
    await writeHiddenBench(dir, { commitment: 'abc' });
    const e = await failure(score({ benchmark: dir, submissions: submissions(path.join(dir, 'subs')), workers: 1, db: path.join(dir, 'a.db') }));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toContain('dataset.commitment');
  });
});
