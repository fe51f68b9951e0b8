// Opens a language-model benchmark's hidden set (JSONL: chat-jsonl, choice-jsonl, text-jsonl) for
// a scoring job, exactly as prepare.ts does for Arrow sets: decrypts it in memory when
// `dataset.encrypted`, checks the sha256 and the Merkle root (`dataset.commitment`), validates
// every row with the task's row parser, gives each row its id, assigns it to a split once, and
// checks the metrics' label preconditions. What a row and its id are: src/data/jsonl.ts.
import { readFileSync } from 'node:fs';
import { ArbiterError } from '../errors.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { chatExampleFromRow, type ChatExample } from './lm-rows.ts';
import { sha256Hex } from '../benchmark/canonical.ts';
import { assertCommitment, commitJsonl } from './commitment.ts';
import { jsonlRowId, jsonlRows, parseJsonlRow } from './jsonl.ts';
import { assertLabelPreconditions, LabelTally } from './label-checks.ts';
import { assertNotEncrypted, decryptHiddenSet, type PrepareOptions } from './prepare.ts';
import { assertBothSplits, PUBLIC, splitOf, splitOfValue, splitRuleOf } from './split.ts';

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

/** The id of one parsed row: its `idField` field, else its 1-based line number (see jsonl.ts). */
export const chatRowId = jsonlRowId;

export function prepareChatDataset(b: LoadedBenchmark, opts: PrepareOptions = {}): PreparedChatDataset {
  return prepareJsonlDataset(b, 'chat', chatExampleFromRow, opts);
}

/**
 * Read, commit-check, parse and split a JSONL hidden set. `kind` names the data in messages
 * ("chat data line 7: ..."); `parse` validates one parsed row (1-based line) and throws
 * E_CHAT_DATA with the line for a malformed one. A parsed row with an integer `label` (choice
 * and text sets) feeds the metrics' label preconditions.
 */
export function prepareJsonlDataset<T>(b: LoadedBenchmark, kind: string, parse: (row: unknown, line: number) => T, opts: PrepareOptions = {}): PreparedJsonlDataset<T> {
  const file = b.datasetPath;
  const encrypted = b.spec.dataset.encrypted === true;
  let bytes: Buffer;
  if (encrypted) bytes = decryptHiddenSet(b, opts);
  else {
    try { bytes = readFileSync(file); } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected a readable file, but ${e.code === 'ENOENT' ? 'it does not exist' : e.message}`, { file });
    }
  }
  const sha256 = sha256Hex(bytes);
  if (sha256 !== b.spec.dataset.sha256) {
    if (!encrypted) assertNotEncrypted(file);
    throw new ArbiterError('E_DATASET_COMMITMENT', `dataset ${file}: the spec commits to sha256 ${b.spec.dataset.sha256}, the ${encrypted ? 'decrypted ' : ''}file has ${sha256}`, {
      file, expected: b.spec.dataset.sha256, found: sha256,
    });
  }
  const idField = b.spec.dataset.idColumn;
  if (b.spec.dataset.commitment !== undefined) {
    // The published Merkle root over the rows, recomputed from the very bytes about to be scored.
    assertCommitment(commitJsonl(bytes, { idColumn: idField, name: file }), b.spec.dataset.commitment);
  }
  const rule = splitRuleOf(b.spec, b.splitKey);
  const task = b.spec.task;
  const numClasses = task.type === 'sequence-classification' ? task.numClasses : 0;
  const tally = numClasses > 0 ? new LabelTally('classes', numClasses) : undefined;
  const ids: string[] = [];
  const examples: T[] = [];
  const masks: number[] = [];
  let publicRows = 0;
  const lineOf = new Map<string, number>();
  for (const r of jsonlRows(bytes)) {
    const row = parseJsonlRow(r, `${kind} data`, 'E_CHAT_DATA');
    const id = jsonlRowId(row, r.line, idField, file);
    const prev = lineOf.get(id);
    // Ids are row contents: a message names lines only.
    if (prev !== undefined) throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: line ${r.line} repeats the row id of line ${prev}; ids must be unique`, { file, line: r.line });
    lineOf.set(id, r.line);
    const example = parse(row, r.line);
    const mask = rule.kind === 'hash'
      ? splitOf(rule.key, id, rule.publicFraction)
      : splitOfValue(row !== null && typeof row === 'object' ? (row as Record<string, unknown>)[rule.column] : undefined, r.line, rule, file);
    if (mask === PUBLIC) publicRows++;
    const label = (example as { label?: unknown }).label;
    if (tally && typeof label === 'number') tally.add(mask, label);
    examples.push(example);
    ids.push(id);
    masks.push(mask);
  }
  const rows = ids.length;
  if (rows === 0) throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected at least one row, found none`, { file });
  assertBothSplits(file, rows, publicRows, rule);
  if (tally) assertLabelPreconditions(b.spec, tally, file);
  return { file, sha256, rows, ids, examples, splitMask: Uint8Array.from(masks), publicRows };
}
