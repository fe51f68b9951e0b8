import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { canonicalize, sha256Hex } from '../../src/benchmark/canonical.ts';
import { compareJobFields, compareScores, formatDifference } from '../../src/receipts/compare.ts';
import { buildReceipt, decodeScore, encodeScore, hashBody, parseReceipt, serializeReceipt } from '../../src/receipts/receipt.ts';
import type { ScoreResult } from '../../src/receipts/score-result.ts';
import { generateKeyPair, loadPrivateKey, loadPublicKey, signReceipt, verifyReceiptSignature, writeKeyPair } from '../../src/receipts/sign.ts';
import { verifyReceipt, verifyReceiptText } from '../../src/receipts/verify.ts';
import { buildScoreResult, receiptExtra, SPEC } from './fixture.ts';

const clone = (r: ScoreResult): ScoreResult => structuredClone(r);

describe('receipt building and parsing', () => {
  it('holds spec hash, dataset commitment, every submission, score, rank, reward, fingerprint and a body sha256', () => {
    const result = buildScoreResult();
    const receipt = buildReceipt(result, receiptExtra());
    const b = receipt.body;
    expect(b.benchmark.specHash).toBe(result.benchmark.specHash);
    expect(b.dataset.sha256).toBe(result.run.fingerprint.datasetSha256);
    // the submission set is canonical (by hash); submittedSeq keeps the run's order
    expect(b.inputs.submissions.map((s) => s.submission)).toEqual([...b.inputs.submissions.map((s) => s.submission)].sort());
    expect(Object.fromEntries(b.inputs.submissions.map((s) => [s.participant, s.submittedSeq]))).toEqual({ bob: 0, carol: 1, alice: 2, dave: 3 });
    expect(b.spec).toEqual(JSON.parse(JSON.stringify(SPEC)));
    expect(b.rows.map((r) => [r.participant, r.rank, r.reward])).toEqual(result.rows.map((r) => [r.participant, r.rank, r.reward]));
    expect(b.rows.map((r) => r.reward)).toEqual(['388727', '330418', '280855', '0']);
    expect(receipt.sha256).toBe(sha256Hex(canonicalize(b)));
    expect(receipt.signature).toBeNull();
    const text = serializeReceipt(receipt);
    expect(text.startsWith('{"body":{"benchmark":{')).toBe(true);
    const parsed = parseReceipt(text);
    expect(parsed.canonical).toBe(true);
    expect(parseReceipt(text.replace(/\n$/, '\r\n')).canonical).toBe(true); // a CRLF checkout
    expect(parseReceipt(text + '\n').canonical).toBe(false);
    expect(parsed.receipt).toEqual(receipt);
    // scores round-trip bit-exactly through the file
    parsed.receipt.body.rows.forEach((r, i) => {
      for (const [k, v] of Object.entries(result.rows[i].scores)) expect(Object.is(decodeScore(r.scores[k]), v)).toBe(true);
    });
  });

  it('writes -0, NaN and infinities so they round-trip (JSON numbers cannot)', () => {
    for (const x of [-0, 0, NaN, Infinity, -Infinity, 5e-324, -1.7976931348623157e308]) {
      const back = decodeScore(JSON.parse(canonicalize(encodeScore(x))));
      expect(Object.is(back, x)).toBe(true);
    }
  });

  it('rejects non-receipts with E_RECEIPT_INVALID and broken receipts with E_RECEIPT_TAMPERED', () => {
    const code = (text: string) => {
      try {
        parseReceipt(text);
        return 'parsed';
      } catch (err) {
        return (err as ArbiterError).code;
      }
    };
    expect(code('not json')).toBe('E_RECEIPT_INVALID');
    expect(code('{"a":1}')).toBe('E_RECEIPT_INVALID');
    const text = serializeReceipt(buildReceipt(buildScoreResult(), receiptExtra()));
    expect(code(text.replace('"format":"arbiter-receipt/2"', '"format":"arbiter-receipt/1"'))).toBe('E_RECEIPT_TAMPERED');
    expect(code(text.slice(0, 200))).toBe('E_RECEIPT_TAMPERED');
  });
});

