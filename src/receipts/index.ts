// Public surface of receipts: canonical JSON, build/serialise/parse, sign, compare, verify.
export { canonicalize, canonicalHash, sha256Hex } from '../benchmark/canonical.ts';
export {
  RECEIPT_FORMAT,
  buildReceipt,
  serializeReceipt,
  parseReceipt,
  checkIntegrity,
  hashBody,
  encodeScore,
  decodeScore,
  scoreText,
} from './receipt.ts';
export type {
  Receipt,
  ReceiptBody,
  ReceiptRow,
  ReceiptInputs,
  ReceiptSubmission,
  ReceiptSignature,
  ReceiptNumber,
  BuildReceiptExtra,
  ParsedReceipt,
  IntegrityResult,
} from './receipt.ts';
export {
  generateKeyPair,
  writeKeyPair,
  publicKeyPathFor,
  loadPrivateKey,
  loadPublicKey,
  signReceipt,
  verifyReceiptSignature,
  keyIdOf,
} from './sign.ts';
export type { KeyPairPem, SignatureCheck, SignatureStatus } from './sign.ts';
export { compareScores, compareJobFields, compareReceipt, fingerprintNotes, formatDifference } from './compare.ts';
export { sanitizeMessage } from '../messages.ts';
export type { Difference, FingerprintNote, RescoredJob } from './compare.ts';
export { verifyReceipt, verifyReceiptText } from './verify.ts';
export { writeReceiptFile, readReceiptFile, runVerify, formatVerifyReport } from './files.ts';
export type { RunVerifyOptions } from './files.ts';
export type { VerifyOptions, VerifyReport } from './verify.ts';
export type { ScoreResult, ScoreRow, Fingerprint } from './score-result.ts';
