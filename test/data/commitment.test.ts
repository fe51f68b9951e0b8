import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Field, FixedSizeList, Float32, Float64, Int64, RecordBatchReader, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray,
  type RecordBatch,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  assertCommitment, canonicalRowBytes, commitDataset, proveRows, revealDataset, schemaHash, verifyRowProof,
} from '../../src/data/commitment.ts';
import { ArbiterError } from '../../src/errors.ts';

function smallTable(ids: bigint[] = [1n, 2n, 3n], xs: number[] = [0.5, -1, 2.25], names: (string | null)[] = ['a', 'bb', null]): Table {
  return new Table({ id: vectorFromArray(ids, new Int64()), x: vectorFromArray(xs, new Float32()), name: vectorFromArray(names, new Utf8()) });
}

function batchesOf(t: Table): RecordBatch[] {
  return [...RecordBatchReader.from(tableToIPC(t, 'stream'))];
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try { await p; return 'none'; } catch (e) { return (e as ArbiterError).code; }
}

describe('commitDataset', () => {
  it('matches the golden root computed by an independent Python implementation of docs/hosts.md', async () => {
    // Golden values from a hashlib/struct implementation of the encoding in docs/hosts.md (run 2026-11-29).
    const c = await commitDataset(batchesOf(smallTable()));
    expect(c.schemaHash).toBe('c7012e69ffaa7ad5c58d2cb639d4c2e1991eceafe2dcaa7aeab6031c2a63002e');
    expect(c.treeRoot).toBe('4ba2a9e4b01127cdf7ae20b1469ab5825c0f75e290721d9f8218815b95dedee8');
    expect(c.root).toBe('34dd7413e3302bc0692d357c210bdd2351176abac6543bbbe809eab9f474f69f');
    expect(c.rowCount).toBe(3);
  });

  it('streams from an Arrow IPC stream file and does not depend on how rows are cut into batches', async () => {
    const n = 37;
    const ids = Array.from({ length: n }, (_, i) => BigInt(i * 3 + 1));
    const xs = Array.from({ length: n }, (_, i) => i / 7);
    const names = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `row-${i}`));
    const whole = smallTable(ids, xs, names);
    const one = await commitDataset(batchesOf(whole));
    // The same rows written as 4 record batches.
    const cuts = [0, 10, 11, 30, n];
    const parts = cuts.slice(0, -1).map((lo, k) => whole.slice(lo, cuts[k + 1]));
    expect(parts.length).toBe(4);
    const multi = new Table(parts.flatMap((p) => p.batches));
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-commit-'));
    const file = join(dir, 'd.arrows');
    writeFileSync(file, tableToIPC(multi, 'stream'));
    const reader = await RecordBatchReader.from(createReadStream(file));
    let batches = 0;
    const fromFile = await commitDataset((async function* () { for await (const b of reader) { batches++; yield b; } })());
    expect(batches).toBeGreaterThan(1);
    expect(fromFile.root).toBe(one.root);
  });

  it('changes the root when any value, row, column name or type changes', async () => {
    const base = (await commitDataset(batchesOf(smallTable()))).root;
    const variants: Table[] = [
      smallTable([1n, 2n, 3n], [0.5, -1, 2.5]),                 // one value
      smallTable([1n, 2n, 4n]),                                 // one id
      smallTable([1n, 2n], [0.5, -1], ['a', 'bb']),             // one row fewer
      smallTable([1n, 2n, 3n], [0.5, -1, 2.25], ['a', 'bb', '']), // null vs empty string
      new Table({ id: vectorFromArray([1n, 2n, 3n], new Int64()), y: vectorFromArray([0.5, -1, 2.25], new Float32()), name: vectorFromArray(['a', 'bb', null], new Utf8()) }),
      new Table({ id: vectorFromArray([1n, 2n, 3n], new Int64()), x: vectorFromArray([0.5, -1, 2.25], new Float64()), name: vectorFromArray(['a', 'bb', null], new Utf8()) }),
    ];
    const roots = await Promise.all(variants.map(async (t) => (await commitDataset(batchesOf(t))).root));
    expect(new Set([base, ...roots]).size).toBe(variants.length + 1);
  });

  it('commits FixedSizeList feature columns and Utf8 ids', async () => {
    const f32 = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const type = new FixedSizeList(2, new Field('item', new Float32(), false));
    const feats = makeData({ type, length: 3, nullCount: 0, child: makeData({ type: new Float32(), data: f32 }) });
    const t1 = new Table({ id: vectorFromArray(['a', 'b', 'c'], new Utf8()), features: makeVector(feats) });
    const f2 = Float32Array.from([1, 2, 3, 4, 5, 7]);
    const feats2 = makeData({ type, length: 3, nullCount: 0, child: makeData({ type: new Float32(), data: f2 }) });
    const t2 = new Table({ id: vectorFromArray(['a', 'b', 'c'], new Utf8()), features: makeVector(feats2) });
    const c1 = await commitDataset(batchesOf(t1));
    const c2 = await commitDataset(batchesOf(t2));
    expect(c1.rowCount).toBe(3);
    expect(c1.root).not.toBe(c2.root);
    const b = batchesOf(t1)[0]!;
    // row 0: id flag, u32 len 1, "a"; list flag; then 2 floats (flag + 4 LE bytes each)
    expect([...canonicalRowBytes(b, 0)]).toEqual([1, 1, 0, 0, 0, 97, 1, 1, 0, 0, 0x80, 0x3f, 1, 0, 0, 0, 0x40]);
  });

  it('refuses unsorted, duplicate and null ids with E_DATASET_INVALID, naming positions but never values', async () => {
    const secret = 'SECRET-LABEL-VALUE';
    const cases = [
      smallTable([1n, 3n, 2n], [0, 0, 0], [secret, secret, secret]),
      smallTable([1n, 777777n, 777777n], [0, 0, 0], [secret, secret, secret]),
    ];
    for (const t of cases) {
      try {
        await commitDataset(batchesOf(t));
        expect.unreachable();
      } catch (e) {
        expect((e as ArbiterError).code).toBe('E_DATASET_INVALID');
        expect((e as Error).message).not.toContain(secret);
        expect((e as Error).message).not.toContain('777777');
        expect((e as Error).message).toMatch(/row 2/);
      }
    }
    const nullId = new Table({ id: vectorFromArray([1n, null, 3n], new Int64()) });
    expect(await codeOf(commitDataset(batchesOf(nullId)))).toBe('E_DATASET_INVALID');
    const noId = new Table({ key: vectorFromArray([1n], new Int64()) });
    expect(await codeOf(commitDataset(batchesOf(noId)))).toBe('E_DATASET_INVALID');
    expect(await codeOf(commitDataset([]))).toBe('E_DATASET_INVALID');
  });

  it('assertCommitment and revealDataset refuse a different set with E_DATASET_COMMITMENT', async () => {
    const c = await commitDataset(batchesOf(smallTable()));
    expect(() => assertCommitment(c, c.root.toUpperCase())).not.toThrow();
    expect(await codeOf(revealDataset(batchesOf(smallTable()), c.root))).toBe('none');
    expect(await codeOf(revealDataset(batchesOf(smallTable([1n, 2n, 3n], [0.5, -1, 2.5])), c.root))).toBe('E_DATASET_COMMITMENT');
  });

  it('schemaHash depends on names, types, order and nullability', () => {
    const a = smallTable().schema;
    const b = new Table({ x: vectorFromArray([1], new Float32()), id: vectorFromArray([1n], new Int64()), name: vectorFromArray(['a'], new Utf8()) }).schema;
    expect(schemaHash(a)).not.toBe(schemaHash(b));
  });
});