describe('keys and signatures', () => {
  it('keygen writes PEM files (private 0600), never overwrites, and loads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-keys-'));
    const priv = join(dir, 'validator.pem');
    const out = writeKeyPair(priv);
    expect(out.publicPath).toBe(join(dir, 'validator.pub.pem'));
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    expect(readFileSync(priv, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(out.publicPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(loadPrivateKey(priv).asymmetricKeyType).toBe('ed25519');
    expect(loadPublicKey(out.publicPath).asymmetricKeyType).toBe('ed25519');
    expect(() => writeKeyPair(priv)).toThrow(/never overwrites/);
    expect(() => loadPrivateKey(join(dir, 'missing.pem'))).toThrow(ArbiterError);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(join(dir, 'rsa.pem'), rsa);
    try {
      loadPrivateKey(join(dir, 'rsa.pem'));
      expect.unreachable();
    } catch (err) {
      expect((err as ArbiterError).code).toBe('E_RECEIPT_KEY');
      expect((err as Error).message).toMatch(/expected an Ed25519 key .* found rsa/);
    }
  });

  it('sign -> signature valid; another key -> wrong-key; edited body -> invalid', () => {
    const keys = generateKeyPair();
    const signed = signReceipt(buildReceipt(buildScoreResult(), receiptExtra()), keys.privateKeyPem);
    expect(signed.signature?.keyId).toBe(keys.keyId);
    expect(verifyReceiptSignature(signed).status).toBe('valid');
    expect(verifyReceiptSignature(signed, keys.publicKeyPem).status).toBe('valid');
    expect(verifyReceiptSignature(signed, generateKeyPair().publicKeyPem).status).toBe('wrong-key');
    // the expected key may also be a public or private KeyObject
    expect(verifyReceiptSignature(signed, createPublicKey(keys.publicKeyPem)).status).toBe('valid');
    expect(verifyReceiptSignature(signed, createPrivateKey(keys.privateKeyPem)).status).toBe('valid');
    const edited = structuredClone(signed);
    edited.body.rows[0].reward = '999999';
    expect(verifyReceiptSignature(edited).status).toBe('invalid');
    // swapping in another key (and its id) does not help a forger: the signature no longer matches
    const other = generateKeyPair();
    const swapped = structuredClone(signed);
    swapped.signature = { ...swapped.signature!, publicKey: other.publicKeyPem, keyId: other.keyId };
    expect(verifyReceiptSignature(swapped).status).toBe('invalid');
    expect(verifyReceiptSignature(buildReceipt(buildScoreResult(), receiptExtra())).status).toBe('absent');
  });
});

