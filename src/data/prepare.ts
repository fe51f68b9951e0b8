// Opens a benchmark's hidden set for a scoring job: checks the sha256 commitment, checks the
// schema against the spec, checks that ids are unique and ascending and labels valid, and
// assigns every row to a split once. Rows and labels never leave this process. An encrypted set
// (`dataset.encrypted`) is decrypted into memory only, authenticated before any byte is parsed, and
// then read from that buffer; `dataset.commitment` (a Merkle root) is checked before scoring starts.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { ArbiterError } from '../errors.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { requireModel } from '../benchmark/schema.ts';
import { checkColumns, columnShape, openArrowStream, readChunks, type ArrowSource, type ColumnKind, type ColumnRequest } from './arrow-stream.ts';
import { assertCommitment, commitDataset } from './commitment.ts';
import { decryptToBuffer, isEncryptedFile, KEY_ENV_VAR, loadDatasetKey } from './encryption.ts';
import { sha256File, specialKind } from './file-hash.ts';
import { assertLabelPreconditions, LabelTally } from './label-checks.ts';
import { assertBothSplits, canonicalId, PUBLIC, splitOf, splitOfValue, splitRuleOf } from './split.ts';

export interface PreparedDataset {
  file: string;
  /** where the rows are read from: the file, or its decrypted bytes in memory */
  source: ArrowSource;
  /** sha256 of the Arrow stream (of the decrypted bytes for an encrypted set) */
  sha256: string;
  rows: number;
  idKind: 'int64' | 'utf8';
  /** one byte per row in file order: 1 public, 0 private */
  splitMask: Uint8Array;
  publicRows: number;
  /** what the model inputs read, and the label column */
  inputColumns: ColumnRequest[];
  labelColumn: ColumnRequest;
  idColumn: ColumnRequest;
}

const SCAN_ROWS = 65536;

export function inputRequests(b: LoadedBenchmark): ColumnRequest[] {
  return requireModel(b.spec).model.inputs.map((inp) => ({
    name: inp.column,
    kind: inp.dtype as ColumnKind,
    width: (inp.shape.slice(1) as number[]).reduce((a, d) => a * d, 1),
    role: `input "${inp.name}"`,
  }));
}

