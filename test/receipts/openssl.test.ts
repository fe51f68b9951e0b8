// Third-party verifiability: a receipt signature checks out with the openssl command line tool,
// given only the canonical body bytes and the public key from the receipt (docs/validators.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/benchmark/canonical.ts';
import { buildReceipt } from '../../src/receipts/receipt.ts';
import { generateKeyPair, signReceipt } from '../../src/receipts/sign.ts';
import { buildScoreResult, receiptExtra } from './fixture.ts';

const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const hasOpenssl = probe.status === 0 && /OpenSSL 3/.test(probe.stdout);
if (!hasOpenssl) console.warn('skipping openssl cross-check: OpenSSL 3 command line tool not found');

describe.skipIf(!hasOpenssl)('openssl cross-check', () => {
  it('openssl pkeyutl verifies the Ed25519 signature over the canonical body, and rejects an edited body', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-openssl-'));
    const signed = signReceipt(buildReceipt(buildScoreResult(), receiptExtra()), generateKeyPair().privateKeyPem);
    writeFileSync(join(dir, 'pub.pem'), signed.signature!.publicKey);
    writeFileSync(join(dir, 'sig.bin'), Buffer.from(signed.signature!.value, 'base64'));
    writeFileSync(join(dir, 'body.json'), canonicalize(signed.body));
    const verify = (file: string) =>
      spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', file, '-sigfile', 'sig.bin'], {
        cwd: dir,
        encoding: 'utf8',
      });
    const ok = verify('body.json');
    expect(ok.stdout + ok.stderr).toMatch(/Signature Verified Successfully/);
    expect(ok.status).toBe(0);
    const edited = structuredClone(signed.body);
    edited.rows[0].reward = '1';
    writeFileSync(join(dir, 'edited.json'), canonicalize(edited));
    expect(verify('edited.json').status).not.toBe(0);
  });
});
