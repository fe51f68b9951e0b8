// Encryption at rest for hidden datasets: AES-256-GCM (node:crypto) around a whole Arrow IPC stream.
// The file is decrypted only into memory, and the GCM tag is checked before a single byte is handed
// back, so a modified file never reaches the scorer. A key-check value in the header tells a wrong
// key (E_DATASET_KEY) apart from a modified file (E_DATASET_CORRUPT). Format: docs/hosts.md.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { ArbiterError } from '../errors.ts';

export const ENCRYPTION_MAGIC = Buffer.from('ARBDSENC', 'ascii');
export const ENCRYPTION_VERSION = 1;
const ALG_AES_256_GCM = 1;
export const KEY_ENV_VAR = 'ARBITER_DATASET_KEY';

// Header layout (little-endian), 72 bytes:
//   0  magic 'ARBDSENC' (8)   8 version u8   9 algorithm u8   10 reserved u16 = 0
//  12  nonce (12)            24 plaintext length u64         32 key check (24)   56 GCM tag (16)
// Bytes 0..56 are the GCM additional authenticated data, so any header change fails the tag.
export const HEADER_BYTES = 72;
const AAD_BYTES = 56;
const KEY_CHECK_BYTES = 24;

/**
 * HMAC of a fixed label: identifies the key without revealing it. It does not cover the nonce, so a
 * modified nonce is reported as a corrupt file (by the tag), not as a wrong key.
 */
function keyCheck(key: Buffer): Buffer {
  return createHmac('sha256', key).update('arbiter-dataset-key-check-v1').digest().subarray(0, KEY_CHECK_BYTES);
}

function assertKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== 32) {
    throw new ArbiterError('E_DATASET_KEY', `dataset key must be 32 bytes (64 hex characters), found ${Buffer.isBuffer(key) ? key.length : typeof key} bytes`);
  }
}

/** Parse a key: 64 hex characters (surrounding whitespace ignored). The key itself never enters a message. */
export function parseKey(text: string, source: string): Buffer {
  const t = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(t)) {
    throw new ArbiterError('E_DATASET_KEY', `${source} must hold a 256-bit key as 64 hex characters, found ${t.length} characters${/^[0-9a-fA-F]*$/.test(t) ? '' : ' that are not all hex'}`);
  }
  return Buffer.from(t, 'hex');
}

/**
 * Load the dataset key from `--key-file <path>` or, if no file is given, the ARBITER_DATASET_KEY
 * environment variable (hex). There is deliberately no way to pass the key itself on the command line,
 * where it would land in shell history and process listings.
 */
export function loadDatasetKey(opts: { keyFile?: string | undefined; env?: NodeJS.ProcessEnv } = {}): Buffer {
  const env = opts.env ?? process.env;
  if (opts.keyFile !== undefined) {
    let text: string;
    try {
      const st = statSync(opts.keyFile);
      if (!st.isFile() || st.size > 4096) throw new Error('not a small regular file');
      text = readFileSync(opts.keyFile, 'utf8');
    } catch (e) {
      throw new ArbiterError('E_DATASET_KEY', `cannot read key file ${opts.keyFile}: expected a small file holding 64 hex characters (${(e as Error).message})`);
    }
    return parseKey(text, `key file ${opts.keyFile}`);
  }
  const v = env[KEY_ENV_VAR];
  if (v === undefined || v === '') {
    throw new ArbiterError('E_DATASET_KEY', `the dataset is encrypted and no key was given: pass --key-file <path> or set ${KEY_ENV_VAR} (64 hex characters)`);
  }
  return parseKey(v, `environment variable ${KEY_ENV_VAR}`);
}

/** A fresh random key as hex, for `arbiter dataset keygen` (never feeds a score). */
export function generateDatasetKey(): string {
  return randomBytes(32).toString('hex');
}

/** True when the bytes start with the arbiter encrypted-dataset magic. */
export function isEncrypted(head: Uint8Array): boolean {
  return head.length >= ENCRYPTION_MAGIC.length && ENCRYPTION_MAGIC.equals(Buffer.from(head.subarray(0, ENCRYPTION_MAGIC.length)));
}

/** True when the file at `path` is an arbiter encrypted dataset (reads 8 bytes). */
export function isEncryptedFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(ENCRYPTION_MAGIC.length);
    const n = readSync(fd, b, 0, b.length, 0);
    return isEncrypted(b.subarray(0, n));
  } finally { closeSync(fd); }
}


/**
 * Encrypt the Arrow stream file `input` into `output` (streaming: memory stays flat). `nonce` is
 * for tests only; by default a fresh random 96-bit nonce is drawn, which GCM requires per encryption.
 */
