// The receipt a validator publishes after `arbiter score`: everything needed to re-run the job
// (the canonical spec itself, the dataset commitment, every submission hash and the order they
// were registered in) and everything it claims (every score, rank and reward, the fingerprint),
// as RFC 8785 canonical JSON with a sha256 of the body. Format 2 carries the spec, so `verify`
// needs only the receipt, the dataset and the submission files.
import { z } from 'zod';
import { ArbiterError } from '../errors.ts';
import type { RewardsSpec } from '../ranking/rewards/schema.ts';
import { RewardsSpecSchema } from '../ranking/rewards/schema.ts';
import { canonicalize, sha256Hex } from '../benchmark/canonical.ts';
import { sanitizeMessage } from '../messages.ts';
import { isAbsolute, win32 } from 'node:path';
import type { Fingerprint, ScoreResult } from './score-result.ts';

export const RECEIPT_FORMAT = 'arbiter-receipt/2';

/**
 * A score as JSON carries it bit-exactly: a JSON number (ECMAScript shortest round-trip form,
 * which parses back to the same double) for every finite value except -0, which JSON numbers
 * cannot hold, and the strings "-0", "NaN", "Infinity", "-Infinity" for the rest.
 */
export type ReceiptNumber = number | '-0' | 'NaN' | 'Infinity' | '-Infinity';

