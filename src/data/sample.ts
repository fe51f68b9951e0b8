// The public sample participants see (`arbiter dataset sample`): a deterministic selection of rows
// from the host's PUBLIC pool, with exactly the hidden set's schema. Rows are chosen by a keyed hash
// of their id (the `rows` smallest hashes), so the choice does not depend on how the file is cut into
// batches; two streaming passes keep memory bounded by the sample, not the pool. Given the hidden set,
// it refuses to emit any row whose id is in it, and any schema that differs from it.
import { createHash } from 'node:crypto';
import { RecordBatchReader, Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import { ArbiterError } from '../errors.ts';
import { schemaHash } from './commitment.ts';

export type BatchSource = () => AsyncIterable<RecordBatch> | Iterable<RecordBatch>;

export interface SampleOptions {
  rows: number;
  /** Key of the selection hash (publish it: anyone can re-derive the sample from the pool). */
  seed: string;
  idColumn?: string;
  /** The hidden set, to check the sample shares its schema and none of its ids. */
  hidden?: BatchSource;
}

function idKey(v: unknown): string {
  return typeof v === 'bigint' ? `i:${v}` : typeof v === 'number' ? `i:${BigInt(v)}` : `s:${String(v)}`;
}

function rankHash(seed: string, id: unknown): string {
  return createHash('sha256').update(`arbiter-sample-v1\0${seed}\0${idKey(id)}`).digest('hex');
}

/** Build the public sample as an Arrow IPC stream (bytes). Reads `pool` twice. */
export async function samplePublic(pool: BatchSource, opts: SampleOptions): Promise<Uint8Array> {
  if (!Number.isInteger(opts.rows) || opts.rows < 1) throw new ArbiterError('E_USAGE', `--rows must be a positive integer, found ${opts.rows}`);
  const idName = opts.idColumn ?? 'id';
  // Pass 1: the `rows` smallest hashes (kept sorted; fine for the sample sizes a public sample has).
  let best: Array<{ h: string; key: string }> = [];
  let poolSchema: string | undefined;
  let total = 0;
  for await (const b of pool() as AsyncIterable<RecordBatch>) {
    poolSchema ??= schemaHash(b.schema);
    const ids = b.getChild(idName);
    if (!ids) throw new ArbiterError('E_DATASET_INVALID', `the pool has no '${idName}' column`);
    for (let i = 0; i < b.numRows; i++) {
      total++;
      const id = ids.get(i);
      const h = rankHash(opts.seed, id);
      if (best.length < opts.rows || h < best[best.length - 1]!.h) {
        best.push({ h, key: idKey(id) });
        best.sort((a, c) => (a.h < c.h ? -1 : a.h > c.h ? 1 : 0));
        if (best.length > opts.rows) best = best.slice(0, opts.rows);
      }
    }
  }
  if (poolSchema === undefined) throw new ArbiterError('E_DATASET_INVALID', 'the pool has no record batches');
  if (total < opts.rows) throw new ArbiterError('E_USAGE', `the pool has ${total} rows, fewer than the ${opts.rows} requested`);
  const chosen = new Set(best.map((b) => b.key));

  if (opts.hidden) {
    let hiddenSchema: string | undefined;
    let overlap = 0;
    for await (const b of opts.hidden() as AsyncIterable<RecordBatch>) {
      hiddenSchema ??= schemaHash(b.schema);
      const ids = b.getChild(idName);
      for (let i = 0; ids && i < b.numRows; i++) if (chosen.has(idKey(ids.get(i)))) overlap++;
    }
    if (hiddenSchema !== undefined && hiddenSchema !== poolSchema) {
      throw new ArbiterError('E_DATASET_INVALID', 'the public pool and the hidden set have different schemas: the sample must have the same columns, types and order as the hidden set');
    }
    if (overlap > 0) {
      // Count only: never the ids themselves.
      throw new ArbiterError('E_DATASET_INVALID', `${overlap} of the ${opts.rows} sampled rows have ids that are in the hidden set: draw the public sample from a pool disjoint from the hidden set`);
    }
  }

  // Pass 2: copy the chosen rows out, batch by batch, in pool (id) order.
  const parts: RecordBatch[] = [];
  for await (const b of pool() as AsyncIterable<RecordBatch>) {
    const ids = b.getChild(idName)!;
    const slices: RecordBatch[] = [];
    for (let i = 0; i < b.numRows; i++) if (chosen.has(idKey(ids.get(i)))) slices.push(b.slice(i, i + 1));
    if (slices.length === 0) continue;
    // Re-encode so the copy no longer references the pool batch's buffers.
    for (const c of RecordBatchReader.from(tableToIPC(new Table(slices), 'stream'))) parts.push(c);
  }
  return tableToIPC(new Table(parts), 'stream');
}
