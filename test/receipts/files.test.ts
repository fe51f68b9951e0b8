import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { readReceiptFile, runVerify, writeReceiptFile } from '../../src/receipts/files.ts';
import { buildReceipt } from '../../src/receipts/receipt.ts';
import { signReceipt, writeKeyPair, loadPrivateKey } from '../../src/receipts/sign.ts';
import { buildScoreResult, receiptExtra } from './fixture.ts';

describe('receipt files and runVerify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-receipts-'));
  const keys = writeKeyPair(join(dir, 'v.pem'));
  const result = buildScoreResult();
  const path = join(dir, 'receipt.json');
  writeReceiptFile(path, signReceipt(buildReceipt(result, receiptExtra()), loadPrivateKey(keys.privatePath)));

  it('writes canonical text that reads back', () => {
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(readReceiptFile(path).canonical).toBe(true);
    expect(() => readReceiptFile(join(dir, 'missing.json'))).toThrow(ArbiterError);
  });

  it('passes with the right key and a bit-identical re-score, printing a verdict', async () => {
    const out = await runVerify({ receiptPath: path, keyPath: keys.publicPath, rescore: async () => buildScoreResult({ chunks: 2 }) });
    expect(out.exitCode).toBe(0);
    expect(out.lines.at(-1)).toBe('verified');
    expect(out.lines).toContain('re-score: every score bit-identical');
  });

  it('fails with exit 4 and one line per difference', async () => {
    const off = buildScoreResult({ noise: [0.1, 0.5, 0.30000001, 0] });
    const out = await runVerify({ receiptPath: path, rescore: async () => off });
    expect(out.exitCode).toBe(4);
    expect(out.report.code).toBe('E_RECEIPT_MISMATCH');
    expect(out.lines.filter((l) => l.startsWith('  ')).length).toBe(out.report.differences.length);
    expect(out.lines.some((l) => /carol mse: expected [0-9.e-]+, found [0-9.e-]+/.test(l))).toBe(true);
    expect(out.lines.at(-1)).toBe('FAILED: E_RECEIPT_MISMATCH (exit 4)');
  });

  it('a flipped digit in the file gives E_RECEIPT_TAMPERED', async () => {
    const text = readFileSync(path, 'utf8');
    const at = text.indexOf('"mse":') + 8; // a digit inside the first score
    const flipped = join(dir, 'flipped.json');
    writeFileSync(flipped, text.slice(0, at) + String((Number(text[at]) + 1) % 10) + text.slice(at + 1));
    const out = await runVerify({ receiptPath: flipped });
    expect(out.report.code).toBe('E_RECEIPT_TAMPERED');
    expect(out.exitCode).toBe(4);
    expect(out.lines[0]).toMatch(/^integrity: FAILED, body hashes to [0-9a-f]{64}, receipt records [0-9a-f]{64}$/);
  });

  it('a signature by another key fails with E_RECEIPT_SIGNATURE', async () => {
    const other = writeKeyPair(join(dir, 'other.pem'));
    const out = await runVerify({ receiptPath: path, keyPath: other.publicPath });
    expect(out.report.code).toBe('E_RECEIPT_SIGNATURE');
    expect(out.lines[1]).toMatch(/^signature: wrong-key/);
  });
});
