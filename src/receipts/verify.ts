// `arbiter verify`: integrity (body hash), signature, then re-score from the receipt's own spec and
// compare every claim that can be re-derived. The engine is plugged in as a callback so this module
// stays pure apart from what the callback does.
import { ArbiterError, type ErrorCode, exitCodeFor } from '../errors.ts';
import { type Difference, type FingerprintNote, compareReceipt, fingerprintNotes } from './compare.ts';
import { type IntegrityResult, type Receipt, checkIntegrity, parseReceipt } from './receipt.ts';
import type { RescoredJob } from './compare.ts';
import { type SignatureCheck, verifyReceiptSignature } from './sign.ts';
import type { KeyObject } from 'node:crypto';

export interface VerifyOptions {
  /** re-run the job from the receipt's inputs (the CLI passes the engine); omitted = integrity and signature only */
  rescore?: (receipt: Receipt) => Promise<RescoredJob>;
  /** if given, the receipt must be signed by this key */
  publicKey?: KeyObject | string;
  /** fail when the receipt is unsigned (implied by publicKey) */
  requireSignature?: boolean;
}

export interface VerifyReport {
  ok: boolean;
  /** the first failure in the order tampered, signature, mismatch; null when ok */
  code: ErrorCode | null;
  /** process exit code: 0 when ok, else ERROR_CODES[code].exit (4 for every verification failure) */
  exitCode: number;
  integrity: IntegrityResult;
  signature: SignatureCheck;
  /** false when the job was not re-run (no callback, or the body was tampered with) */
  rescored: boolean;
  differences: Difference[];
  fingerprint: FingerprintNote[];
}

/**
 * Verify a parsed receipt. `canonical` says whether its file text was canonical (parseReceipt
 * tells); a non-canonical file counts as tampered. A tampered body is not re-scored: nothing in
 * it can be trusted, and the verdict is already a failure.
 */
export async function verifyReceipt(receipt: Receipt, opts: VerifyOptions = {}, canonical = true): Promise<VerifyReport> {
  const integrity = checkIntegrity(receipt, canonical);
  const signature = verifyReceiptSignature(receipt, opts.publicKey);
  let differences: Difference[] = [];
  let fingerprint: FingerprintNote[] = [];
  let rescored = false;
  if (integrity.ok && opts.rescore) {
    try {
      const result = await opts.rescore(receipt);
      differences = compareReceipt(receipt, result);
      fingerprint = fingerprintNotes(receipt, result);
      rescored = true;
    } catch (err) {
      // A spec the receipt carries that no longer loads is a false claim of the receipt (exit 4);
      // a missing dataset or submission file is the verifier's to supply (the error propagates).
      if (!(err instanceof ArbiterError) || (err.code !== 'E_SPEC_INVALID' && err.code !== 'E_RECEIPT_INVALID')) throw err;
      differences = [{ submission: null, participant: null, split: null, metric: 'spec', expected: 'a spec the job can be re-run from', found: `${err.code}: ${err.message}` }];
    }
  }
  const signatureBad =
    signature.status === 'invalid' ||
    signature.status === 'wrong-key' ||
    (signature.status === 'absent' && (opts.requireSignature || opts.publicKey !== undefined));
  const code: ErrorCode | null = !integrity.ok
    ? 'E_RECEIPT_TAMPERED'
    : signatureBad
      ? 'E_RECEIPT_SIGNATURE'
      : differences.length > 0
        ? 'E_RECEIPT_MISMATCH'
        : null;
  return { ok: code === null, code, exitCode: code ? exitCodeFor(code) : 0, integrity, signature, rescored, differences, fingerprint };
}

/** Verify a receipt file's text (parse errors throw ArbiterError E_RECEIPT_INVALID, exit 4). */
export async function verifyReceiptText(text: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const { receipt, canonical } = parseReceipt(text);
  return verifyReceipt(receipt, opts, canonical);
}
