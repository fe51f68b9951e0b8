// `arbiter init <id> --task <type> --from <file>`: a benchmark scaffolded from the host's own data
// file instead of the demo one. A CSV (id, numeric feature columns, a label or target column) is
// packed into the hidden set of a classification or regression benchmark; a JSONL file is the hidden
// set of a language-model benchmark as it is. The spec carries the file's real sha256, a random
// split key (kept out of git by the .gitignore it writes), and a baseline submission that scores
// (a uniform prediction file, or a uniform word-level model folder built from the file's words).
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ArbiterError } from '../errors.ts';
import { loadPackSchema, packDataset } from '../data/pack.ts';
import { sha256Hex } from './canonical.ts';
import { wordTableLm, wordVocab, writeWordClassifierFolder, writeWordLmFolder } from '../models/hf/word-models.ts';
import { loadBenchmark } from './loader.ts';
import { GITIGNORE, type ScaffoldResult } from './scaffold.ts';

export { GITIGNORE };

export const SCAFFOLD_TASKS = ['classification', 'regression', 'multiple-choice', 'sequence-classification', 'chat-loss'] as const;
export type ScaffoldTask = (typeof SCAFFOLD_TASKS)[number];

const ID = /^[a-z0-9][a-z0-9-]*$/;

/** The .gitignore `init` writes: the key files a host must never publish. */
function usage(message: string, details: Record<string, unknown> = {}): never {
  throw new ArbiterError('E_USAGE', message, details);
}

function dataError(file: string, message: string): never {
  throw new ArbiterError('E_DATASET_INVALID', `${path.basename(file)}: ${message}`, { file: path.basename(file) });
}

interface Tabular { header: string[]; rows: string[][] }

function readCsv(file: string): Tabular {
  let records: string[][];
  try { records = parse(readFileSync(file, 'utf8'), { skip_empty_lines: true, trim: true }) as string[][]; } catch (err) { return dataError(file, `expected CSV text, found a parse error: ${(err as Error).message}`); }
  if (records.length < 2) dataError(file, `expected a header line and at least one data row, found ${records.length} line${records.length === 1 ? '' : 's'}`);
  return { header: records[0]!, rows: records.slice(1) };
}

function readJsonl(file: string): Array<Record<string, unknown>> {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) dataError(file, 'expected one JSON object per line, found no lines');
  return lines.map((l, i) => {
    try {
      const v = JSON.parse(l) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      return v as Record<string, unknown>;
    } catch { return dataError(file, `line ${i + 1}: expected a JSON object, found ${JSON.stringify(l.slice(0, 40))}`); }
  });
}

/** Words as the baseline's tokenizer splits them (HF Whitespace pre-tokenizer: \w+ or runs of punctuation). */
function wordsOf(texts: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(/\w+|[^\w\s]+/gu)) seen.add(m[0]);
  for (const s of ['<|im_start|>', '<|im_end|>', '<unk>']) seen.delete(s);
  return [...seen].sort();
}

function header(id: string, task: string, from: string): string {
  return `# The benchmark ${id}, made by \`arbiter init ${id} --task ${task} --from ${path.basename(from)}\`.
# Every key is described in docs/spec.md. Check it with: arbiter spec validate ${id}
id: ${id}
version: 1   # bump on any change that can change a score (data, metrics, batching, contract)
`;
}

const SPLIT_AND_RANKING = (primary: string) => `split:
  # Rows go to the public or private split by a keyed hash of their id. Keep split.key secret.
  keyFile: split.key
  publicFraction: 0.3
ranking:
  split: private
  primary: ${primary}
`;

