// The split's HMAC-SHA256 (midstate, plain JS) must be HMAC-SHA256 exactly: compared with
// node:crypto on keys shorter than, equal to and longer than a block, and on messages around
// the one-block boundary (55/56 bytes), multi-block and multi-byte UTF-8.
import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { HmacSha256 } from '../../src/data/split-hash.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';

describe('HmacSha256', () => {
  it('equals node:crypto HMAC-SHA256 on edge-case keys and messages', () => {
    const keys = [new Uint8Array(0), Buffer.from('tabular-demo-split-key-2026'), new Uint8Array(64).fill(7), new Uint8Array(65).fill(1), new Uint8Array(200).fill(9)];
    const msgs = ['', '1', '18446744073709551615', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(63), 'w'.repeat(64), 'é漢字🙂'.repeat(20), 'a'.repeat(300)];
    for (const key of keys) {
      const h = new HmacSha256(key);
      for (const m of msgs) expect(Buffer.from(h.digest(m)).toString('hex')).toBe(createHmac('sha256', key).update(m, 'utf8').digest('hex'));
    }
  });

  it('equals node:crypto on 2000 random keys and ids, reusing one hasher per key', () => {
    const rand = mulberry32(5);
    for (let k = 0; k < 20; k++) {
      const key = Uint8Array.from({ length: 1 + Math.floor(rand() * 90) }, () => Math.floor(rand() * 256));
      const h = new HmacSha256(key);
      for (let i = 0; i < 100; i++) {
        const id = rand() < 0.5 ? String(Math.floor(rand() * 2 ** 53)) : Array.from({ length: Math.floor(rand() * 80) }, () => String.fromCodePoint(32 + Math.floor(rand() * 0x2fff))).join('');
        expect(Buffer.from(h.digest(id)).toString('hex')).toBe(createHmac('sha256', key).update(id, 'utf8').digest('hex'));
      }
    }
  });
});
