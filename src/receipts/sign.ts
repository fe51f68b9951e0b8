// Ed25519 keys and receipt signatures (node:crypto only). A signature covers the UTF-8 bytes of
// the canonical body, so it survives re-serialisation and breaks on any change of content.
import { type KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ArbiterError } from '../errors.ts';
import { canonicalize } from '../benchmark/canonical.ts';
import type { Receipt, ReceiptSignature } from './receipt.ts';

export interface KeyPairPem {
  privateKeyPem: string; // PKCS#8
  publicKeyPem: string; // SPKI
  keyId: string;
}

/** sha256 hex of a public key's SPKI DER bytes: a short, stable identity for a validator key. */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function generateKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem,
    keyId: keyIdOf(publicKey),
  };
}

/** Default public key path for a private key path: key.pem -> key.pub.pem. */
export function publicKeyPathFor(privatePath: string): string {
  return privatePath.endsWith('.pem') ? privatePath.slice(0, -4) + '.pub.pem' : privatePath + '.pub.pem';
}

/**
 * `arbiter keygen`: write a new key pair. The private key file gets mode 0600. Refuses to
 * overwrite an existing file (E_RECEIPT_KEY): losing a validator key is not undoable.
 */
export function writeKeyPair(privatePath: string, publicPath: string = publicKeyPathFor(privatePath)): {
  privatePath: string;
  publicPath: string;
  keyId: string;
} {
  const pair = generateKeyPair();
  for (const [path, text, mode] of [
    [privatePath, pair.privateKeyPem, 0o600],
    [publicPath, pair.publicKeyPem, 0o644],
  ] as const) {
    try {
      writeFileSync(path, text, { flag: 'wx', mode });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ArbiterError(
        'E_RECEIPT_KEY',
        code === 'EEXIST'
          ? `expected no file at ${path} (keygen never overwrites a key), found an existing file`
          : `cannot write key file ${path}: ${(err as Error).message}`,
        { path },
      );
    }
  }
  return { privatePath, publicPath, keyId: pair.keyId };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ArbiterError('E_RECEIPT_KEY', `cannot read key file ${path}: ${(err as Error).message}`, { path });
  }
}

/** An Ed25519 private key from a PEM file (E_RECEIPT_KEY if missing or another key type). */
export function loadPrivateKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readKeyFile(path));
  } catch (err) {
    if (err instanceof ArbiterError) throw err;
    throw new ArbiterError('E_RECEIPT_KEY', `expected a PEM private key in ${path}, found something else: ${(err as Error).message}`, { path });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ArbiterError('E_RECEIPT_KEY', `expected an Ed25519 key in ${path}, found ${key.asymmetricKeyType}`, { path });
  }
  return key;
}

/** An Ed25519 public key from a PEM file (a private key file also works: its public half is used). */
export function loadPublicKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readKeyFile(path));
  } catch (err) {
    if (err instanceof ArbiterError) throw err;
    throw new ArbiterError('E_RECEIPT_KEY', `expected a PEM public key in ${path}, found something else: ${(err as Error).message}`, { path });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ArbiterError('E_RECEIPT_KEY', `expected an Ed25519 key in ${path}, found ${key.asymmetricKeyType}`, { path });
  }
  return key;
}

/** The receipt with a signature over its canonical body (the body and its sha256 are unchanged). */
export function signReceipt(receipt: Receipt, privateKey: KeyObject | string): Receipt {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ArbiterError('E_RECEIPT_KEY', `expected an Ed25519 private key, found ${key.asymmetricKeyType}`);
  }
  const publicKey = createPublicKey(key);
  const signature: ReceiptSignature = {
    algorithm: 'ed25519',
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
    value: sign(null, Buffer.from(canonicalize(receipt.body), 'utf8'), key).toString('base64'),
  };
  return { ...receipt, signature };
}

export type SignatureStatus = 'valid' | 'invalid' | 'absent' | 'wrong-key';

export interface SignatureCheck {
  status: SignatureStatus;
  keyId: string | null;
  message: string;
}

/**
 * Check a receipt's signature against the public key it carries, and, when `expectedKey` is given,
 * that this key is the expected one ('wrong-key' otherwise; 'absent' if the receipt is unsigned).
 */
export function verifyReceiptSignature(receipt: Receipt, expectedKey?: KeyObject | string): SignatureCheck {
  const sig = receipt.signature;
  if (!sig) {
    return { status: 'absent', keyId: null, message: expectedKey ? 'expected a signature, found an unsigned receipt' : 'receipt is not signed' };
  }
  let key: KeyObject;
  try {
    key = createPublicKey(sig.publicKey);
  } catch (err) {
    return { status: 'invalid', keyId: sig.keyId, message: `signature public key is not a valid PEM key: ${(err as Error).message}` };
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    return { status: 'invalid', keyId: sig.keyId, message: `expected an Ed25519 signing key, found ${key.asymmetricKeyType}` };
  }
  const keyId = keyIdOf(key);
  if (keyId !== sig.keyId) {
    return { status: 'invalid', keyId: sig.keyId, message: `signature keyId ${sig.keyId} does not match its public key (${keyId})` };
  }
  if (expectedKey) {
    // A public KeyObject is used as it is; a PEM string or a private KeyObject gives its public half.
    const expected = typeof expectedKey !== 'string' && expectedKey.type === 'public' ? expectedKey : createPublicKey(expectedKey);
    const want = keyIdOf(expected);
    if (want !== keyId) {
      return { status: 'wrong-key', keyId, message: `expected a signature by key ${want}, found one by key ${keyId}` };
    }
  }
  let ok = false;
  try {
    ok = verify(null, Buffer.from(canonicalize(receipt.body), 'utf8'), key, Buffer.from(sig.value, 'base64'));
  } catch {
    ok = false;
  }
  return ok
    ? { status: 'valid', keyId, message: `valid Ed25519 signature by key ${keyId}` }
    : { status: 'invalid', keyId, message: `Ed25519 signature by key ${keyId} does not match the receipt body` };
}
