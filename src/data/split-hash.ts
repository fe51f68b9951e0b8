// HMAC-SHA256 of many short messages under one key, fast: the split hashes every row id of a
// hidden set (millions), and node:crypto's createHmac costs ~6 µs per call in object set-up
// alone. Here the key's inner and outer pad blocks are compressed once (the HMAC midstates),
// so a row id of up to 55 bytes costs two SHA-256 compressions in plain JS (~1 µs). The result
// is HMAC-SHA256 exactly (FIPS 198-1, FIPS 180-4); tests compare it with node:crypto.
import { createHash } from 'node:crypto';

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** One SHA-256 compression: `state` (8 words) absorbs the 64-byte block at `block[off..off+64)`. */
function compress(state: Int32Array, block: Uint8Array, off: number, w: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    w[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0; state[1] = (state[1]! + b) | 0; state[2] = (state[2]! + c) | 0; state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0; state[5] = (state[5]! + f) | 0; state[6] = (state[6]! + g) | 0; state[7] = (state[7]! + h) | 0;
}

/** HMAC-SHA256 under one fixed key, for many messages. Not thread-safe (scratch buffers), not secret-wiping. */
export class HmacSha256 {
  readonly #inner = new Int32Array(8); // state after the (key ^ ipad) block
  readonly #outer = new Int32Array(8); // state after the (key ^ opad) block
  readonly #w = new Int32Array(64);
  readonly #s = new Int32Array(8);
  #buf = new Uint8Array(128);
  readonly #enc = new TextEncoder();

  constructor(key: Uint8Array) {
    const k0 = new Uint8Array(64);
    k0.set(key.length > 64 ? createHash('sha256').update(key).digest() : key);
    const pad = new Uint8Array(64);
    for (let i = 0; i < 64; i++) pad[i] = k0[i]! ^ 0x36;
    this.#inner.set(IV);
    compress(this.#inner, pad, 0, this.#w);
    for (let i = 0; i < 64; i++) pad[i] = k0[i]! ^ 0x5c;
    this.#outer.set(IV);
    compress(this.#outer, pad, 0, this.#w);
  }

  /** The MAC of `message` (UTF-8) as 8 big-endian 32-bit words, in a buffer reused by the next call. */
  words(message: string): Int32Array {
    // Encode after room for padding: message, 0x80, zeros, 64-bit length, in whole blocks.
    let n: number;
    for (;;) {
      const r = this.#enc.encodeInto(message, this.#buf);
      if (r.read === message.length && r.written + 9 <= this.#buf.length) { n = r.written; break; }
      this.#buf = new Uint8Array(this.#buf.length * 2);
    }
    const blocks = Math.ceil((n + 9) / 64);
    const buf = this.#buf;
    buf.fill(0, n, blocks * 64);
    buf[n] = 0x80;
    const bits = (64 + n) * 8; // the ipad block counts toward the length
    const end = blocks * 64;
    buf[end - 4] = bits >>> 24; buf[end - 3] = bits >>> 16; buf[end - 2] = bits >>> 8; buf[end - 1] = bits;
    buf[end - 5] = Math.floor(bits / 2 ** 32); // ids are short; exact up to 2^40 bits
    const s = this.#s;
    s.set(this.#inner);
    for (let b = 0; b < blocks; b++) compress(s, buf, b * 64, this.#w);
    // Outer: the 32-byte inner hash, 0x80, zeros, length (64 + 32) * 8 bits: one block.
    const o = buf; // reuse the first block
    for (let i = 0; i < 8; i++) { const v = s[i]!; o[i * 4] = v >>> 24; o[i * 4 + 1] = v >>> 16; o[i * 4 + 2] = v >>> 8; o[i * 4 + 3] = v; }
    o.fill(0, 32, 64);
    o[32] = 0x80;
    o[62] = (768 >>> 8) & 0xff;
    o[63] = 768 & 0xff;
    s.set(this.#outer);
    compress(s, o, 0, this.#w);
    return s;
  }

  /** The full 32-byte MAC (for tests and callers that want bytes). */
  digest(message: string): Uint8Array {
    const s = this.words(message);
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) { const v = s[i]!; out[i * 4] = v >>> 24; out[i * 4 + 1] = v >>> 16; out[i * 4 + 2] = v >>> 8; out[i * 4 + 3] = v; }
    return out;
  }
}