export function labelRequest(b: LoadedBenchmark): ColumnRequest {
  const t = b.spec.task;
  if (t.type === 'classification') return { name: t.labelColumn, kind: 'int64', width: 1, role: 'label' };
  if (t.type === 'regression') return { name: t.targetColumn, kind: 'float64', width: 1, role: 'target' };
  throw new ArbiterError('E_INTERNAL', `a ${t.type} task has no label column (its dataset is JSONL)`);
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export interface PrepareOptions {
  /** the key of an encrypted set; default: loaded from `keyFile`, else ARBITER_DATASET_KEY */
  key?: Buffer;
  keyFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** stops the hashing of a large file (SIGINT/SIGTERM): E_CANCELLED */
  signal?: AbortSignal | undefined;
}

/** The dataset's bytes source and sha256; decrypts (in memory) when the spec says it is encrypted. */
async function openSource(b: LoadedBenchmark, opts: PrepareOptions): Promise<{ source: ArrowSource; sha256: string }> {
  const file = b.datasetPath;
  const unreadable = (err: NodeJS.ErrnoException): never => {
    throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected a readable file, but ${err.code === 'ENOENT' ? 'it does not exist' : err.message}`, { file });
  };
  if (b.spec.dataset.encrypted === true) {
    const bytes = decryptHiddenSet(b, opts);
    return { source: { name: file, bytes }, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  // Only a regular file (or a symlink to one) is read: a FIFO would block and /dev/zero never ends.
  let st;
  try { st = statSync(file); } catch (err) { return unreadable(err as NodeJS.ErrnoException); }
  if (!st.isFile()) throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected a regular file, found ${specialKind(st)}`, { file });
  const sha256 = await sha256File(file, opts.signal).catch((err: NodeJS.ErrnoException) => {
    if (opts.signal?.aborted) throw new ArbiterError('E_CANCELLED', `stopped while hashing dataset ${file}`, { file });
    return unreadable(err);
  });
  if (sha256 !== b.spec.dataset.sha256) assertNotEncrypted(file);
  return { source: file, sha256 };
}

/**
 * The decrypted bytes of an encrypted hidden set (`dataset.encrypted: true`), in memory only. The
 * key is checked first, then the whole file is authenticated: a wrong key or a modified file stops
 * the job before a single row is parsed. Shared by the Arrow and the JSONL readers.
 */
export function decryptHiddenSet(b: LoadedBenchmark, opts: PrepareOptions): Buffer {
  const file = b.datasetPath;
  if (!existsSync(file)) throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected a readable file, but it does not exist`, { file });
  const env = opts.env ?? process.env;
  if (!opts.key && opts.keyFile === undefined && !env[KEY_ENV_VAR]) {
    throw new ArbiterError('E_DATASET_KEY', `dataset ${file} is encrypted (dataset.encrypted: true) and no key was given: pass --dataset-key-file <path> or set ${KEY_ENV_VAR} (64 hex characters)`, { file });
  }
  const key = opts.key ?? loadDatasetKey({ keyFile: opts.keyFile, env });
  return decryptToBuffer(file, key);
}

/** A file whose sha256 does not match: say so plainly when it is encrypted and the spec does not know. */
export function assertNotEncrypted(file: string): void {
  if (isEncryptedFile(file)) {
    throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: the file is an arbiter encrypted dataset, but the spec does not say so: set dataset.encrypted: true and give the key with --dataset-key-file or ARBITER_DATASET_KEY`, { file });
  }
}

