// The receipt a validator publishes after `arbiter score`: everything needed to re-run the job
// (spec hash, dataset commitment, every submission hash) and everything it claims (every score,
// rank and reward, the fingerprint), as RFC 8785 canonical JSON with a sha256 of the body.
import { z } from 'zod';
import { ArbiterError } from '../errors.ts';
import type { RewardsSpec } from '../ranking/rewards/schema.ts';
import { RewardsSpecSchema } from '../ranking/rewards/schema.ts';
import { canonicalize, sha256Hex } from '../benchmark/canonical.ts';
import type { Fingerprint, ScoreResult } from './score-result.ts';

export const RECEIPT_FORMAT = 'arbiter-receipt/1';

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
  path: string | null; // where the validator read it (relative as given on the command line)
  submittedSeq: number;
  stake: string | null;
}

export interface ReceiptInputs {
  spec: { path: string | null; sha256: string };
  dataset: { path: string | null; sha256: string };
  submissions: ReceiptSubmission[]; // sorted by submittedSeq, then submission hash
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
  submissions: Array<{ submission: string; participant: string; path?: string | null; submittedSeq: number; stake?: string | null }>;
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

/** An unsigned receipt for a finished job. Rows keep the result's order; `reward` comes from row.reward. */
export function buildReceipt(result: ScoreResult, extra: BuildReceiptExtra): Receipt {
  const fp = result.run.fingerprint;
  const submissions = extra.submissions
    .map((s) => ({
      submission: s.submission,
      participant: s.participant,
      path: s.path ?? null,
      submittedSeq: s.submittedSeq,
      stake: s.stake ?? null,
    }))
    .sort((a, b) => a.submittedSeq - b.submittedSeq || (a.submission < b.submission ? -1 : a.submission > b.submission ? 1 : 0));
  const body: ReceiptBody = {
    format: RECEIPT_FORMAT,
    benchmark: { id: result.benchmark.id, version: result.benchmark.version, specHash: result.benchmark.specHash },
    dataset: { sha256: fp.datasetSha256 },
    fingerprint: { ...fp },
    run: { id: result.run.id },
    ranking: { primary: extra.primary, higherIsBetter: extra.higherIsBetter },
    rewards: extra.rewards ?? null,
    validator: extra.validator ?? null,
    inputs: {
      spec: { path: extra.specPath ?? null, sha256: result.benchmark.specHash },
      dataset: { path: extra.datasetPath ?? null, sha256: fp.datasetSha256 },
      submissions,
      options: extra.options ?? {},
    },
    rows: result.rows.map((r) => ({
      rank: r.rank,
      submission: r.submission,
      participant: r.participant,
      status: r.status,
      scores: encodeScores(r.scores),
      splitScores: Object.fromEntries(Object.keys(r.splitScores).sort().map((s) => [s, encodeScores(r.splitScores[s])])),
      error: r.error ? { code: r.error.code, message: r.error.message } : null,
      reward: r.reward ?? null,
    })),
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
        inputs: z
          .object({
            spec: z.object({ path: z.string().nullable(), sha256: z.string() }).strict(),
            dataset: z.object({ path: z.string().nullable(), sha256: z.string() }).strict(),
            submissions: z.array(
              z
                .object({
                  submission: z.string(),
                  participant: z.string(),
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
