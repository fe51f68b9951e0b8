// File-level helpers for the receipt commands, so the CLI modules only parse flags and print:
// write and read receipt files, and run `verify` end to end with human-readable lines.
import { readFileSync, writeFileSync } from 'node:fs';
import { ArbiterError } from '../errors.ts';
import { formatDifference } from './compare.ts';
import { type ParsedReceipt, type Receipt, parseReceipt, serializeReceipt } from './receipt.ts';
import type { RescoredJob } from './compare.ts';
import { loadPublicKey } from './sign.ts';
import { type VerifyReport, verifyReceipt } from './verify.ts';

/** Write a receipt file (canonical JSON + newline). */
export function writeReceiptFile(path: string, receipt: Receipt): void {
  writeFileSync(path, serializeReceipt(receipt));
}

/** Read and parse a receipt file (E_RECEIPT_INVALID if unreadable or not a receipt, E_RECEIPT_TAMPERED if a broken one). */
export function readReceiptFile(path: string): ParsedReceipt {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ArbiterError('E_RECEIPT_INVALID', `cannot read receipt ${path}: ${(err as Error).message}`, { path });
  }
  return parseReceipt(text);
}

export interface RunVerifyOptions {
  receiptPath: string;
  /** PEM public key the receipt must be signed with */
  keyPath?: string;
  requireSignature?: boolean;
  /** the engine: re-run the job from the receipt's inputs; omitted = integrity and signature only */
  rescore?: (receipt: Receipt) => Promise<RescoredJob>;
}

/** `arbiter verify` without the CLI: returns the report, printable lines and the exit code. */
export async function runVerify(opts: RunVerifyOptions): Promise<{ report: VerifyReport; lines: string[]; exitCode: number }> {
  const { receipt, canonical } = readReceiptFile(opts.receiptPath);
  const publicKey = opts.keyPath ? loadPublicKey(opts.keyPath) : undefined;
  const report = await verifyReceipt(receipt, { rescore: opts.rescore, publicKey, requireSignature: opts.requireSignature }, canonical);
  return { report, lines: formatVerifyReport(report), exitCode: report.exitCode };
}

export function formatVerifyReport(r: VerifyReport): string[] {
  const lines: string[] = [];
  lines.push(
    r.integrity.ok
      ? `integrity: ok (sha256 ${r.integrity.expected})`
      : !r.integrity.canonical && r.integrity.found === r.integrity.expected
        ? 'integrity: FAILED, the file is not in canonical form (it was edited)'
        : `integrity: FAILED, body hashes to ${r.integrity.found}, receipt records ${r.integrity.expected}`,
  );
  lines.push(`signature: ${r.signature.status} (${r.signature.message})`);
  if (!r.rescored && r.differences.length === 0) lines.push(r.integrity.ok ? 're-score: not run' : 're-score: skipped, the body cannot be trusted');
  else if (r.differences.length === 0) lines.push('re-score: every score bit-identical');
  else {
    lines.push(`re-score: ${r.differences.length} difference(s)`);
    for (const d of r.differences) lines.push(`  ${formatDifference(d)}`);
  }
  for (const n of r.fingerprint) lines.push(`note: fingerprint ${n.field} differs: receipt ${n.expected}, this machine ${n.found}`);
  if (r.signature.status === 'valid' && r.signature.keyId) lines.push(`note: signed by key ${r.signature.keyId}; without --key, verify does not check whose key that is`);
  lines.push(r.ok ? 'verified' : `FAILED: ${r.code} (exit ${r.exitCode})`);
  return lines;
}