export async function prepareDataset(b: LoadedBenchmark, opts: PrepareOptions = {}): Promise<PreparedDataset> {
  const file = b.datasetPath;
  const encrypted = b.spec.dataset.encrypted === true;
  const { source, sha256 } = await openSource(b, opts);
  if (sha256 !== b.spec.dataset.sha256) {
    throw new ArbiterError('E_DATASET_COMMITMENT', `dataset ${file}: the spec commits to sha256 ${b.spec.dataset.sha256}, the ${encrypted ? 'decrypted ' : ''}file has ${sha256}`, {
      file, expected: b.spec.dataset.sha256, found: sha256,
    });
  }
  if (b.spec.dataset.commitment !== undefined) {
    // The published Merkle root over the rows: recomputed from the very bytes about to be scored.
    const { batches } = await openArrowStream(source, 'dataset');
    assertCommitment(await commitDataset(batches, { idColumn: b.spec.dataset.idColumn }), b.spec.dataset.commitment);
  }
  const { schema, close } = await openArrowStream(source, 'dataset');
  close();
  const idField = schema.fields.find((f) => f.name === b.spec.dataset.idColumn);
  const idKind: 'int64' | 'utf8' = idField && columnShape(idField.type).kind === 'utf8' ? 'utf8' : 'int64';
  const idColumn: ColumnRequest = { name: b.spec.dataset.idColumn, kind: idKind, width: 1, role: 'row id' };
  const inputColumns = inputRequests(b);
  const labelColumn = labelRequest(b);
  checkColumns(schema, [idColumn, ...inputColumns], file);
  const labelField = schema.fields.find((f) => f.name === labelColumn.name);
  if (!labelField) {
    throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected a ${labelColumn.role} column "${labelColumn.name}", found only ${schema.fields.map((f) => `"${f.name}"`).join(', ')}`, { file });
  }
  const labelType = String(labelField.type);
  if (b.spec.task.type === 'classification' ? !/^U?Int(8|16|32|64)$/.test(labelType) : !/^(Float(16|32|64)|U?Int(8|16|32|64))$/.test(labelType)) {
    throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: ${labelColumn.role} column "${labelColumn.name}" must be ${b.spec.task.type === 'classification' ? 'an integer class id' : 'numeric'}, found ${labelType}`, { file });
  }

  const rule = splitRuleOf(b.spec, b.splitKey);
  const splitColumn: ColumnRequest | undefined = rule.kind === 'column' ? { name: rule.column, kind: 'utf8', width: 1, role: 'split' } : undefined;
  if (splitColumn) checkColumns(schema, [splitColumn], file);
  const task = b.spec.task;
  const tally = new LabelTally(task.type === 'classification' ? 'classes' : 'targets', task.type === 'classification' ? task.numClasses : 0);
  const masks: Uint8Array[] = [];
  let rows = 0;
  let publicRows = 0;
  let prev: bigint | string | undefined;
  const scanLabel: ColumnRequest = { ...labelColumn, kind: labelKind(labelType) };
  // Row ids are row contents: a message about an encrypted set names positions only.
  const shown = (id: bigint | string): string => (encrypted ? '(hidden)' : canonicalId(id));
  for await (const chunk of readChunks(source, [idColumn, scanLabel, ...(splitColumn ? [splitColumn] : [])], SCAN_ROWS)) {
    const ids = chunk.columns.get(idColumn.name)!;
    const labels = chunk.columns.get(labelColumn.name)! as ArrayLike<number | bigint>;
    const splitValues = splitColumn ? chunk.columns.get(splitColumn.name) as string[] : undefined;
    const mask = new Uint8Array(chunk.rows);
    for (let i = 0; i < chunk.rows; i++) {
      const id = (ids as ArrayLike<bigint | string>)[i]!;
      if (prev !== undefined) {
        const cmp = typeof id === 'bigint' ? (id > (prev as bigint) ? 1 : id === prev ? 0 : -1) : compareUtf8(id, prev as string);
        if (cmp <= 0) {
          throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: row ids must be unique and ascending; row ${chunk.start + i + 1} has id ${shown(id)} after ${shown(prev)}${cmp === 0 ? ' (a duplicate)' : ''}`, { file, row: chunk.start + i + 1 });
        }
      }
      prev = id;
      checkLabel(b, labels[i]!, chunk.start + i + 1, file);
      mask[i] = rule.kind === 'hash' ? splitOf(rule.key, canonicalId(id), rule.publicFraction) : splitOfValue(splitValues![i], chunk.start + i + 1, rule, file);
      if (mask[i] === PUBLIC) publicRows++;
      tally.add(mask[i]!, Number(labels[i]!));
    }
    masks.push(mask);
    rows += chunk.rows;
  }
  if (rows === 0) throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: expected at least one row, found none`, { file });
  assertBothSplits(file, rows, publicRows, rule);
  assertLabelPreconditions(b.spec, tally, file);
  const splitMask = new Uint8Array(rows);
  let at = 0;
  for (const m of masks) { splitMask.set(m, at); at += m.length; }
  return { file, source, sha256, rows, idKind, splitMask, publicRows, inputColumns, labelColumn: scanLabel, idColumn };
}

function labelKind(arrowType: string): ColumnKind {
  if (arrowType === 'Float32') return 'float32';
  if (arrowType.startsWith('Float')) return 'float64';
  if (arrowType === 'Int32') return 'int32';
  return 'int64';
}

function checkLabel(b: LoadedBenchmark, v: number | bigint, row: number, file: string): void {
  const t = b.spec.task;
  if (t.type === 'classification') {
    const k = Number(v);
    if (!(k >= 0 && k < t.numClasses)) {
      throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: row ${row}: expected a class id in 0..${t.numClasses - 1}, found a value outside it`, { file, row });
    }
  } else if (!Number.isFinite(Number(v))) {
    throw new ArbiterError('E_DATASET_INVALID', `dataset ${file}: row ${row}: expected a finite target, found ${Number(v)}`, { file, row });
  }
}