export async function encryptFile(input: string, output: string, key: Buffer, opts: { nonce?: Buffer } = {}): Promise<{ bytes: number }> {
  assertKey(key);
  const nonce = opts.nonce ?? randomBytes(12);
  if (nonce.length !== 12) throw new ArbiterError('E_USAGE', `nonce must be 12 bytes, found ${nonce.length}`);
  const size = statSync(input).size;
  const header = Buffer.alloc(HEADER_BYTES);
  ENCRYPTION_MAGIC.copy(header, 0);
  header[8] = ENCRYPTION_VERSION;
  header[9] = ALG_AES_256_GCM;
  nonce.copy(header, 12);
  header.writeBigUInt64LE(BigInt(size), 24);
  keyCheck(key).copy(header, 32);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(header.subarray(0, AAD_BYTES));
  const fd = openSync(output, 'w', 0o600);
  let pos = HEADER_BYTES;
  let plain = 0;
  try {
    writeSync(fd, header, 0, HEADER_BYTES, 0);
    for await (const chunk of createReadStream(input)) {
      plain += (chunk as Buffer).length;
      const c = cipher.update(chunk as Buffer);
      pos += writeSync(fd, c, 0, c.length, pos);
    }
    const last = cipher.final();
    pos += writeSync(fd, last, 0, last.length, pos);
    if (plain !== size) throw new ArbiterError('E_DATASET_INVALID', `${input} changed size while it was being encrypted (${size} -> ${plain} bytes)`);
    const tag = cipher.getAuthTag();
    writeSync(fd, tag, 0, tag.length, AAD_BYTES);
  } finally { closeSync(fd); }
  return { bytes: pos };
}

/** Decrypt an encrypted dataset held in memory; see decryptToBuffer. */
export function decryptBuffer(data: Uint8Array, key: Buffer, name = 'dataset'): Buffer {
  assertKey(key);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < HEADER_BYTES || !isEncrypted(buf)) {
    throw new ArbiterError('E_DATASET_CORRUPT', `${name} is not an arbiter encrypted dataset: expected the 'ARBDSENC' magic and a ${HEADER_BYTES}-byte header, found ${buf.length < HEADER_BYTES ? `${buf.length} bytes` : 'other leading bytes'}`);
  }
  if (buf[8] !== ENCRYPTION_VERSION || buf[9] !== ALG_AES_256_GCM || buf.readUInt16LE(10) !== 0) {
    throw new ArbiterError('E_DATASET_CORRUPT', `${name}: unsupported encrypted format: expected version ${ENCRYPTION_VERSION} / AES-256-GCM, found version ${buf[8]} algorithm ${buf[9]}`);
  }
  const nonce = buf.subarray(12, 24);
  const declared = buf.readBigUInt64LE(24);
  const body = buf.subarray(HEADER_BYTES);
  if (declared !== BigInt(body.length)) {
    throw new ArbiterError('E_DATASET_CORRUPT', `${name} is truncated or extended: the header declares ${declared} bytes of data, the file holds ${body.length}`);
  }
  if (!timingSafeEqual(keyCheck(key), buf.subarray(32, 56))) {
    throw new ArbiterError('E_DATASET_KEY', `${name} was encrypted with a different key: the key's check value does not match the file's`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(buf.subarray(0, AAD_BYTES));
  decipher.setAuthTag(buf.subarray(AAD_BYTES, HEADER_BYTES));
  const out = Buffer.alloc(body.length);
  let off = 0;
  // Decrypt in 1 MiB steps into one preallocated buffer (no concat copy of the whole set).
  for (let i = 0; i < body.length; i += 1 << 20) off += decipher.update(body.subarray(i, Math.min(body.length, i + (1 << 20)))).copy(out, off);
  try {
    off += decipher.final().copy(out, off);
  } catch {
    out.fill(0);
    throw new ArbiterError('E_DATASET_CORRUPT', `${name} was modified after encryption: the AES-GCM authentication tag does not match its contents`);
  }
  return out;
}

/**
 * Read and decrypt an encrypted dataset file into memory. Nothing is returned until the whole file
 * has been authenticated. Throws E_DATASET_KEY (wrong key) or E_DATASET_CORRUPT (not our format,
 * truncated, or modified).
 */
export function decryptToBuffer(file: string, key: Buffer): Buffer {
  const fd = openSync(file, 'r');
  let data: Buffer;
  try {
    data = Buffer.alloc(fstatSync(fd).size);
    let off = 0;
    while (off < data.length) {
      const n = readSync(fd, data, off, data.length - off, off);
      if (n === 0) break;
      off += n;
    }
    data = data.subarray(0, off);
  } finally { closeSync(fd); }
  return decryptBuffer(data, key, file);
}
