import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float32, Int64, RecordBatchReader, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { commitDataset } from '../../src/data/commitment.ts';
import {
  HEADER_BYTES, KEY_ENV_VAR, decryptToBuffer, encryptFile, generateDatasetKey, isEncryptedFile, loadDatasetKey, parseKey,
} from '../../src/data/encryption.ts';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-enc-'));
const SECRET = 'hidden-label-zebra';
const KEY_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const key = Buffer.from(KEY_HEX, 'hex');

function writeDataset(name: string, n = 50): string {
  const ids = Array.from({ length: n }, (_, i) => BigInt(i));
  const t = new Table({
    id: vectorFromArray(ids, new Int64()),
    x: vectorFromArray(ids.map((i) => Number(i) * 0.25), new Float32()),
    label: vectorFromArray(ids.map((i) => `${SECRET}-${i}`), new Utf8()),
  });
  const p = join(dir, name);
  writeFileSync(p, tableToIPC(t, 'stream'));
  return p;
}

function codeOf(f: () => unknown): string {
  try { f(); return 'none'; } catch (e) { return (e as { code: string }).code; }
}

function messageOf(f: () => unknown): string {
  try { f(); return ''; } catch (e) { return (e as Error).message; }
}

describe('encryptFile / decryptToBuffer', () => {
  it('round-trips an Arrow stream byte for byte, and the commitment is unchanged', async () => {
    const plain = writeDataset('plain.arrows');
    const enc = join(dir, 'plain.arrows.enc');
    const { bytes } = await encryptFile(plain, enc, key);
    const orig = readFileSync(plain);
    expect(bytes).toBe(orig.length + HEADER_BYTES);
    const encBytes = readFileSync(enc);
    expect(encBytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(isEncryptedFile(enc)).toBe(true);
    expect(isEncryptedFile(plain)).toBe(false);
    const out = decryptToBuffer(enc, key);
    expect(out.equals(orig)).toBe(true);
    const a = await commitDataset(RecordBatchReader.from(orig));
    const b = await commitDataset(RecordBatchReader.from(out));
    expect(b.root).toBe(a.root);
  });

  it('uses a fresh nonce per encryption (two encryptions of one file differ)', async () => {
    const plain = writeDataset('twice.arrows');
    await encryptFile(plain, join(dir, 't1.enc'), key);
    await encryptFile(plain, join(dir, 't2.enc'), key);
    expect(readFileSync(join(dir, 't1.enc')).equals(readFileSync(join(dir, 't2.enc')))).toBe(false);
  });

  it('refuses a wrong key with E_DATASET_KEY and a modified file with E_DATASET_CORRUPT, leaking no data', async () => {
    const plain = writeDataset('tamper.arrows');
    const enc = join(dir, 'tamper.enc');
    await encryptFile(plain, enc, key);
    const wrong = Buffer.from(key); wrong[0] ^= 1;
    expect(codeOf(() => decryptToBuffer(enc, wrong))).toBe('E_DATASET_KEY');
    const good = readFileSync(enc);
    const variants: Array<[string, Buffer]> = [];
    // Flip one bit at many positions: header fields, ciphertext start, middle and end, and the tag.
    for (const pos of [0, 8, 9, 10, 12, 20, 24, 40, 56, 60, 71, HEADER_BYTES, HEADER_BYTES + 100, good.length - 1]) {
      const b = Buffer.from(good); b[pos] ^= 0x10; variants.push([`flip@${pos}`, b]);
    }
    variants.push(['truncated', good.subarray(0, good.length - 1)]);
    variants.push(['truncated-header', good.subarray(0, 40)]);
    variants.push(['extended', Buffer.concat([good, Buffer.from([0])])]);
    variants.push(['zero-bytes', Buffer.alloc(0)]);
    variants.push(['plain-arrow', readFileSync(plain)]);
    const codes: Record<string, string> = {};
    for (const [name, bytes] of variants) {
      const p = join(dir, `${name}.enc`);
      writeFileSync(p, bytes);
      codes[name] = codeOf(() => decryptToBuffer(p, key));
      expect(messageOf(() => decryptToBuffer(p, key))).not.toContain(SECRET);
    }
    for (const [name, code] of Object.entries(codes)) {
      // A flip inside the key-check field (bytes 32..55) is indistinguishable from a wrong key.
      expect([name, code]).toEqual([name, name === 'flip@40' ? 'E_DATASET_KEY' : 'E_DATASET_CORRUPT']);
    }
    expect(Object.keys(codes).length).toBe(19);
  });
});

describe('loadDatasetKey', () => {
  it('reads a hex key from a key file or ARBITER_DATASET_KEY, file first', () => {
    const kf = join(dir, 'key.hex');
    writeFileSync(kf, `${KEY_HEX}\n`);
    expect(loadDatasetKey({ keyFile: kf, env: {} }).equals(key)).toBe(true);
    const other = generateDatasetKey();
    expect(loadDatasetKey({ env: { [KEY_ENV_VAR]: other } }).toString('hex')).toBe(other);
    expect(loadDatasetKey({ keyFile: kf, env: { [KEY_ENV_VAR]: other } }).equals(key)).toBe(true);
  });

  it('refuses missing and malformed keys with E_DATASET_KEY, never echoing the key', () => {
    expect(codeOf(() => loadDatasetKey({ env: {} }))).toBe('E_DATASET_KEY');
    expect(codeOf(() => loadDatasetKey({ keyFile: join(dir, 'missing.hex'), env: {} }))).toBe('E_DATASET_KEY');
    const almost = KEY_HEX.slice(0, 62) + 'zz';
    expect(codeOf(() => parseKey(almost, 'x'))).toBe('E_DATASET_KEY');
    expect(messageOf(() => parseKey(almost, 'x'))).not.toContain(almost.slice(0, 20));
    expect(codeOf(() => loadDatasetKey({ env: { [KEY_ENV_VAR]: KEY_HEX.slice(2) } }))).toBe('E_DATASET_KEY');
  });
});
