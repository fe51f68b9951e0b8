import { Float32, Int64, RecordBatchReader, Table, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { schemaHash } from '../../src/data/commitment.ts';
import { samplePublic } from '../../src/data/sample.ts';

function table(ids: number[], scale = 1): Table {
  return new Table({ id: vectorFromArray(ids.map(BigInt), new Int64()), x: vectorFromArray(ids.map((i) => i * scale), new Float32()) });
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const source = (t: Table, cuts: number[] = []) => () => {
  const bounds = [0, ...cuts, t.numRows];
  const batches = bounds.slice(0, -1).flatMap((lo, k) => t.slice(lo, bounds[k + 1]).batches);
  return RecordBatchReader.from(tableToIPC(new Table(batches), 'stream'));
};

async function codeOf(p: Promise<unknown>): Promise<[string, string]> {
  try { await p; return ['none', '']; } catch (e) { return [(e as { code: string }).code, (e as Error).message]; }
}

describe('samplePublic', () => {
  const pool = table(range(1000, 1100));

  it('draws a deterministic, id-ordered sample with the pool schema, independent of batch cuts', async () => {
    const a = tableFromIPC(await samplePublic(source(pool), { rows: 10, seed: 'public-2026' }));
    const b = tableFromIPC(await samplePublic(source(pool, [7, 33, 50]), { rows: 10, seed: 'public-2026' }));
    const c = tableFromIPC(await samplePublic(source(pool), { rows: 10, seed: 'other-seed' }));
    const ids = (t: Table) => [...t.getChild('id')!].map(Number);
    expect(a.numRows).toBe(10);
    expect(ids(b)).toEqual(ids(a));
    expect(ids(c)).not.toEqual(ids(a));
    expect(ids(a)).toEqual([...ids(a)].sort((x, y) => x - y));
    expect(schemaHash(a.schema)).toBe(schemaHash(pool.schema));
    // Values travel with their rows.
    for (const r of a) expect(r.x).toBe(Number(r.id));
  });

  it('refuses a sample that would contain hidden rows, naming counts only', async () => {
    const hidden = table(range(1050, 1060).concat(range(2000, 2010)));
    const [code, message] = await codeOf(samplePublic(source(pool), { rows: 100, seed: 's', hidden: source(hidden) }));
    expect(code).toBe('E_DATASET_INVALID');
    expect(message).toMatch(/10 of the 100 sampled rows/);
    expect(message).not.toMatch(/105\d/);
    const disjoint = table(range(5000, 5010));
    expect((await codeOf(samplePublic(source(pool), { rows: 20, seed: 's', hidden: source(disjoint) })))[0]).toBe('none');
  });

  it('refuses a pool whose schema differs from the hidden set, and bad row counts', async () => {
    const other = new Table({ id: vectorFromArray([1n], new Int64()), y: vectorFromArray([1], new Float32()) });
    expect((await codeOf(samplePublic(source(pool), { rows: 5, seed: 's', hidden: source(other) })))[0]).toBe('E_DATASET_INVALID');
    expect((await codeOf(samplePublic(source(pool), { rows: 0, seed: 's' })))[0]).toBe('E_USAGE');
    expect((await codeOf(samplePublic(source(pool), { rows: 101, seed: 's' })))[0]).toBe('E_USAGE');
  });
});
