// Secure aggregation wired into a federated round (docs/federated-secure-aggregation.md, "Using it
// with arbiter fl"). A party's keyed metric states are masked per metric key (the key is the
// mask's purpose, so two vectors of one round never share a mask), and so is its row count (the
// purpose "#rows", which no metric key can be). On the coordinator's side the masked vectors of the
// contributing parties are summed, the survivors' dropout corrections taken off, and each sum
// decoded back into the merged state the metrics' own merge would give. A dropout correction is a
// signed file a surviving party writes (`arbiter fl correct`): for every vector, the sum of what it
// added for its pairs with the dropped parties. The primitives are secure-aggregation.ts and
// secure-state-codec.ts; this module knows the federation (its parties' X25519 keys, its metrics)
// and the file shapes. Pure but for reading a key file at the CLI's edge (loadMaskKey).
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ArbiterError } from '../errors.ts';
import { canonicalJson } from '../benchmark/canonical.ts';
import { configuredMetrics, metricContext } from '../fold/fold.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { federationMetricsView, type LoadedFederation, type LoadedParty } from './spec.ts';
import { decodeState, dropoutCorrection, encodeState, maskVector, MODULUS, sumMasked, unmaskSum, type MaskContext } from './secure-aggregation.ts';
import { bodySignatureProblem, signBody } from './partial.ts';
import type { KeyedStates } from './states.ts';

/** The masked vector of a party's row count; "#" is never in a metric key. */
export const ROWS_KEY = '#rows';
/** 48 bits of sha256 that mark a row-count vector (as the codec's layout tag marks a metric's). */
const ROWS_TAG = createHash('sha256').update('arbiter/secure-round/v1/rows').digest().readBigUInt64BE(0) >> 16n;
const MAX_COUNT = BigInt(Number.MAX_SAFE_INTEGER);

/** The mask context of `self` in this round: every other party of the federation is a peer. */
export function maskContext(fed: LoadedFederation, round: number, self: string, selfPrivateKey: KeyObject, purpose: string): MaskContext {
  const peers = fed.parties.filter((p) => p.name !== self).map((p) => ({ name: p.name, publicKey: agreementKeyOf(fed, p) }));
  return { federation: fed.spec.id, round, self, selfPrivateKey, peers, purpose };
}

function agreementKeyOf(fed: LoadedFederation, p: LoadedParty): KeyObject {
  if (!p.agreementKey) throw new ArbiterError('E_FL_SPEC', `federation ${fed.spec.id}: party ${p.name} has no agreementKey; secure aggregation needs every party's X25519 public key`);
  return p.agreementKey;
}

/** A party's X25519 private key from a PEM file, checked against the party's agreementKey in the spec. */
export function loadMaskKey(file: string, fed: LoadedFederation, party: LoadedParty): KeyObject {
  if (fed.spec.secureAggregation !== true) {
    throw new ArbiterError('E_USAGE', `--mask-key: federation ${fed.spec.id} does not use secure aggregation (no secureAggregation: true in its spec), so nothing is masked`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ArbiterError('E_FL_MASK_INPUT', `--mask-key ${file}: expected your party's X25519 private key (PEM), found no readable file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { path: file });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new ArbiterError('E_FL_MASK_INPUT', `--mask-key ${file}: expected your party's X25519 private key (PEM), found text that is not a private key`, { path: file });
  }
  if (key.asymmetricKeyType !== 'x25519') throw new ArbiterError('E_FL_MASK_INPUT', `--mask-key ${file}: expected an X25519 private key, found a key of type ${key.asymmetricKeyType}`, { path: file });
  const mine = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const listed = agreementKeyOf(fed, party).export({ type: 'spki', format: 'der' });
  if (!mine.equals(listed)) throw new ArbiterError('E_FL_MASK_INPUT', `--mask-key ${file}: expected the private half of party ${party.name}'s agreementKey in the federation, found another X25519 key`, { path: file });
  return key;
}

/** The vector keys of a masked partial, in the federation's metric order, then "#rows". */
export function maskedKeys(fed: LoadedFederation): string[] {
  return [...fed.metricKeys, ROWS_KEY];
}

/** A party's keyed states and row count masked, as decimal strings (a masked partial's maskedStates). */
export function maskStates(fed: LoadedFederation, round: number, self: string, key: KeyObject, states: KeyedStates, rows: number): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of fed.spec.metrics) {
    const k = m.key ?? m.name;
    out[k] = maskVector(encodeState(m.name, states[k]), maskContext(fed, round, self, key, k)).map(String);
  }
  out[ROWS_KEY] = maskVector([1n, ROWS_TAG, BigInt(rows)], maskContext(fed, round, self, key, ROWS_KEY)).map(String);
  return out;
}