/** Create `<dir>/<id>/` from the host's file; refuses an existing folder (E_USAGE). */
export function scaffoldFromFile(id: string, parentDir: string, task: ScaffoldTask, from: string, opts: { label?: string } = {}): ScaffoldResult {
  if (!ID.test(id)) usage(`benchmark id "${id}": expected lowercase letters, digits and dashes, starting with a letter or digit (e.g. "my-benchmark")`);
  if (!(SCAFFOLD_TASKS as readonly string[]).includes(task)) usage(`--task: expected one of ${SCAFFOLD_TASKS.join(', ')}, found "${task}"`);
  if (!existsSync(from)) usage(`--from ${from}: expected the host's data file (CSV for classification/regression, JSONL for language-model tasks), found nothing there`);
  const tabular = task === 'classification' || task === 'regression';
  const ext = path.extname(from).toLowerCase();
  if (tabular && ext !== '.csv') usage(`--from ${path.basename(from)}: --task ${task} expected a .csv file (id, feature columns, ${task === 'regression' ? 'target' : 'label'}), found "${ext || 'no extension'}"`);
  if (!tabular && ext !== '.jsonl') usage(`--from ${path.basename(from)}: --task ${task} expected a .jsonl file, found "${ext || 'no extension'}"`);
  const dir = path.resolve(parentDir, id);
  if (existsSync(dir)) usage(`${dir} already exists: arbiter init never overwrites; pick another id or --dir, or remove the folder first`, { dir });
  // Validate the file before anything is written.
  const plan = tabular ? planTabular(task, from, opts.label ?? (task === 'regression' ? 'target' : 'label')) : planLm(task, from);

  mkdirSync(path.join(dir, 'data'), { recursive: true });
  mkdirSync(path.join(dir, 'submissions'));
  writeFileSync(path.join(dir, 'split.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  writeFileSync(path.join(dir, '.gitignore'), GITIGNORE);
  const files = ['.gitignore', 'benchmark.yaml', 'split.key', ...plan.write(dir)];
  writeFileSync(path.join(dir, 'benchmark.yaml'), header(id, task, from) + plan.yaml);
  const b = loadBenchmark(path.join(dir, 'benchmark.yaml'));
  return { id, dir, files: files.sort(), specHash: b.specHash, datasetSha256: plan.sha256(), publicSampleSha256: '' };
}

interface Plan { yaml: string; write: (dir: string) => string[]; sha256: () => string }

function planTabular(task: 'classification' | 'regression', from: string, label: string): Plan {
  const { header: cols, rows } = readCsv(from);
  if (!cols.includes('id')) dataError(from, `expected an "id" column, found ${cols.map((c) => `"${c}"`).join(', ')}`);
  if (!cols.includes(label)) dataError(from, `expected a "${label}" column (the ${task === 'regression' ? 'target' : 'label'}; --label names another), found ${cols.map((c) => `"${c}"`).join(', ')}`);
  const features = cols.filter((c) => c !== 'id' && c !== label);
  if (features.length === 0) dataError(from, 'expected at least one feature column besides id and the label, found none');
  const li = cols.indexOf(label);
  const ii = cols.indexOf('id');
  rows.forEach((r, n) => {
    if (!/^-?\d+$/.test(r[ii] ?? '')) dataError(from, `data row ${n + 1}: expected an integer id, found ${JSON.stringify(r[ii] ?? '')}`);
  });
  const labels = rows.map((r) => Number(r[li]));
  let numClasses = 0;
  if (task === 'classification') {
    const bad = rows.findIndex((r, n) => !/^\d+$/.test(r[li] ?? '') || labels[n]! > 1000);
    if (bad >= 0) dataError(from, `data row ${bad + 1}: expected a class id 0, 1, 2, ... in "${label}", found ${JSON.stringify(rows[bad]![li] ?? '')}`);
    numClasses = Math.max(2, ...labels.map((l) => l + 1));
  } else {
    const bad = labels.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) dataError(from, `data row ${bad + 1}: expected a number in "${label}", found ${JSON.stringify(rows[bad]![li] ?? '')}`);
  }
  const F = features.length;
  const packSchema = `# Columns of data/hidden.csv and how they are packed (docs/datasets.md).
id: id
columns:
  - { name: id, type: int64 }
  - { name: features, type: float32, size: ${F}, from: [${features.join(', ')}] }
  - { name: ${label}, type: ${task === 'classification' ? 'int32' : 'float32'}, label: true }
`;
  let sha = '';
  const outShape = task === 'classification' ? `[batch, ${numClasses}]` : '[batch, 1]';
  const yaml = () => `task:
${task === 'classification' ? `  type: classification\n  numClasses: ${numClasses}\n  labelColumn: ${label}\n  output: probabilities` : `  type: regression\n  targetColumn: ${label}`}
dataset:
  # Packed from data/hidden.csv with data/schema.yaml; the sha256 is a commitment.
  path: data/hidden.arrow
  sha256: ${sha}
  idColumn: id
model:
  inputs:
    - { name: features, column: features, dtype: float32, shape: [batch, ${F}] }
  outputs:
    - { name: ${task === 'classification' ? 'probabilities' : 'prediction'}, dtype: float32, shape: ${outShape} }
  maxBytes: 16777216
batching:
  size: 64
  last: partial
metrics:
${task === 'classification' ? '  - name: accuracy\n  - name: log_loss' : '  - name: mse\n  - name: mae'}
${SPLIT_AND_RANKING(task === 'classification' ? 'accuracy' : 'mse')}`;
  return {
    get yaml() { return yaml(); },
    write: (dir) => {
      copyFileSync(from, path.join(dir, 'data', 'hidden.csv'));
      writeFileSync(path.join(dir, 'data', 'schema.yaml'), packSchema);
      sha = packDataset(path.join(dir, 'data', 'hidden.csv'), loadPackSchema(path.join(dir, 'data', 'schema.yaml')), path.join(dir, 'data', 'hidden.arrow')).sha256;
      // A baseline prediction file: uniform probabilities, or the mean target, for every id.
      const ids = rows.map((r) => r[ii]!);
      const mean = labels.reduce((a, v) => a + v, 0) / Math.max(1, labels.length);
      const p = (1 / numClasses).toFixed(12);
      const last = (1 - Number(p) * (numClasses - 1)).toFixed(12);
      const lines = task === 'classification'
        ? [['id', ...Array.from({ length: numClasses }, (_, k) => `p${k}`)].join(','), ...ids.map((i) => [i, ...Array.from({ length: numClasses - 1 }, () => p), last].join(','))]
        : ['id,prediction', ...ids.map((i) => `${i},${mean}`)];
      writeFileSync(path.join(dir, 'submissions', 'baseline.csv'), lines.join('\n') + '\n');
      return ['data/hidden.arrow', 'data/hidden.csv', 'data/schema.yaml', 'submissions/baseline.csv'];
    },
    sha256: () => sha,
  };
}

function planLm(task: 'multiple-choice' | 'sequence-classification' | 'chat-loss', from: string): Plan {
  const records = readJsonl(from);
  const bytes = readFileSync(from);
  const sha = sha256Hex(bytes);
  const admission = `  contextLength: 128
  maxParams: 50000000
  maxModelBytes: 200000000
`;
  let taskYaml: string;
  let format: string;
  let metrics: string;
  let primary: string;
  let baseline: ((dir: string) => string[]) | null = null;
  if (task === 'multiple-choice') {
    records.forEach((r, i) => {
      if (!Array.isArray(r.choices) || r.choices.length < 2) dataError(from, `line ${i + 1}: expected "choices", an array of at least 2 strings, found ${JSON.stringify(r.choices ?? null)}`);
    });
    format = 'choice-jsonl';
    taskYaml = `  type: multiple-choice\n${admission}  delimiter: " "\n`;
    metrics = '  - name: acc_norm\n  - name: acc';
    primary = 'acc_norm';
    const words = wordsOf(records.flatMap((r) => [String(r.context ?? r.query ?? ''), ...(r.choices as unknown[]).map(String)]));
    baseline = (dir) => {
      // Every word equally likely after every word: a floor any real model should beat.
      const vocab = wordVocab(words);
      writeWordLmFolder(path.join(dir, 'submissions', 'baseline'), vocab, wordTableLm(vocab, () => ({})));
      return ['submissions/baseline/'];
    };
  } else if (task === 'sequence-classification') {
    const names: string[] = [];
    records.forEach((r, i) => {
      if (typeof r.text !== 'string') dataError(from, `line ${i + 1}: expected "text", a string, found ${JSON.stringify(r.text ?? null)}`);
      if (typeof r.label === 'string') { if (!names.includes(r.label)) names.push(r.label); } else if (!Number.isInteger(r.label)) dataError(from, `line ${i + 1}: expected "label", a class name or id, found ${JSON.stringify(r.label ?? null)}`);
    });
    const numeric = records.every((r) => typeof r.label === 'number');
    const classNames = numeric ? Array.from({ length: Math.max(2, ...records.map((r) => (r.label as number) + 1)) }, (_, k) => `class${k}`) : names.sort();
    if (classNames.length < 2) dataError(from, `expected at least 2 distinct labels, found ${classNames.length}`);
    format = 'text-jsonl';
    taskYaml = `  type: sequence-classification\n${admission}  numClasses: ${classNames.length}\n${numeric ? '' : `  labels: [${classNames.map((n) => JSON.stringify(n)).join(', ')}]\n`}  modelKind: sequence-classification\n`;
    metrics = '  - name: accuracy\n  - name: macro_f1\n  - name: log_loss';
    primary = 'accuracy';
    const words = wordsOf(records.map((r) => String(r.text)));
    baseline = (dir) => {
      writeWordClassifierFolder(path.join(dir, 'submissions', 'baseline'), wordVocab(words), classNames, {});
      return ['submissions/baseline/'];
    };
  } else {
    records.forEach((r, i) => {
      if (!Array.isArray(r.messages)) dataError(from, `line ${i + 1}: expected "messages", an array of {role, content}, found ${JSON.stringify(r.messages ?? null)}`);
    });
    format = 'chat-jsonl';
    taskYaml = `  type: chat-loss\n${admission}`;
    metrics = '  - name: bits_per_byte\n  - name: nll_per_token\n  - name: perplexity';
    primary = 'bits_per_byte';
  }
  const yaml = `task:
${taskYaml}dataset:
  # Your file as it is; the sha256 is a commitment: \`arbiter score\` refuses any other bytes.
  path: data/hidden.jsonl
  format: ${format}
  sha256: ${sha}
batching:
  size: 8
metrics:
${metrics}
${SPLIT_AND_RANKING(primary)}`;
  return {
    yaml,
    write: (dir) => {
      writeFileSync(path.join(dir, 'data', 'hidden.jsonl'), bytes);
      return ['data/hidden.jsonl', ...(baseline ? baseline(dir) : [])];
    },
    sha256: () => sha,
  };
}
