// A federated partial: what one party sends the coordinator for one round. The party's merged
// metric states over its local set (counts and canonical exact sums, never a row), its row count,
// the model and spec it scored, the fingerprint it scored under, and its vote with the local score
// and the baseline it compared. Signed with the party's Ed25519 key over the canonical JSON of
// everything but the signature (src/receipts/sign.ts keys, src/benchmark/canonical.ts).
// With secure aggregation (`masked: true`, src/federated/secure-aggregation.ts) the counting states
// travel as masked integer vectors that only add up across parties: `maskedStates` instead of
// `states`, and aggregation sums them before it unmasks (src/federated/aggregate.ts).
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ArbiterError } from '../errors.ts';
import { canonicalJson, sha256Hex } from '../benchmark/canonical.ts';
import { keyIdOf } from '../receipts/sign.ts';

export const PARTIAL_FORMAT = 'arbiter-fl-partial/1';

const SHA256 = /^[0-9a-f]{64}$/;

const VoteSchema = z.strictObject({
  decision: z.enum(['accept', 'reject']),
  /** the metric key the acceptance rule compares */
  metric: z.string(),
  /** the party's own score of this round's model on its local set (null in a masked partial: it would reveal the party's score) */
  localScore: z.number().finite().nullable(),
  /** the party's own score of the last accepted round's model (its partial of that round), or null before any (always null when masked) */
  baseline: z.strictObject({ round: z.number().int().min(1), localScore: z.number().finite() }).nullable(),
});

export const PartialSchema = z.strictObject({
  format: z.literal(PARTIAL_FORMAT),
  federation: z.strictObject({ id: z.string(), specHash: z.string().regex(SHA256) }),
  round: z.number().int().min(1),
  party: z.string().min(1),
  model: z.strictObject({ sha256: z.string().regex(SHA256), kind: z.enum(['onnx', 'model-folder']), bytes: z.number().int().nonnegative() }),
  /** rows of the local set the states cover (null when masked: the count travels masked as maskedStates["#rows"]) */
  rows: z.number().int().min(1).nullable(),
  /** what the scores were made under: engine, runtime, node, CPU...; no spec or data hash (those are the party's) */
  fingerprint: z.record(z.string(), z.union([z.string(), z.number()])),
  /** sha256 of the local set's file: a commitment the party can later open, never the rows */
  dataSha256: z.string().regex(SHA256),
  masked: z.boolean(),
  /** metric key -> merged state over the local set (absent when masked) */
  states: z.record(z.string(), z.unknown()).optional(),
  /** metric key -> masked integer vector, decimal strings in [0, 2^64), and "#rows" -> the masked row count (present when masked) */
  maskedStates: z.record(z.string(), z.array(z.string().regex(/^(0|[1-9][0-9]{0,19})$/))).optional(),
  /** metric key -> the party's local score (what its states finalize to); empty when masked */
  localScores: z.record(z.string(), z.number().finite()),
  vote: VoteSchema,
  signature: z.strictObject({ algorithm: z.literal('ed25519'), publicKey: z.string(), keyId: z.string(), value: z.string() }).optional(),
});

export type FederatedPartial = z.output<typeof PartialSchema>;
export type UnsignedPartial = Omit<FederatedPartial, 'signature'>;

function unsignedBytes(p: object): Buffer {
  const { signature: _s, ...rest } = p as { signature?: unknown };
  return Buffer.from(canonicalJson(rest), 'utf8');
}

export interface Ed25519Signature { algorithm: 'ed25519'; publicKey: string; keyId: string; value: string }

/** Any body signed with an Ed25519 private key over the canonical JSON of everything but the signature. */
export function signBody<T extends object>(body: T, privateKey: KeyObject): T & { signature: Ed25519Signature } {
  const pub = createPublicKey(privateKey);
  return {
    ...body,
    signature: {
      algorithm: 'ed25519', publicKey: pub.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(pub),
      value: sign(null, unsignedBytes(body), privateKey).toString('base64'),
    },
  };
}