describe('verify', () => {
  const keys = generateKeyPair();
  const result = buildScoreResult();
  const text = serializeReceipt(signReceipt(buildReceipt(result, receiptExtra()), keys.privateKeyPem));

  it('sign -> verify passes (exit 0) when the re-score is bit-identical', async () => {
    // the re-score groups and sums rows differently (as 2 workers would) and runs on another CPU label
    const rescored = buildScoreResult({ chunks: 5, cpu: 'Other CPU' });
    let calls = 0;
    const report = await verifyReceiptText(text, {
      publicKey: keys.publicKeyPem,
      rescore: async (receipt) => {
        calls++;
        expect(receipt.body.inputs.submissions).toHaveLength(4);
        return rescored;
      },
    });
    expect(calls).toBe(1);
    expect(report).toMatchObject({ ok: true, code: null, exitCode: 0, rescored: true, differences: [] });
    expect(report.signature.status).toBe('valid');
    expect(report.fingerprint).toEqual([{ field: 'cpu', expected: 'Test CPU', found: 'Other CPU' }]);
  });

  it('flipping any one digit of the body fails with E_RECEIPT_TAMPERED (exit 4) and does not re-score', async () => {
    const bodyEnd = text.lastIndexOf('},"sha256":"');
    const digits = [...text.slice(0, bodyEnd)].flatMap((ch, i) => (ch >= '0' && ch <= '9' ? [i] : []));
    expect(digits.length).toBeGreaterThan(500);
    // every 7th digit position keeps the test quick while touching scores, hashes, ranks and rewards
    for (const i of digits.filter((_, k) => k % 7 === 0)) {
      const flipped = text.slice(0, i) + String((Number(text[i]) + 1) % 10) + text.slice(i + 1);
      let code: string;
      try {
        const report = await verifyReceiptText(flipped, {
          rescore: async () => {
            throw new Error('a tampered receipt must not be re-scored');
          },
        });
        code = report.code ?? 'ok';
        expect(report.exitCode).toBe(4);
      } catch (err) {
        code = (err as ArbiterError).code;
      }
      expect(code, `digit at ${i}`).toBe('E_RECEIPT_TAMPERED');
    }
  });

  it('a body edited with a recomputed sha256 is caught by the signature (E_RECEIPT_SIGNATURE)', async () => {
    const { receipt } = parseReceipt(text);
    receipt.body.rows[0].reward = '1000000';
    receipt.sha256 = sha256Hex(canonicalize(receipt.body));
    const report = await verifyReceiptText(serializeReceipt(receipt));
    expect(report.integrity.ok).toBe(true);
    expect(report).toMatchObject({ ok: false, code: 'E_RECEIPT_SIGNATURE', exitCode: 4 });
  });

  it('a non-canonical file (pretty-printed) counts as tampered', async () => {
    const pretty = JSON.stringify(JSON.parse(text), null, 2);
    const report = await verifyReceiptText(pretty);
    expect(report.integrity).toMatchObject({ canonical: false, ok: false });
    expect(report.code).toBe('E_RECEIPT_TAMPERED');
  });

  it('an unsigned receipt passes unless a signature is required', async () => {
    const unsigned = serializeReceipt(buildReceipt(result, receiptExtra()));
    expect((await verifyReceiptText(unsigned, { rescore: async () => result })).ok).toBe(true);
    expect((await verifyReceiptText(unsigned, { requireSignature: true })).code).toBe('E_RECEIPT_SIGNATURE');
  });

  it('a re-score one ulp off lists (submission, metric, expected, found) and fails with E_RECEIPT_MISMATCH', async () => {
    const off = clone(result);
    const bob = off.rows.find((r) => r.participant === 'bob')!;
    const before = bob.scores.mse;
    bob.scores.mse = before + before * Number.EPSILON;
    bob.splitScores.private.mse = -0;
    const report = await verifyReceiptText(text, { rescore: async () => off });
    expect(report).toMatchObject({ ok: false, code: 'E_RECEIPT_MISMATCH', exitCode: 4 });
    expect(report.differences).toEqual([
      { submission: bob.submission, participant: 'bob', metric: 'mse', split: null, expected: String(before), found: String(bob.scores.mse) },
      {
        submission: bob.submission,
        participant: 'bob',
        metric: 'mse',
        split: 'private',
        expected: String(result.rows.find((r) => r.participant === 'bob')!.splitScores.private.mse),
        found: '-0',
      },
    ]);
    expect(formatDifference(report.differences[0])).toMatch(/bob mse: expected .*, found /);
  });
});

