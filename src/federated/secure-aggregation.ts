// Secure aggregation of integer vectors by pairwise additive masks (Bonawitz et al., 2017,
// without the double-masking / secret-sharing layer): every pair of parties agrees on a secret by
// X25519, expands it with HKDF-SHA256 into a mask vector modulo 2^64, and the party whose name
// sorts first adds the mask while the other subtracts it. Summed over all parties the masks
// cancel, so a coordinator that sums the masked vectors learns the sum and nothing else about
// any one party's vector. A party that drops out after masks were fixed is recovered by the
// survivors revealing only their pair mask with it (dropoutCorrection / unmaskSum).
// docs/federated-secure-aggregation.md has the protocol, the threat model and its limits.
// Pure: the only inputs are the values, the names and the keys; no clock, no randomness.
import { createHash, diffieHellman, hkdfSync, KeyObject, createPublicKey } from 'node:crypto';
import { ArbiterError } from '../errors.ts';

/** Every vector entry lives in Z / 2^64. */
export const MODULUS = 1n << 64n;
const MOD_MASK = MODULUS - 1n;

/** Domain separation for the mask expansion: a new protocol version gets a new string. */
export const MASK_DOMAIN = 'arbiter/secure-aggregation/v1/pairwise-mask';

/** HKDF-SHA256 yields at most 255 x 32 bytes per call: 1020 entries of 8 bytes per block. */
const BLOCK_ENTRIES = 1020;

export interface MaskPeer {
  name: string;
  publicKey: KeyObject;
}

export interface MaskContext {
  /** the federation id: masks of one federation never cancel another's */
  federation: string;
  /** the round: every round has fresh masks */
  round: number;
  /** this party's name; the pair's order (who adds, who subtracts) is code-unit order of names */
  self: string;
  /** this party's X25519 private key */
  selfPrivateKey: KeyObject;
  /** every other party of the round (not this one), with its X25519 public key */
  peers: readonly MaskPeer[];
  /**
   * What the vector is (e.g. the metric name), default "". Two different vectors masked under
   * the same context reveal their difference, so each vector of a round needs its own purpose.
   */
  purpose?: string;
}

function fail(message: string, details?: Record<string, unknown>): never {
  throw new ArbiterError('E_FL_MASK_INPUT', message, details);
}

function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
    fail(`${what}: expected a party name of 1 to 256 characters, found ${typeof name === 'string' ? `${name.length} characters` : typeof name}`);
  }
  return name;
}

function isX25519(key: unknown, type: 'private' | 'public'): key is KeyObject {
  return key instanceof KeyObject && key.type === type && key.asymmetricKeyType === 'x25519';
}

function describeKey(key: unknown): string {
  if (!(key instanceof KeyObject)) return key === null ? 'null' : typeof key;
  return `a ${key.asymmetricKeyType ?? 'secret'} ${key.type} key`;
}

