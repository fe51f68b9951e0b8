// Opens a language-model benchmark's hidden set (JSONL: chat-jsonl, choice-jsonl, text-jsonl) for
// a scoring job: checks the sha256 commitment on the JSONL bytes, validates every row with the
// task's row parser, gives each row its id and assigns it to a split once, exactly as prepare.ts
// does for Arrow rows.
// Row id: the row's `dataset.idColumn` field (default "id"; a string or an integer) when present,
// else its 1-based line number in the file, as decimal text. Ids must be unique.
import { readFileSync } from 'node:fs';
import { ArbiterError } from '../errors.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { chatExampleFromRow, type ChatExample } from './lm-rows.ts';
import { sha256Hex } from '../benchmark/canonical.ts';
import { PUBLIC, splitOf } from './split.ts';

export interface PreparedJsonlDataset<T> {
  file: string;
  sha256: string;
  rows: number;
  /** row ids in file order (the order the sha256 commits to, and the order batches are cut in) */
  ids: string[];
  examples: T[];
  /** one byte per row in file order: 1 public, 0 private */
  splitMask: Uint8Array;
  publicRows: number;
}

export type PreparedChatDataset = PreparedJsonlDataset<ChatExample>;

/** The id of one parsed row (see the header). */
export function chatRowId(row: unknown, line: number, idField: string, file: string): string {
  const v = row && typeof row === 'object' && !Array.isArray(row) ? (row as Record<string, unknown>)[idField] : undefined;
  if (v === undefined) return String(line);
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: line ${line}: "${idField}" must be a non-empty string or an integer, found ${JSON.stringify(v)}`, { file, line });
}

export function prepareChatDataset(b: LoadedBenchmark): PreparedChatDataset {
  return prepareJsonlDataset(b, 'chat', chatExampleFromRow);
}

/**
 * Read, commit-check, parse and split a JSONL hidden set. `kind` names the data in messages
 * ("chat data line 7: ..."); `parse` validates one parsed row (1-based line) and throws
 * E_CHAT_DATA with the line for a malformed one.
 */
export function prepareJsonlDataset<T>(b: LoadedBenchmark, kind: string, parse: (row: unknown, line: number) => T): PreparedJsonlDataset<T> {
  const file = b.datasetPath;
  let bytes: Buffer;
  try { bytes = readFileSync(file); } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected a readable file, but ${e.code === 'ENOENT' ? 'it does not exist' : e.message}`, { file });
  }
  const sha256 = sha256Hex(bytes);
  if (sha256 !== b.spec.dataset.sha256) {
    throw new ArbiterError('E_DATASET_COMMITMENT', `dataset ${file}: the spec commits to sha256 ${b.spec.dataset.sha256}, the file has ${sha256}`, {
      file, expected: b.spec.dataset.sha256, found: sha256,
    });
  }
  const idField = b.spec.dataset.idColumn;
  const ids: string[] = [];
  const examples: T[] = [];
  const lineOf = new Map<string, number>();
  const lines = bytes.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    if (s === '') continue;
    let row: unknown;
    try { row = JSON.parse(s); } catch (e) {
      throw new ArbiterError('E_CHAT_DATA', `${kind} data line ${i + 1}: not valid JSON (${(e as Error).message})`, { line: i + 1, file });
    }
    const id = chatRowId(row, i + 1, idField, file);
    const prev = lineOf.get(id);
    if (prev !== undefined) throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: line ${i + 1} has row id ${id}, already used by line ${prev}; ids must be unique`, { file, line: i + 1 });
    lineOf.set(id, i + 1);
    examples.push(parse(row, i + 1));
    ids.push(id);
  }
  const rows = ids.length;
  if (rows === 0) throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected at least one row, found none`, { file });
  const splitMask = new Uint8Array(rows);
  let publicRows = 0;
  for (let i = 0; i < rows; i++) {
    splitMask[i] = splitOf(b.splitKey, ids[i]!, b.spec.split.publicFraction);
    if (splitMask[i] === PUBLIC) publicRows++;
  }
  // Every metric is finalized on both splits; an empty split would fail every submission instead.
  if (publicRows === 0 || publicRows === rows) {
    const empty = publicRows === 0 ? 'public' : 'private';
    throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected rows in both splits, found none in the ${empty} split (${rows} row${rows === 1 ? '' : 's'}, publicFraction ${b.spec.split.publicFraction})`, { file, split: empty });
  }
  return { file, sha256, rows, ids, examples, splitMask, publicRows };
}
