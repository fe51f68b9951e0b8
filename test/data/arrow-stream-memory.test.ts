// The in-memory source of src/data/arrow-stream.ts (what a decrypted hidden set is read from): the
// same chunks as reading the file, and errors that name the source without its contents.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readChunks, type ColumnRequest, type RowChunk } from '../../src/data/arrow-stream.ts';
import { datasetTable, SECRET } from '../hostile/datasets.ts';
import { tempDir } from '../helpers.ts';

const REQ: ColumnRequest[] = [
  { name: 'id', kind: 'int64', width: 1, role: 'row id' },
  { name: 'features', kind: 'float32', width: 4, role: 'input' },
  { name: 'note', kind: 'utf8', width: 1, role: 'note' },
];

async function all(it: AsyncIterable<RowChunk>): Promise<string> {
  const out: unknown[] = [];
  for await (const c of it) out.push({ ...c, columns: [...c.columns].map(([k, v]) => [k, Array.from(v as ArrayLike<unknown>, String)]) });
  return JSON.stringify(out);
}

describe('readChunks from bytes in memory', () => {
  it('gives exactly the chunks of the same stream read from a file', async () => {
    const bytes = tableToIPC(datasetTable({ ids: Array.from({ length: 37 }, (_, i) => BigInt(i)) }), 'stream');
    const file = path.join(tempDir(), 'd.arrow');
    writeFileSync(file, bytes);
    for (const rows of [1, 5, 37, 100]) {
      expect(await all(readChunks({ name: 'mem', bytes }, REQ, rows))).toBe(await all(readChunks(file, REQ, rows)));
    }
  });

  it('names the source in errors and never echoes its rows', async () => {
    const bytes = tableToIPC(datasetTable(), 'stream');
    const fail = async (src: { name: string; bytes: Uint8Array }, req = REQ) => {
      try { await all(readChunks(src, req, 8)); } catch (e) { return e as { code: string; message: string }; }
      throw new Error('expected a failure');
    };
    const empty = await fail({ name: 'secret-set', bytes: new Uint8Array() });
    expect(empty.code).toBe('E_DATASET_INVALID');
    expect(empty.message).toContain('secret-set');
    const cut = await fail({ name: 'secret-set', bytes: bytes.subarray(0, 300) });
    expect(cut.code).toBe('E_DATASET_INVALID');
    const missing = await fail({ name: 'secret-set', bytes }, [{ name: 'nope', kind: 'float32', width: 1, role: 'input' }]);
    expect(missing.code).toBe('E_DATASET_INVALID');
    for (const e of [empty, cut, missing]) expect(e.message).not.toContain(SECRET);
  });
});
