// Nothing forged passes `arbiter verify`: a real signed receipt of a small real run, then a table
// of forgeries, each with the body hash recomputed (so integrity holds) and, where the forger has
// a key, re-signed with it and verified against that very key. Each must exit 4 with its code.
// Also: verify needs only the receipt, the dataset and the submission files (another folder, an
// edited benchmark.yaml, a missing spec file).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../src/receipts/sign.ts';
import { type Receipt, hashBody, parseReceipt, serializeReceipt } from '../../src/receipts/receipt.ts';
import { signReceipt } from '../../src/receipts/sign.ts';
import { REPO, tempDir } from '../helpers.ts';
import { cli } from './cli.ts';

const DEMO = path.join(REPO, 'benchmarks/tabular-demo');
const SUBS = ['alice.onnx', 'bob.onnx', 'grace.csv', 'frank.onnx'];

let dir: string;
let honest: Receipt;
let honestFile: string;
let subFiles: string[];
let verifyArgs: string[];

/** A tampered copy: body edited, sha256 recomputed; re-signed with `key` when given, else the signature kept (or dropped with null). */
function forge(edit: (r: Receipt) => void, key?: string | null): string {
  const r = JSON.parse(JSON.stringify(honest)) as Receipt;
  edit(r);
  r.sha256 = hashBody(r.body);
  let out = r;
  if (key) out = signReceipt(r, loadPrivateKey(path.join(dir, `${key}.pem`)));
  else if (key === null) out = { ...r, signature: null };
  const file = path.join(dir, `forged-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, serializeReceipt(out));
  return file;
}

beforeAll(async () => {
  dir = tempDir('arbiter-forgeries-');
  const bench = path.join(dir, 'bench');
  mkdirSync(bench);
  copyFileSync(path.join(REPO, 'datasets/tabular-demo/hidden.arrow'), path.join(bench, 'hidden.arrow'));
  const yaml = readFileSync(path.join(DEMO, 'benchmark.yaml'), 'utf8')
    .replace('path: ../../datasets/tabular-demo/hidden.arrow', 'path: hidden.arrow')
    .replace(/ {2}publicSample: .*\n/, '')
    .replace('scheme: winner-take-all', 'scheme: top-k\n  shares: ["3", "1"]');
  writeFileSync(path.join(bench, 'benchmark.yaml'), yaml);
  mkdirSync(path.join(dir, 'subs'));
  subFiles = SUBS.map((f) => {
    copyFileSync(path.join(DEMO, 'submissions', f), path.join(dir, 'subs', f));
    return path.join(dir, 'subs', f);
  });
  for (const k of ['validator', 'mallory']) expect((await cli(['keygen', '-o', path.join(dir, `${k}.pem`)])).code).toBe(0);
  honestFile = path.join(dir, 'receipt.json');
  const s = await cli([
    'score', '-b', path.join(bench, 'benchmark.yaml'), '-s', ...subFiles, '--db', path.join(dir, 'v.db'), '--workers', '1',
    '--isolation', 'thread', '--sign', path.join(dir, 'validator.pem'), '--validator', 'v1', '--receipt', honestFile, '--json',
  ]);
  expect(s.stderr).not.toContain('arbiter: E_');
  expect(s.code).toBe(0);
  honest = parseReceipt(readFileSync(honestFile, 'utf8')).receipt;
  // The temp folder is outside the working directory: the receipt records no path of it, so verify gets the files.
  verifyArgs = ['--dataset', path.join(bench, 'hidden.arrow'), '--submissions', path.join(dir, 'subs'), '--workers', '1', '--isolation', 'thread'];
}, 300_000);

describe('verify re-derives every field it can', () => {
  it('the honest receipt verifies, with and without the validator key; it carries its spec and publishes no path of the temp store', async () => {
    const ok = await cli(['verify', honestFile, '--key', path.join(dir, 'validator.pub.pem'), '--require-signature', ...verifyArgs]);
    expect(ok.stdout).toContain('verified');
    expect(ok.code).toBe(0);
    expect((await cli(['verify', honestFile, ...verifyArgs])).code).toBe(0);
    expect(honest.body.spec).toMatchObject({ id: 'tabular-demo', rewards: { pool: '1000000', scheme: 'top-k' } });
    expect(readFileSync(honestFile, 'utf8')).not.toContain(dir);
    expect(honest.body.inputs.submissions.map((s) => s.file).sort()).toEqual([...SUBS].sort());
    const shas = honest.body.inputs.submissions.map((s) => s.submission);
    expect(shas).toEqual([...shas].sort());
  }, 120_000);

  const signedBy = { mallory: 'mallory', none: null } as const;
  const table: Array<{ name: string; edit: (r: Receipt) => void; by: keyof typeof signedBy; code: string; key?: 'validator' | 'mallory'; diff?: string }> = [
    { name: 'pool redirected to second place', by: 'mallory', key: 'mallory', code: 'E_RECEIPT_MISMATCH', diff: 'reward',
      edit: (r) => { const [a, b] = r.body.rows; [a!.reward, b!.reward] = ['0', String(BigInt(a!.reward!) + BigInt(b!.reward!))]; } },
    { name: 'pool multiplied by 5 (rewards section and rows)', by: 'mallory', key: 'mallory', code: 'E_RECEIPT_MISMATCH', diff: 'rewards',
      edit: (r) => { r.body.rewards!.pool = '5000000'; for (const x of r.body.rows) x.reward = String(BigInt(x.reward ?? '0') * 5n); } },
    { name: 'pool multiplied by 5 in the carried spec too', by: 'mallory', key: 'mallory', code: 'E_RECEIPT_MISMATCH', diff: 'spec',
      edit: (r) => { (r.body.spec!.rewards as { pool: string }).pool = '5000000'; r.body.rewards!.pool = '5000000'; for (const x of r.body.rows) x.reward = String(BigInt(x.reward ?? '0') * 5n); } },
    { name: 'winner renamed', by: 'mallory', key: 'mallory', code: 'E_RECEIPT_MISMATCH', diff: 'row',
      edit: (r) => { r.body.rows[0]!.participant = 'mallory'; } },
    // Who submitted a file is the validator's claim (verify has the files, not who sent them): a
    // rename made consistently everywhere is caught by the validator's signature, not by re-scoring.
    { name: 'winner renamed in rows and submission set, checked against the validator key', by: 'mallory', key: 'validator', code: 'E_RECEIPT_SIGNATURE',
      edit: (r) => { const w = r.body.rows[0]!; const s = r.body.inputs.submissions.find((x) => x.submission === w.submission)!; w.participant = 'mallory'; s.participant = 'mallory'; } },
    { name: 'rows reordered', by: 'mallory', key: 'mallory', code: 'E_RECEIPT_MISMATCH', diff: 'order',
      edit: (r) => { r.body.rows = [r.body.rows[1]!, r.body.rows[0]!, ...r.body.rows.slice(2)]; } },
    { name: 'ranks swapped', by: 'none', code: 'E_RECEIPT_MISMATCH', diff: 'rank',
      edit: (r) => { [r.body.rows[0]!.rank, r.body.rows[1]!.rank] = [r.body.rows[1]!.rank, r.body.rows[0]!.rank]; } },
    { name: 'a score changed by one digit', by: 'none', code: 'E_RECEIPT_MISMATCH', diff: 'log_loss',
      edit: (r) => { const s = r.body.rows[0]!.scores; s.log_loss = (s.log_loss as number) * 1.0000001; } },
    { name: 'a stake added', by: 'mallory', key: 'mallory', code: 'E_RECEIPT_MISMATCH', diff: 'submissions.stake',
      edit: (r) => { r.body.inputs.submissions[0]!.stake = '1000'; } },
    { name: 'an error message changed', by: 'none', code: 'E_RECEIPT_MISMATCH', diff: 'message',
      edit: (r) => { r.body.rows.find((x) => x.error)!.error!.message = 'rejected for no reason'; } },
    { name: 'an error code changed', by: 'none', code: 'E_RECEIPT_MISMATCH', diff: 'error',
      edit: (r) => { r.body.rows.find((x) => x.error)!.error!.code = 'E_TIMEOUT'; } },
    { name: 'ranking direction flipped', by: 'mallory', key: 'mallory', code: 'E_RECEIPT_MISMATCH', diff: 'ranking.higherIsBetter',
      edit: (r) => { r.body.ranking.higherIsBetter = !r.body.ranking.higherIsBetter; } },
    { name: 'fingerprint batch size faked', by: 'none', code: 'E_RECEIPT_MISMATCH', diff: 'fingerprint.batchSize',
      edit: (r) => { r.body.fingerprint.batchSize = 1; } },
    { name: 'a submission left out of the set', by: 'mallory', key: 'mallory', code: 'E_RECEIPT_MISMATCH', diff: 'submissions',
      edit: (r) => { const gone = r.body.rows.find((x) => x.status === 'failed')!; r.body.rows = r.body.rows.filter((x) => x !== gone); r.body.inputs.submissions = r.body.inputs.submissions.filter((x) => x.submission !== gone.submission); const seq = [...r.body.inputs.submissions].sort((a, b) => a.submittedSeq - b.submittedSeq); seq.forEach((s, i) => (s.submittedSeq = i)); } },
    { name: 'submission set not canonical', by: 'none', code: 'E_RECEIPT_MISMATCH', diff: 'submissions',
      edit: (r) => { r.body.inputs.submissions.reverse(); } },
    { name: 'validator renamed, re-signed by the forger, checked against the validator key', by: 'mallory', key: 'validator', code: 'E_RECEIPT_SIGNATURE',
      edit: (r) => { r.body.validator = 'mallory'; } },
    { name: 'signature stripped, checked against the validator key', by: 'none', key: 'validator', code: 'E_RECEIPT_SIGNATURE',
      edit: () => {} },
  ];

  for (const t of table) {
    it(`${t.name}: exit 4, ${t.code}`, async () => {
      const file = forge(t.edit, signedBy[t.by]);
      const keyArgs = t.key ? ['--key', path.join(dir, `${t.key}.pub.pem`), '--require-signature'] : [];
      const r = await cli(['verify', file, ...keyArgs, ...verifyArgs, '--json']);
      const report = JSON.parse(r.stdout) as { code: string; differences: Array<{ metric: string }> };
      expect(report.code).toBe(t.code);
      expect(r.code).toBe(4);
      if (t.diff) expect(report.differences.map((d) => d.metric)).toContain(t.diff);
    }, 120_000);
  }

  it('a machine fingerprint field (cpu) is a note, not a failure: verify cannot know the validator\'s machine', async () => {
    const file = forge((r) => { r.body.fingerprint.cpu = 'Imaginary CPU 9000'; }, null);
    const r = await cli(['verify', file, ...verifyArgs]);
    expect(r.stdout).toContain('note: fingerprint cpu differs: receipt Imaginary CPU 9000');
    expect(r.code).toBe(0);
  }, 120_000);
});

describe('self-sufficient receipts', () => {
  it('verifies after benchmark.yaml was edited in place: the receipt\'s own spec is scored', async () => {
    const yamlFile = path.join(dir, 'bench', 'benchmark.yaml');
    const before = readFileSync(yamlFile, 'utf8');
    writeFileSync(yamlFile, before.replace('pool: "1000000"', 'pool: "7"'));
    try {
      const r = await cli(['verify', honestFile, ...verifyArgs]);
      expect(r.code).toBe(0);
    } finally {
      writeFileSync(yamlFile, before);
    }
  }, 120_000);

  it('without --dataset or --submissions, the error names what is missing and the flag that gives it', async () => {
    const noData = await cli(['verify', honestFile, '--submissions', path.join(dir, 'subs'), '--isolation', 'thread']);
    expect(noData.stderr).toMatch(/E_DATASET_INVALID: verify needs the dataset the receipt commits to \(hidden\.arrow, sha256 [0-9a-f]{12}…\).*give it with --dataset <file>/);
    expect(noData.code).toBe(3);
    const noSubs = await cli(['verify', honestFile, '--dataset', path.join(dir, 'bench', 'hidden.arrow'), '--isolation', 'thread']);
    expect(noSubs.stderr).toMatch(/E_SUBMISSION_NOT_FOUND: verify needs submission [0-9a-f]{12}… of \w+ \(\w+\.(onnx|csv)\).*--submissions/);
    expect(noSubs.code).toBe(3);
  }, 120_000);

  it('an encrypted-dataset key file is a flag (--dataset-key-file), not only an environment variable', async () => {
    const r = await cli(['verify', honestFile, ...verifyArgs, '--dataset-key-file', path.join(dir, 'no-such-key')]);
    // the demo set is not encrypted: the key file is not read, and the receipt verifies
    expect(r.code).toBe(0);
  }, 120_000);
});