/** The length of every masked vector of this federation (from each metric's init state). */
export function vectorLengths(view: LoadedBenchmark): Record<string, number> {
  const ctx = metricContext(view);
  const out: Record<string, number> = {};
  for (const m of configuredMetrics(view)) out[m.key] = encodeState(m.metric.name, m.metric.init(m.options, ctx)).length;
  out[ROWS_KEY] = 3;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dropout corrections

export const CORRECTION_FORMAT = 'arbiter-fl-correction/1';
const U64 = z.string().regex(/^(0|[1-9][0-9]{0,19})$/);

export const CorrectionSchema = z.strictObject({
  format: z.literal(CORRECTION_FORMAT),
  federation: z.strictObject({ id: z.string(), specHash: z.string().regex(/^[0-9a-f]{64}$/) }),
  round: z.number().int().min(1),
  /** the surviving party that wrote it */
  party: z.string().min(1),
  /** the parties declared dropped, sorted: the correction is for exactly this set */
  dropped: z.array(z.string().min(1)).min(1),
  /** vector key -> what this party added for its pairs with the dropped parties, summed, mod 2^64 */
  corrections: z.record(z.string(), z.array(U64)),
  signature: z.strictObject({ algorithm: z.literal('ed25519'), publicKey: z.string(), keyId: z.string(), value: z.string() }).optional(),
});
export type DropoutCorrection = z.output<typeof CorrectionSchema>;

const sortNames = (names: readonly string[]) => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * A surviving party's signed dropout correction for round `round`: per vector key, the sum of
 * dropoutCorrection over the dropped parties. It reveals the survivor's pair masks with the dropped
 * parties only (its masks with the other survivors still hide its values); it must never be given
 * for a party whose masked partial the coordinator holds (docs/federated-secure-aggregation.md).
 */
export function buildCorrection(fed: LoadedFederation, round: number, self: LoadedParty, signingKey: KeyObject, maskKey: KeyObject, dropped: readonly string[]): DropoutCorrection {
  if (!Number.isInteger(round) || round < 1) throw new ArbiterError('E_USAGE', `--round: expected a round number 1, 2, ..., found ${round}`);
  const names = fed.parties.map((p) => p.name);
  const set = sortNames([...new Set(dropped)]);
  if (set.length === 0) throw new ArbiterError('E_USAGE', '--dropped: expected the parties the coordinator declared dropped (comma-separated), found none');
  const unknown = set.filter((d) => !names.includes(d));
  if (unknown.length > 0) throw new ArbiterError('E_USAGE', `--dropped: expected parties of federation ${fed.spec.id} (${names.join(', ')}), found ${unknown.join(', ')}`);
  if (set.includes(self.name)) throw new ArbiterError('E_USAGE', `--dropped: names your own party ${self.name}; a dropped party writes no correction (the coordinator must not hold your masked partial either)`);
  const survivors = names.filter((n) => !set.includes(n));
  if (survivors.length < 2) {
    throw new ArbiterError('E_FL_DROPOUT', `round ${round}: dropping ${set.join(', ')} leaves only ${survivors.join(', ')}; the sum of one party is that party's own states, so a correction would reveal them: refused (run the round again with every party)`, { dropped: set, round });
  }
  const view = federationMetricsView(fed);
  const corrections: Record<string, string[]> = {};
  for (const [k, length] of Object.entries(vectorLengths(view))) {
    const ctx = maskContext(fed, round, self.name, maskKey, k);
    const parts = set.map((d) => dropoutCorrection(ctx, d, length));
    corrections[k] = sumMasked(parts).map(String);
  }
  return signBody({ format: CORRECTION_FORMAT, federation: { id: fed.spec.id, specHash: fed.specHash }, round, party: self.name, dropped: set, corrections }, signingKey) as DropoutCorrection;
}

/** The file text of a correction: canonical JSON and a newline. */
export function serializeCorrection(c: DropoutCorrection): string {
  return `${canonicalJson(c)}\n`;
}

/**
 * A correction file checked for this round: format, a party of the federation, its signature,
 * federation and spec hash, round, and the dropped set the coordinator found (E_FL_CORRECTION
 * naming what was expected and found).
 */
export function verifyCorrection(fed: LoadedFederation, round: number, dropped: readonly string[], text: string, source: string): DropoutCorrection {
  const bad = (message: string): never => { throw new ArbiterError('E_FL_CORRECTION', `${source}: ${message}`, { source }); };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    bad(`expected a dropout correction (JSON, written by arbiter fl correct), found text that is not JSON`);
  }
  const r = CorrectionSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return bad(`expected a dropout correction of format ${CORRECTION_FORMAT}, found a problem at ${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  const c = r.data;
  const party = fed.parties.find((p) => p.name === c.party);
  if (!party) return bad(`expected a correction by one of the parties ${fed.parties.map((p) => p.name).join(', ')}, found one by ${JSON.stringify(c.party)}`);
  const problem = bodySignatureProblem(c, c.party, party.publicKey, 'correction');
  if (problem) bad(problem);
  if (c.federation.id !== fed.spec.id || c.federation.specHash !== fed.specHash) bad(`expected federation ${fed.spec.id} spec ${fed.specHash.slice(0, 12)}, found ${c.federation.id} spec ${c.federation.specHash.slice(0, 12)}`);
  if (c.round !== round) bad(`expected a correction for round ${round}, found one for round ${c.round}`);
  const want = sortNames(dropped).join(', ');
  if (c.dropped.join(', ') !== want) {
    bad(`party ${c.party} corrects for the dropped parties {${c.dropped.join(', ')}}, but this round's dropped parties are {${want}}; every survivor must correct for exactly the parties whose masked partials are not used (a partial that arrives after its party was declared dropped must be left out: with the corrections it would reveal that party's states)`);
  }
  if (dropped.includes(c.party)) bad(`party ${c.party} is itself dropped in round ${round}: only survivors write corrections`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// The coordinator's side

/**
 * The merged keyed states and total row count of the parties whose masked vectors these are: per
 * vector key the vectors summed, every survivor's correction taken off, and the sum decoded
 * against the metric's init state (E_FL_MASK_SUM when it is not a sum of `masked.length` honest
 * states: a missing party or correction, a wrong key, a modified vector).
 */
export function unmaskStates(
  view: LoadedBenchmark,
  masked: ReadonlyArray<{ party: string; maskedStates: Record<string, string[]> }>,
  corrections: ReadonlyArray<{ party: string; corrections: Record<string, string[]> }> = [],
): { states: KeyedStates; rows: number } {
  const ctx = metricContext(view);
  const lengths = vectorLengths(view);
  const sumOf = (key: string): bigint[] => {
    const vectors = masked.map((p) => {
      const v = p.maskedStates[key];
      if (!v) throw new ArbiterError('E_FL_MASK_INPUT', `party ${p.party}'s masked partial has no vector for ${key}`);
      if (v.length !== lengths[key]) throw new ArbiterError('E_FL_MASK_SUM', `party ${p.party}'s masked vector for ${key}: expected ${lengths[key]} entries (the federation's metric layout), found ${v.length}`);
      return v.map((x) => BigInt(x));
    });
    const fixes = corrections.map((c) => {
      const v = c.corrections[key];
      if (!v || v.length !== lengths[key]) throw new ArbiterError('E_FL_CORRECTION', `party ${c.party}'s correction for ${key}: expected ${lengths[key]} entries, found ${v ? v.length : 'none'}`);
      return v.map((x) => BigInt(x));
    });
    return unmaskSum(sumMasked(vectors), fixes);
  };
  const states: KeyedStates = {};
  for (const m of configuredMetrics(view)) {
    states[m.key] = decodeState(m.metric.name, m.metric.init(m.options, ctx), sumOf(m.key), { parties: masked.length, options: m.options });
  }
  const r = sumOf(ROWS_KEY);
  const n = BigInt(masked.length);
  const wrong = (what: string): never => {
    throw new ArbiterError('E_FL_MASK_SUM', `${ROWS_KEY}: the unmasked row count is not a sum of ${masked.length} parties' row counts (${what}); a wrong key, a missing party or dropout correction, or a modified vector`);
  };
  if (r[0] !== n) wrong(`party count: expected ${masked.length}, found ${r[0]! > MAX_COUNT ? 'a value beyond 2^53' : r[0]}`);
  if (r[1] !== (n * ROWS_TAG) % MODULUS) wrong('the row-count tag does not match');
  if (r[2]! < n || r[2]! > MAX_COUNT) wrong(`rows: expected ${masked.length} to 2^53, found ${r[2]! > MAX_COUNT ? 'a value beyond 2^53' : r[2]}`);
  return { states, rows: Number(r[2]) };
}
