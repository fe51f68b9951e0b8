// Re-runs the job a receipt describes, in a scratch store: the same spec file, the same
// submission files in the same registration order with the same participants.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArbiterError } from '../errors.ts';
import type { Receipt } from '../receipts/receipt.ts';
import { score, type ScoreResult } from './index.ts';

export async function rescoreReceipt(receipt: Receipt, opts: { workers?: number; cwd?: string } = {}): Promise<ScoreResult> {
  const cwd = opts.cwd ?? process.cwd();
  const inputs = receipt.body.inputs;
  if (!inputs.spec.path) throw new ArbiterError('E_RECEIPT_INVALID', 'the receipt does not name its spec file, so the job cannot be re-run');
  const files = inputs.submissions.map((s) => {
    if (!s.path) throw new ArbiterError('E_RECEIPT_INVALID', `the receipt does not name the file of submission ${s.submission.slice(0, 12)}`);
    return { path: path.resolve(cwd, s.path), participant: s.participant };
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'arbiter-verify-'));
  try {
    return await score({ benchmark: path.resolve(cwd, inputs.spec.path), submissions: files, workers: opts.workers, db: path.join(dir, 'verify.db') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