/** Why a signed body's signature does not hold by `expected` (party `party`'s key), or null. */
export function bodySignatureProblem(body: { signature?: Ed25519Signature | undefined }, party: string, expected: KeyObject, what = 'partial'): string | null {
  const sig = body.signature;
  if (!sig) return `the ${what} is not signed`;
  const want = keyIdOf(expected);
  if (sig.keyId !== want) return `expected a signature by party ${party}'s key ${want.slice(0, 16)}, found one by key ${sig.keyId.slice(0, 16)}`;
  let ok = false;
  try {
    ok = verify(null, unsignedBytes(body), expected, Buffer.from(sig.value, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? null : `its Ed25519 signature by party ${party}'s key does not match its content (edited after signing, or forged)`;
}

/** The partial signed with the party's Ed25519 private key. */
export function signPartial(p: UnsignedPartial, privateKey: KeyObject): FederatedPartial {
  return signBody(p, privateKey);
}

/** Why the partial's signature does not hold by `expected` (the party's key in the spec), or null. */
export function partialSignatureProblem(p: FederatedPartial, expected: KeyObject): string | null {
  return bodySignatureProblem(p, p.party, expected);
}

/** The file text of a partial: canonical JSON and a newline. */
export function serializePartial(p: FederatedPartial): string {
  return `${canonicalJson(p)}\n`;
}

/** sha256 of a partial's canonical JSON: its identity in the store (a replay is the same bytes again). */
export function partialHash(p: FederatedPartial): string {
  return sha256Hex(canonicalJson(p));
}

export type ParsedPartial = { ok: true; partial: FederatedPartial } | { ok: false; message: string; party: string | null };

/**
 * Parse a partial's text. Expected failures are data, not throws: a hostile or broken file is a
 * flag against its party (when it names one), never a crash of the aggregation.
 */
export function parsePartialText(text: string, source: string): ParsedPartial {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `${source}: expected a partial (JSON), found text that is not JSON (${(err as Error).message.slice(0, 80)})`, party: null };
  }
  const party = raw !== null && typeof raw === 'object' && typeof (raw as { party?: unknown }).party === 'string' ? (raw as { party: string }).party : null;
  const r = PartialSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return { ok: false, message: `${source}: expected a partial of format ${PARTIAL_FORMAT}, found a problem at ${i.path.join('.') || '(top level)'}: ${i.message}`, party };
  }
  if (r.data.masked ? !r.data.maskedStates || r.data.states : !r.data.states || r.data.maskedStates) {
    return { ok: false, message: `${source}: expected ${r.data.masked ? 'maskedStates and no states (masked: true)' : 'states and no maskedStates (masked: false)'}, found ${r.data.states ? 'states' : 'no states'} and ${r.data.maskedStates ? 'maskedStates' : 'no maskedStates'}`, party };
  }
  if (r.data.masked && (Object.keys(r.data.localScores).length > 0 || r.data.vote.localScore !== null || r.data.vote.baseline !== null || r.data.rows !== null)) {
    return { ok: false, message: `${source}: expected a masked partial to carry no score or row count of its party in clear (empty localScores; rows, vote.localScore and vote.baseline null), found ${r.data.rows !== null ? `rows ${r.data.rows}` : 'a score'}`, party };
  }
  if (r.data.masked && Object.values(r.data.maskedStates!).some((v) => v.some((x) => BigInt(x) >= 1n << 64n))) {
    return { ok: false, message: `${source}: expected masked vectors of integers in [0, 2^64), found an entry beyond 2^64`, party };
  }
  if (!r.data.masked && (r.data.vote.localScore === null || r.data.rows === null)) {
    return { ok: false, message: `${source}: expected rows and vote.localScore in an unmasked partial, found null`, party };
  }
  return { ok: true, partial: r.data };
}

/** A partial the caller insists on (evaluate's --previous): parsed or E_FL_PARTIAL. */
export function requirePartial(text: string, source: string): FederatedPartial {
  const r = parsePartialText(text, source);
  if (!r.ok) throw new ArbiterError('E_FL_PARTIAL', r.message, { source });
  return r.partial;
}