export function encodeScore(x: number): ReceiptNumber {
  if (Object.is(x, -0)) return '-0';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

export function decodeScore(v: ReceiptNumber): number {
  return typeof v === 'number' ? v : Number(v);
}

/** Exact text of a double for messages: equal texts <=> equal bits (NaN aside). */
export function scoreText(x: number): string {
  return String(encodeScore(x));
}

export interface ReceiptSubmission {
  submission: string; // sha256 hex
  participant: string;
  /** the participant's original file (or folder) name, base name only: messages name it */
  file: string | null;
  /** where the validator's store keeps it, relative to the validator's working directory; null when outside it (never an absolute path) */
  path: string | null;
  /** registration order in the run (0-based): ranking ties and the earlier-submission margin depend on it */
  submittedSeq: number;
  stake: string | null;
}

export interface ReceiptInputs {
  spec: { path: string | null; sha256: string };
  dataset: { path: string | null; sha256: string };
  /** the submission set, canonical: sorted by submission hash, then participant (submittedSeq keeps the run's order) */
  submissions: ReceiptSubmission[];
  /** anything else the job needs to be re-run (JSON values), e.g. a store path */
  options: Record<string, unknown>;
}

export interface ReceiptRow {
  rank: number | null;
  submission: string;
  participant: string;
  status: 'scored' | 'failed' | 'duplicate';
  scores: Record<string, ReceiptNumber>;
  splitScores: Record<string, Record<string, ReceiptNumber>>;
  error: { code: string; message: string } | null;
  reward: string | null;
  /** a prediction copy ranked directly after its original (duplicates.policy rank-after); absent on every other row */
  duplicateOf?: { submission: string; participant: string };
}

export interface ReceiptBody {
  format: typeof RECEIPT_FORMAT;
  benchmark: { id: string; version: number; specHash: string };
  dataset: { sha256: string };
  fingerprint: Fingerprint;
  run: { id: number };
  ranking: { primary: string; higherIsBetter: boolean };
  rewards: RewardsSpec | null;
  validator: string | null;
  /** the validated spec the run was scored under (defaults applied); its canonical sha256 is benchmark.specHash */
  spec: Record<string, unknown> | null;
  inputs: ReceiptInputs;
  rows: ReceiptRow[];
}

export interface ReceiptSignature {
  algorithm: 'ed25519';
  /** SPKI public key, PEM */
  publicKey: string;
  /** sha256 hex of the public key's SPKI DER bytes */
  keyId: string;
  /** base64 Ed25519 signature over the UTF-8 bytes of canonicalize(body) */
  value: string;
}

export interface Receipt {
  body: ReceiptBody;
  /** sha256 hex of the UTF-8 bytes of canonicalize(body) */
  sha256: string;
  signature: ReceiptSignature | null;
}

export interface BuildReceiptExtra {
  /** metric key the ranking uses, and its direction */
  primary: string;
  higherIsBetter: boolean;
  rewards?: RewardsSpec | null;
  validator?: string | null;
  specPath?: string | null;
  datasetPath?: string | null;
  /** the validated spec (LoadedBenchmark.spec) */
  spec?: unknown;
  submissions: Array<{ submission: string; participant: string; file?: string | null; path?: string | null; submittedSeq: number; stake?: string | null }>;
  options?: Record<string, unknown>;
}

function encodeScores(scores: Record<string, number>): Record<string, ReceiptNumber> {
  const out: Record<string, ReceiptNumber> = {};
  for (const k of Object.keys(scores).sort()) out[k] = encodeScore(scores[k]);
  return out;
}

/** sha256 of the canonical body: what `receipt.sha256` must equal. */
export function hashBody(body: ReceiptBody): string {
  return sha256Hex(canonicalize(body));
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The canonical order of a submission set: by submission hash, then participant, then registration order. */
export function canonicalSubmissionOrder<T extends { submission: string; participant: string; submittedSeq: number }>(subs: readonly T[]): T[] {
  return [...subs].sort((a, b) => cmpStr(a.submission, b.submission) || cmpStr(a.participant, b.participant) || a.submittedSeq - b.submittedSeq);
}

/** A path as a receipt may publish it: relative (inside the validator's working directory) or not at all. */
function publishablePath(p: string | null | undefined): string | null {
  if (!p) return null;
  return isAbsolute(p) || win32.isAbsolute(p) || p.startsWith('..') ? null : p;
}

/** A row of a receipt: encoded scores, and an error message with no path of the validator's machine. */
export function receiptRow(r: ScoreResult['rows'][number]): ReceiptRow {
  return {
    rank: r.rank,
    submission: r.submission,
    participant: r.participant,
    status: r.status,
    scores: encodeScores(r.scores),
    splitScores: Object.fromEntries(Object.keys(r.splitScores).sort().map((s) => [s, encodeScores(r.splitScores[s])])),
    error: r.error ? { code: r.error.code, message: sanitizeMessage(r.error.message) } : null,
    reward: r.reward ?? null,
    // only on copies, so a receipt without any keeps the bytes (and hash) it always had
    ...(r.duplicateOf ? { duplicateOf: { submission: r.duplicateOf.submission, participant: r.duplicateOf.participant } } : {}),
  };
}

/** An unsigned receipt for a finished job. Rows keep the result's order; `reward` comes from row.reward. */
export function buildReceipt(result: ScoreResult, extra: BuildReceiptExtra): Receipt {
  const fp = result.run.fingerprint;
  const submissions = canonicalSubmissionOrder(
    extra.submissions.map((s) => ({
      submission: s.submission,
      participant: s.participant,
      file: s.file ?? null,
      path: publishablePath(s.path),
      submittedSeq: s.submittedSeq,
      stake: s.stake ?? null,
    })),
  );
  const body: ReceiptBody = {
    format: RECEIPT_FORMAT,
    benchmark: { id: result.benchmark.id, version: result.benchmark.version, specHash: result.benchmark.specHash },
    dataset: { sha256: fp.datasetSha256 },
    fingerprint: { ...fp },
    run: { id: result.run.id },
    ranking: { primary: extra.primary, higherIsBetter: extra.higherIsBetter },
    rewards: extra.rewards ?? null,
    validator: extra.validator ?? null,
    // A JSON round trip drops undefined members (zod output may hold some), as canonical JSON would.
    spec: extra.spec === undefined || extra.spec === null ? null : (JSON.parse(JSON.stringify(extra.spec)) as Record<string, unknown>),
    inputs: {
      spec: { path: publishablePath(extra.specPath), sha256: result.benchmark.specHash },
      dataset: { path: publishablePath(extra.datasetPath), sha256: fp.datasetSha256 },
      submissions,
      options: extra.options ?? {},
    },
    rows: result.rows.map(receiptRow),
  };
  // Canonicalise once now so a value JSON cannot hold fails here, at the validator, not at CI.
  return { body, sha256: hashBody(body), signature: null };
}

/** The receipt file's text: canonical JSON of the whole receipt and a final newline. */
export function serializeReceipt(receipt: Receipt): string {
  return canonicalize(receipt) + '\n';
}

const Num = z.union([z.number(), z.enum(['-0', 'NaN', 'Infinity', '-Infinity'])]);
const Scores = z.record(z.string(), Num);
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const ReceiptSchema = z
  .object({
    body: z
      .object({
        format: z.literal(RECEIPT_FORMAT),
        benchmark: z.object({ id: z.string(), version: z.number(), specHash: z.string() }).strict(),
        dataset: z.object({ sha256: z.string() }).strict(),
        fingerprint: z
          .object({
            engine: z.string(),
            onnxruntime: z.string(),
            node: z.string(),
            platform: z.string(),
            arch: z.string(),
            cpu: z.string(),
            specHash: z.string(),
            datasetSha256: z.string(),
            batchSize: z.number(),
            graphOptimizationLevel: z.string(),
            cpuFlags: z.string(),
          })
          .strict(),
        run: z.object({ id: z.number() }).strict(),
        ranking: z.object({ primary: z.string(), higherIsBetter: z.boolean() }).strict(),
        rewards: RewardsSpecSchema.nullable(),
        validator: z.string().nullable(),
        spec: z.record(z.string(), z.unknown()).nullable(),
        inputs: z
          .object({
            spec: z.object({ path: z.string().nullable(), sha256: z.string() }).strict(),
            dataset: z.object({ path: z.string().nullable(), sha256: z.string() }).strict(),
            submissions: z.array(
              z
                .object({
                  submission: z.string(),
                  participant: z.string(),
                  file: z.string().nullable(),
                  path: z.string().nullable(),
                  submittedSeq: z.number(),
                  stake: z.string().nullable(),
                })
                .strict(),
            ),
            options: z.record(z.string(), z.unknown()),
          })
          .strict(),
        rows: z.array(
          z
            .object({
              rank: z.number().nullable(),
              submission: z.string(),
              participant: z.string(),
              status: z.enum(['scored', 'failed', 'duplicate']),
              scores: Scores,
              splitScores: z.record(z.string(), Scores),
              error: z.object({ code: z.string(), message: z.string() }).strict().nullable(),
              reward: z.string().regex(/^[0-9]+$/).nullable(),
              duplicateOf: z.object({ submission: z.string(), participant: z.string() }).strict().optional(),
            })
            .strict(),
        ),
      })
      .strict(),
    sha256: Hex64,
    signature: z
      .object({ algorithm: z.literal('ed25519'), publicKey: z.string(), keyId: Hex64, value: z.string() })
      .strict()
      .nullable(),
  })
  .strict();

const RECEIPT_PREFIX = '{"body":{"benchmark":{';

export interface ParsedReceipt {
  receipt: Receipt;
  /** whether the text is exactly serializeReceipt(receipt): receipts are written canonical, so any other form was edited */
  canonical: boolean;
}

/**
 * Read a receipt file's text. Throws ArbiterError E_RECEIPT_INVALID if it is not JSON or not
 * receipt-shaped, or E_RECEIPT_TAMPERED if it starts as a canonical receipt does but then is not. The parsed body is used as it is (a rewards section is not re-defaulted), so
 * its canonical hash is the hash of what the file says.
 */
export function parseReceipt(text: string): ParsedReceipt {
  // Receipts are written canonical, so every one starts with this. A file that does and then fails
  // to parse was a receipt that got edited (E_RECEIPT_TAMPERED); anything else is not a receipt.
  const code = text.startsWith(RECEIPT_PREFIX) ? 'E_RECEIPT_TAMPERED' : 'E_RECEIPT_INVALID';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ArbiterError(code, `expected a receipt (JSON), found text that does not parse: ${(err as Error).message}`);
  }
  const parsed = ReceiptSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ArbiterError(
      code,
      `expected a ${RECEIPT_FORMAT} receipt, found JSON that does not match at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      { issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })) },
    );
  }
  // Keep the raw object (not zod's output, which may add defaults) so hashing sees the file's content.
  const receipt = raw as Receipt;
  let canonical = false;
  try {
    // One final newline (LF or CRLF, as a Windows checkout may write it) or none is accepted.
    canonical = text.replace(/\r?\n$/, '') === canonicalize(receipt);
  } catch {
    canonical = false;
  }
  return { receipt, canonical };
}

export interface IntegrityResult {
  ok: boolean;
  expected: string; // sha256 recorded in the receipt
  found: string; // sha256 of the canonical body as read
  canonical: boolean;
}

/** Does the body still hash to the recorded sha256 (and, when the text is given, is the file canonical)? */
export function checkIntegrity(receipt: Receipt, canonical = true): IntegrityResult {
  let found: string;
  try {
    found = hashBody(receipt.body);
  } catch {
    found = '(body cannot be canonicalised)';
  }
  return { ok: found === receipt.sha256 && canonical, expected: receipt.sha256, found, canonical };
}