describe('inclusion proofs', () => {
  it('prove every row of sets of 1..9 rows, and fail on a changed row, index or root', async () => {
    for (let n = 1; n <= 9; n++) {
      const ids = Array.from({ length: n }, (_, i) => BigInt(i));
      const t = smallTable(ids, ids.map((i) => Number(i) / 2), ids.map((i) => `n${i}`));
      const batches = batchesOf(t);
      const all = Array.from({ length: n }, (_, i) => i);
      const { commitment, proofs } = await proveRows(batches, all);
      expect(commitment.root).toBe((await commitDataset(batches)).root);
      const b = batches[0]!;
      for (const p of proofs) {
        const row = Buffer.from(canonicalRowBytes(b, p.index));
        expect(verifyRowProof(row, p, commitment.root)).toBe(true);
        const other = Buffer.from(canonicalRowBytes(b, (p.index + 1) % n));
        if (n > 1) expect(verifyRowProof(other, p, commitment.root)).toBe(false);
        if (n > 1) expect(verifyRowProof(row, { ...p, index: (p.index + 1) % n }, commitment.root)).toBe(false);
        expect(verifyRowProof(row, { ...p, rowCount: n + 1 }, commitment.root)).toBe(false);
      }
    }
  });

  it('refuses an out-of-range row index with E_USAGE', async () => {
    expect(await codeOf(proveRows(batchesOf(smallTable()), [3]))).toBe('E_USAGE');
  });
});
