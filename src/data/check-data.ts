// `arbiter spec validate` checks the data as well as the spec: it opens a benchmark's hidden set
// exactly as a scoring job does (decryption, sha256, Merkle root, columns and types, ids, labels,
// splits, the metrics' label preconditions), so that a spec `score` would refuse is refused here.
// Reports counts only; nothing about a row.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../errors.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { datasetFormatOf } from '../benchmark/schema.ts';
import { chatExampleFromRow, choiceRowFromJson, textRowFromJson } from './lm-rows.ts';
import { prepareJsonlDataset } from './chat-dataset.ts';
import { prepareDataset, type PrepareOptions } from './prepare.ts';

export interface DataCheck {
  file: string;
  format: string;
  sha256: string;
  rows: number;
  publicRows: number;
  privateRows: number;
  encrypted: boolean;
  /** whether a Merkle root was checked (dataset.commitment) */
  commitment: boolean;
}

/** Open and check the hidden set of `b` as `arbiter score` would; throws its ArbiterError. */
export async function checkBenchmarkData(b: LoadedBenchmark, opts: PrepareOptions = {}): Promise<DataCheck> {
  const format = datasetFormatOf(b.spec);
  const base = { file: b.datasetPath, format, encrypted: b.spec.dataset.encrypted === true, commitment: b.spec.dataset.commitment !== undefined };
  const task = b.spec.task;
  let d: { sha256: string; rows: number; publicRows: number };
  if (format === 'arrow') d = await prepareDataset(b, opts);
  else if (task.type === 'chat-loss') d = prepareJsonlDataset(b, 'chat', chatExampleFromRow, opts);
  else if (task.type === 'multiple-choice') d = prepareJsonlDataset(b, 'multiple-choice', choiceRowFromJson, opts);
  else if (task.type === 'sequence-classification') d = prepareJsonlDataset(b, 'classification', (row, line) => textRowFromJson(row, line, task.numClasses, task.labels), opts);
  else throw new ArbiterError('E_INTERNAL', `no reader for a ${task.type} task's ${format} data`);
  const sample = b.spec.dataset.publicSample;
  if (sample !== undefined && !existsSync(path.resolve(b.dir, sample))) {
    throw new ArbiterError('E_DATASET_INVALID', `dataset.publicSample: expected a file at ${path.resolve(b.dir, sample)}, found none`, { file: path.resolve(b.dir, sample) });
  }
  return { ...base, sha256: d.sha256, rows: d.rows, publicRows: d.publicRows, privateRows: d.rows - d.publicRows };
}
