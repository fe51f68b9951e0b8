// The radix order of integer ids (src/data/id-order.ts) against the comparator sort it replaced,
// on ids that stress each 16-bit digit, the sign, both ends of the int64 range and duplicates;
// and `dataset pack` with such ids writes the bytes of packing the same rows already in id order.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orderByKeys, putInt64Keys, sameKey, type IdKeys } from '../../src/data/id-order.ts';
import { packDataset, PackSchema } from '../../src/data/pack.ts';
import { ArbiterError } from '../../src/errors.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-id-order-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

/** Ids that differ in one digit only, straddle 0 and 2^32, 2^53 and both int64 ends, shuffled, with duplicates. */
function adversarialIds(seed: number, n: number): bigint[] {
  const rand = mulberry32(seed);
  const fixed = [0n, -1n, 1n, MIN, MAX, MIN + 1n, MAX - 1n, 2n ** 32n, 2n ** 32n - 1n, -(2n ** 32n), 2n ** 53n + 1n, -(2n ** 53n) - 1n,
    0xffffn, 0x10000n, 0xffff0000n, 0x7fffffffn, -0x80000000n, 0x0001000000010000n, 0x0001000000000000n];
  const out = [...fixed];
  while (out.length < n) {
    const hi = BigInt(Math.floor(rand() * 2 ** 32));
    const lo = BigInt(Math.floor(rand() * 2 ** 32));
    let v = BigInt.asIntN(64, (hi << 32n) | lo);
    if (rand() < 0.3) v = BigInt(Math.floor((rand() - 0.5) * 2 ** 20)); // small ids: the upper digits are all equal
    if (rand() < 0.1) v = out[Math.floor(rand() * out.length)]!; // a duplicate
    out.push(v);
  }
  for (let i = out.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [out[i], out[j]] = [out[j]!, out[i]!]; }
  return out;
}

function keysOf(ids: bigint[]): IdKeys {
  const keys: IdKeys = { hi: new Uint32Array(ids.length), lo: new Uint32Array(ids.length) };
  const words = new BigInt64Array(ids);
  putInt64Keys(keys, 0, new Uint32Array(words.buffer), ids.length);
  return keys;
}

describe('orderByKeys', () => {
  it('is the stable comparator order of the signed int64 ids', () => {
    for (const seed of [1, 2, 3]) {
      const ids = adversarialIds(seed, 3000);
      const expected = ids.map((_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
      const order = orderByKeys(keysOf(ids), ids.length);
      expect(Array.from(order)).toEqual(expected);
    }
  });

  it('sameKey is id equality; empty and single-row inputs', () => {
    const ids = [5n, MIN, 5n, MAX, 2n ** 32n + 5n];
    const keys = keysOf(ids);
    expect(sameKey(keys, 0, 2)).toBe(true);
    expect(sameKey(keys, 0, 4)).toBe(false);
    expect(sameKey(keys, 1, 3)).toBe(false);
    expect(Array.from(orderByKeys(keysOf([]), 0))).toEqual([]);
    expect(Array.from(orderByKeys(keysOf([MAX]), 1))).toEqual([0]);
  });
});

describe('dataset pack with radix-ordered ids', () => {
  const pack = (name: string, text: string, type: 'int64' | 'int32'): Buffer => {
    const f = path.join(tmp, name);
    writeFileSync(f, text);
    packDataset(f, PackSchema.parse({ columns: [{ name: 'id', type }, { name: 'y', type: 'float64', label: true }] }), `${f}.arrow`);
    return readFileSync(`${f}.arrow`);
  };

  it('int64 and int32 ids in any order pack to the bytes of the same rows written in id order', () => {
    const ids64 = [...new Set(adversarialIds(7, 2500))];
    const sorted64 = [...ids64].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const csv = (ids: bigint[]) => `id,y\n${ids.map((id) => `${id},${Number(BigInt.asIntN(20, id)) / 8}`).join('\n')}\n`;
    expect(pack('shuffled64.csv', csv(ids64), 'int64').equals(pack('sorted64.csv', csv(sorted64), 'int64'))).toBe(true);
    const ids32 = [...new Set(ids64.map((v) => BigInt.asIntN(32, v)))];
    const sorted32 = [...ids32].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(pack('shuffled32.csv', csv(ids32), 'int32').equals(pack('sorted32.csv', csv(sorted32), 'int32'))).toBe(true);
  });

  it('a duplicate int64 id names both lines, the smallest duplicated id first', () => {
    const text = `id,y\n${MAX},1\n-7,2\n${MIN},3\n${MAX},4\n-7,5\n`;
    const f = path.join(tmp, 'dup.csv');
    writeFileSync(f, text);
    let err: unknown;
    try { packDataset(f, PackSchema.parse({ columns: [{ name: 'id', type: 'int64' }, { name: 'y', type: 'float64', label: true }] }), `${f}.arrow`); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ArbiterError);
    expect((err as ArbiterError).message).toBe('dup.csv line 6: duplicate id -7 (also on line 3)');
  });
});