describe('compareScores', () => {
  const result = buildScoreResult();
  const receipt = buildReceipt(result, receiptExtra());

  it('two real results computed along different paths compare equal', () => {
    expect(compareScores(receipt, buildScoreResult({ chunks: 3 }))).toEqual([]);
    expect(compareScores(receipt, buildScoreResult({ chunks: 64 }))).toEqual([]);
  });

  it('a genuinely different result (another model noise) differs in scores and ranks', () => {
    const other = buildScoreResult({ noise: [0.1, 0.5, 0.31, 0] });
    const diffs = compareScores(receipt, other);
    expect(diffs.some((d) => d.participant === 'carol' && d.metric === 'mse' && d.split === null)).toBe(true);
    expect(diffs.every((d) => d.participant === 'carol' || d.metric === 'reward')).toBe(true);
  });

  it('reports status, rank, error, reward, missing and extra rows, spec and dataset changes', () => {
    const f = clone(result);
    f.benchmark.specHash = 'x'.repeat(64);
    f.run.fingerprint.datasetSha256 = 'y'.repeat(64);
    f.rows[0].rank = 2;
    f.rows[0].reward = '1';
    f.rows[3].status = 'duplicate';
    f.rows[3].error = null;
    f.rows.splice(1, 1);
    f.rows.push({ ...f.rows[0], participant: 'eve', rank: null, status: 'failed', scores: {}, splitScores: {}, error: null });
    const metrics = compareScores(receipt, f).map((d) => `${d.participant ?? '-'}:${d.metric}`);
    expect(metrics).toEqual(['-:specHash', '-:datasetSha256', 'alice:rank', 'alice:reward', 'carol:row', 'dave:status', 'dave:error', 'eve:row']);
    // a re-score without rewards (the spec has a pool, so the engine would have paid it) differs in every reward
    const noRewards = clone(result);
    for (const r of noRewards.rows) delete r.reward;
    expect(compareScores(receipt, noRewards).map((d) => d.metric)).toEqual(['reward', 'reward', 'reward', 'reward']);
  });
});

describe('compareJobFields', () => {
  const result = buildScoreResult();
  it('re-derives ranking, rewards section, derived fingerprint fields and the submission set from the carried spec', () => {
    const forged = (edit: (r: ReturnType<typeof buildReceipt>) => void) => {
      const r = buildReceipt(result, receiptExtra());
      edit(r);
      return compareJobFields(r, result).map((d) => d.metric);
    };
    expect(forged(() => {})).toEqual([]);
    expect(forged((r) => { r.body.rewards = { ...r.body.rewards!, pool: '5000000' }; })).toEqual(['rewards']);
    expect(forged((r) => { r.body.ranking.primary = 'rmse'; })).toEqual(['ranking.primary']);
    expect(forged((r) => { r.body.fingerprint.batchSize = 8; })).toEqual(['fingerprint.batchSize']);
    expect(forged((r) => { r.body.fingerprint.cpu = 'other'; })).toEqual([]);
    expect(forged((r) => { (r.body.spec as { version: number }).version = 2; })).toEqual(['spec']);
    expect(forged((r) => { r.body.spec = null; })).toEqual(['spec']);
    expect(forged((r) => { r.body.inputs.submissions[0]!.stake = '5'; })).toEqual(['submissions.stake']);
    expect(forged((r) => { r.body.inputs.submissions.reverse(); })).toEqual(['submissions']);
    expect(forged((r) => { r.body.inputs.submissions[0]!.submittedSeq = 9; })).toEqual(['submissions.submittedSeq']);
    expect(forged((r) => { r.body.inputs.submissions.pop(); })).toEqual(['submissions.submittedSeq', 'submissions']);
    const r = buildReceipt(result, receiptExtra());
    expect(compareJobFields(r, { ...result, unlisted: [{ submission: 'e'.repeat(64), file: 'eve.onnx' }] }).map((d) => d.found)).toEqual([
      'given file eve.onnx, which the receipt does not list',
    ]);
  });

  it('verify fails when the rows are in another order than the re-score (the leaderboard order is a claim)', async () => {
    const receipt = buildReceipt(result, receiptExtra());
    receipt.body.rows.reverse();
    receipt.sha256 = hashBody(receipt.body);
    const report = await verifyReceipt(receipt, { rescore: async () => result });
    expect(report.code).toBe('E_RECEIPT_MISMATCH');
    expect(report.differences.map((d) => d.metric)).toEqual(['order']);
  });
});