/** Validates a context: names, round, keys; returns the peers sorted by name. */
function checkContext(ctx: MaskContext): MaskPeer[] {
  if (!ctx || typeof ctx !== 'object') fail(`mask context: expected an object, found ${ctx === null ? 'null' : typeof ctx}`);
  checkName('federation', ctx.federation);
  if (!Number.isSafeInteger(ctx.round) || ctx.round < 0) fail(`round: expected a non-negative integer, found ${String(ctx.round)}`);
  const self = checkName('self', ctx.self);
  if (ctx.purpose !== undefined && typeof ctx.purpose !== 'string') fail(`purpose: expected a string, found ${typeof ctx.purpose}`);
  if (!isX25519(ctx.selfPrivateKey, 'private')) fail(`selfPrivateKey: expected an X25519 private key, found ${describeKey(ctx.selfPrivateKey)}`);
  if (!Array.isArray(ctx.peers) || ctx.peers.length === 0) fail('peers: expected at least one other party (secure aggregation needs two parties or more)');
  const seen = new Set<string>();
  for (const p of ctx.peers) {
    const name = checkName('peer name', p?.name);
    if (name === self) fail(`peers: "${name}" is this party itself; list only the other parties`);
    if (seen.has(name)) fail(`peers: "${name}" is listed twice`);
    seen.add(name);
    if (!isX25519(p.publicKey, 'public')) fail(`peer "${name}": expected an X25519 public key, found ${describeKey(p.publicKey)}`);
  }
  return [...ctx.peers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function checkLength(length: unknown): number {
  if (!Number.isSafeInteger(length) || (length as number) < 0 || (length as number) > 1 << 24) {
    fail(`vector length: expected an integer in [0, 2^24], found ${String(length)}`);
  }
  return length as number;
}

/** Length-prefixed UTF-8 fields: no two different field lists encode to the same bytes. */
function encodeFields(fields: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    const b = Buffer.from(typeof f === 'number' ? String(f) : f, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

/** The pair's shared X25519 secret (32 bytes); refuses the all-zero secret of a low-order public key. */
function sharedSecret(privateKey: KeyObject, peer: MaskPeer): Buffer {
  let secret: Buffer;
  try {
    secret = diffieHellman({ privateKey, publicKey: peer.publicKey });
  } catch (err) {
    fail(`peer "${peer.name}": X25519 key agreement failed (${(err as Error).message})`);
  }
  if (secret.every((b) => b === 0)) fail(`peer "${peer.name}": its public key is a low-order point (the shared secret is zero)`);
  return secret;
}

/**
 * The pair's mask: HKDF-SHA256 of the shared secret, bound to the domain, federation, round,
 * purpose, both names in sorted order and the vector length, read as big-endian uint64 entries.
 * Both parties of the pair compute the same vector.
 */
function pairMask(secret: Buffer, ctx: MaskContext, a: string, b: string, length: number): bigint[] {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const salt = createHash('sha256').update(MASK_DOMAIN).digest();
  const out: bigint[] = new Array<bigint>(length);
  for (let block = 0; block * BLOCK_ENTRIES < length; block++) {
    const n = Math.min(BLOCK_ENTRIES, length - block * BLOCK_ENTRIES);
    const info = encodeFields([MASK_DOMAIN, ctx.federation, ctx.round, ctx.purpose ?? '', lo, hi, length, block]);
    const bytes = Buffer.from(hkdfSync('sha256', secret, salt, info, n * 8));
    for (let i = 0; i < n; i++) out[block * BLOCK_ENTRIES + i] = bytes.readBigUInt64BE(i * 8);
  }
  return out;
}

function checkValues(what: string, values: readonly bigint[]): void {
  if (!Array.isArray(values)) fail(`${what}: expected an array of bigint, found ${typeof values}`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'bigint' || v < 0n || v > MOD_MASK) {
      fail(`${what}[${i}]: expected an integer in [0, 2^64), found ${typeof v === 'bigint' ? (v < 0n ? 'a negative integer' : 'an integer >= 2^64') : typeof v}`);
    }
  }
}

/**
 * This party's masked vector: values + sum over peers j of (+mask_ij if self < j, -mask_ij if
 * self > j), modulo 2^64. Alone it is uniformly distributed whatever the values (for anyone
 * without one of the pair secrets); summed over every party of the round the masks cancel.
 */
export function maskVector(values: readonly bigint[], ctx: MaskContext): bigint[] {
  const peers = checkContext(ctx);
  checkValues('values', values);
  const length = checkLength(values.length);
  const out = values.slice();
  for (const peer of peers) {
    const mask = pairMask(sharedSecret(ctx.selfPrivateKey, peer), ctx, ctx.self, peer.name, length);
    const add = ctx.self < peer.name;
    for (let i = 0; i < length; i++) out[i] = (add ? out[i]! + mask[i]! : out[i]! - mask[i]! + MODULUS) & MOD_MASK;
  }
  return out;
}

/** The entry-wise sum of vectors modulo 2^64 (all of one length). */
export function sumMasked(vectors: readonly bigint[][]): bigint[] {
  if (!Array.isArray(vectors) || vectors.length === 0) fail('masked vectors: expected at least one vector to sum, found none');
  const length = vectors[0]!.length;
  const out = new Array<bigint>(length).fill(0n);
  vectors.forEach((v, k) => {
    checkValues(`masked vector ${k}`, v);
    if (v.length !== length) fail(`masked vector ${k}: expected ${length} entries (as vector 0), found ${v.length}`);
    for (let i = 0; i < length; i++) out[i] = (out[i]! + v[i]!) & MOD_MASK;
  });
  return out;
}

/**
 * What this survivor added to its masked vector for the dropped peer's pair (the mask, or its
 * negation modulo 2^64): revealing it reveals nothing of the survivor's values, whose other pair
 * masks stay secret. Only ever reveal it for a party the coordinator has declared dropped and
 * whose masked vector it will never use (docs/federated-secure-aggregation.md).
 */
export function dropoutCorrection(ctx: MaskContext, dropped: string, length: number): bigint[] {
  checkContext(ctx);
  checkName('dropped', dropped);
  const n = checkLength(length);
  const peer = ctx.peers.find((p) => p.name === dropped);
  if (!peer) fail(`dropped: "${dropped}" is not a peer of "${ctx.self}" in this round`, { peers: ctx.peers.map((p) => p.name) });
  const mask = pairMask(sharedSecret(ctx.selfPrivateKey, peer), ctx, ctx.self, dropped, n);
  const add = ctx.self < dropped;
  return add ? mask : mask.map((m) => (MODULUS - m) & MOD_MASK);
}

/**
 * The exact sum of the survivors' values: the sum of their masked vectors minus every
 * correction (one per survivor and dropped party), modulo 2^64.
 */
export function unmaskSum(sum: readonly bigint[], corrections: readonly bigint[][]): bigint[] {
  checkValues('sum', sum);
  if (!Array.isArray(corrections)) fail(`corrections: expected an array of vectors, found ${typeof corrections}`);
  const out = sum.slice();
  corrections.forEach((c, k) => {
    checkValues(`correction ${k}`, c);
    if (c.length !== sum.length) fail(`correction ${k}: expected ${sum.length} entries (as the sum), found ${c.length}`);
    for (let i = 0; i < out.length; i++) out[i] = (out[i]! - c[i]! + MODULUS) & MOD_MASK;
  });
  return out;
}

/** An X25519 public key as 43 base64url characters (its raw 32 bytes), for specs and partials. */
export function exportX25519PublicKey(key: KeyObject): string {
  if (!isX25519(key, 'public')) fail(`expected an X25519 public key, found ${describeKey(key)}`);
  return key.export({ format: 'jwk' }).x as string;
}

/** An X25519 public key from its base64url raw form or a PEM (SPKI) text. */
export function importX25519PublicKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = /-----BEGIN/.test(text)
      ? createPublicKey(text)
      : createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: text }, format: 'jwk' });
  } catch {
    fail('expected an X25519 public key (43 base64url characters or a PEM public key), found text that is neither');
  }
  if (!isX25519(key, 'public')) fail(`expected an X25519 public key, found ${describeKey(key)}`);
  return key;
}

export { encodeState, decodeState, maskableMetrics, isMaskable, maskLayout, type DecodeOptions, type FieldKind } from './secure-state-codec.ts';
