// `arbiter init <id>` as a function: a new benchmark folder that validates at once. A commented
// benchmark.yaml, a tiny CSV + pack schema + packing script, the packed hidden set (its real
// sha256 in the spec), a public sample for `arbiter check`, a split key file, and a baseline
// ONNX submission fitted to the public sample. Every row and weight comes from a seeded
// generator; only the split key is random (it is the host's secret).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../errors.ts';
import { loadPackSchema, packDataset } from '../data/pack.ts';
import { gaussian, mlpModel, mulberry32 } from '../models/onnx/builder.ts';
import { loadBenchmark } from './loader.ts';

/** What `arbiter init` keeps out of git in a benchmark folder: its secrets. */
export const GITIGNORE = `# Secrets of this benchmark: never commit them (arbiter init).
split.key
*.key
*.pem
!*.pub.pem
`;


export interface ScaffoldResult {
  id: string;
  dir: string;
  /** paths relative to `dir`, sorted */
  files: string[];
  specHash: string;
  datasetSha256: string;
  publicSampleSha256: string;
}

const ID = /^[a-z0-9][a-z0-9-]*$/;
const FEATURES = 4;
const CLASSES = 3;
const HIDDEN_ROWS = 60;
const SAMPLE_ROWS = 30;

interface Rows { ids: number[]; x: number[][]; y: number[] }

/** Three Gaussian blobs in 4 dimensions; the sample's ids start far above the hidden set's. */
function makeRows(n: number, seed: number, firstId: number): Rows {
  const rand = mulberry32(seed);
  const g = gaussian(mulberry32(seed ^ 0x5bd1e995));
  const centre = (c: number, j: number) => (j % CLASSES === c ? 2 : 0) - (j === FEATURES - 1 ? c : 0) * 0.5;
  const rows: Rows = { ids: [], x: [], y: [] };
  for (let r = 0; r < n; r++) {
    const c = Math.floor(rand() * CLASSES);
    rows.ids.push(firstId + r * 3);
    rows.x.push(Array.from({ length: FEATURES }, (_, j) => Number((centre(c, j) + g()).toFixed(3))));
    rows.y.push(c);
  }
  return rows;
}

function csv(rows: Rows): string {
  const head = ['id', ...Array.from({ length: FEATURES }, (_, j) => `x${j}`), 'label'].join(',');
  return [head, ...rows.ids.map((id, r) => [id, ...rows.x[r]!, rows.y[r]].join(','))].join('\n') + '\n';
}

/** A nearest-class-mean linear classifier (softmax of -|x - mu_c|^2 / 2, expanded) fitted on `rows`. */
function baselineModel(rows: Rows): Uint8Array {
  const means = Array.from({ length: CLASSES }, () => new Float64Array(FEATURES));
  const counts = new Float64Array(CLASSES);
  rows.y.forEach((c, r) => { counts[c]!++; rows.x[r]!.forEach((v, j) => { means[c]![j]! += v; }); });
  means.forEach((m, c) => m.forEach((_, j) => { m[j]! /= Math.max(1, counts[c]!); }));
  const w = new Float32Array(FEATURES * CLASSES);
  const b = new Float32Array(CLASSES);
  for (let c = 0; c < CLASSES; c++) {
    let norm = 0;
    for (let j = 0; j < FEATURES; j++) { w[j * CLASSES + c] = means[c]![j]!; norm += means[c]![j]! ** 2; }
    b[c] = -norm / 2;
  }
  return mlpModel({ inputName: 'features', outputName: 'probabilities', softmax: true, weights: [{ w, b, inF: FEATURES, outF: CLASSES }] });
}

function specYaml(id: string, datasetSha: string): string {
  return `# The benchmark ${id}, made by \`arbiter init\`. Every key is described in docs/spec.md;
# \`arbiter spec schema\` prints the JSON Schema. Check it with: arbiter spec validate ${id}
id: ${id}
# Bump the version on any change that can change a score (data, metrics, batching, contract).
version: 1
description: >-
  Classify 4-dimensional points into 3 classes. Submit an ONNX model mapping features
  [batch, 4] float32 to class probabilities [batch, 3].
task:
  type: classification
  numClasses: ${CLASSES}
  labelColumn: label
  output: probabilities   # or logits: arbiter applies a float64 softmax
dataset:
  # The hidden set, packed by data/pack.sh. The sha256 is a commitment: \`arbiter score\`
  # refuses any other file. Re-pack, then paste the new sha256 here and bump the version.
  path: data/hidden.arrow
  sha256: ${datasetSha}
  idColumn: id
  # Public rows with the same schema, handed to participants; \`arbiter check\` scores on it.
  publicSample: data/public-sample.arrow
model:
  # The contract every ONNX submission must meet (names, dtypes, shapes; first axis is the batch).
  inputs:
    - name: features
      column: features
      dtype: float32
      shape: [batch, ${FEATURES}]
  outputs:
    - name: probabilities
      dtype: float32
      shape: [batch, ${CLASSES}]
  maxBytes: 1048576   # largest accepted submission
batching:
  size: 16          # rows per model run: part of the benchmark, never auto-sized
  last: partial
metrics:            # registered metric names: see docs/metrics.md
  - name: accuracy
  - name: log_loss
split:
  # Rows go to the public or private split by a keyed hash of their id. Keep split.key secret
  # (out of any public repository): whoever has it knows which rows decide the ranking.
  keyFile: split.key
  publicFraction: 0.3
ranking:
  split: private
  primary: accuracy
  tieBreak: [log_loss, earliest]
# rewards:          # optional: see docs/rewards.md
#   pool: "1000000"
#   scheme: winner-take-all
`;
}

const PACK_SCHEMA = `# Columns of data/*.csv and how they are packed (docs/datasets.md).
id: id
columns:
  - { name: id, type: int64 }
  - { name: features, type: float32, size: ${FEATURES}, from: [${Array.from({ length: FEATURES }, (_, j) => `x${j}`).join(', ')}] }
  - { name: label, type: int32, label: true }
`;

const PACK_SCRIPT = `#!/bin/sh
# Packs the CSV files into the Arrow streams benchmark.yaml points at. After changing
# data/hidden.csv: run this, paste the printed sha256 into dataset.sha256, bump version.
set -e
cd "$(dirname "$0")"
npx arbiter dataset pack data/hidden.csv --schema data/schema.yaml -o data/hidden.arrow
npx arbiter dataset pack data/public-sample.csv --schema data/schema.yaml -o data/public-sample.arrow
`;

function readme(id: string): string {
  return `# ${id}

Made by \`arbiter init ${id}\`.

| file | what it is |
| --- | --- |
| benchmark.yaml | the spec (docs/spec.md) |
| data/hidden.csv, data/hidden.arrow | the hidden set and its packed form (the spec commits to its sha256) |
| data/public-sample.csv, data/public-sample.arrow | public rows for participants and \`arbiter check\` |
| data/schema.yaml, pack.sh | how the CSV files are packed |
| split.key | the secret split key: keep it out of public repositories (.gitignore lists it) |
| submissions/baseline.onnx | a baseline model (nearest class mean, fitted on the public sample) |

Next steps:

    arbiter spec validate ${id}
    arbiter check submissions/baseline.onnx -b ${id}
    arbiter score -b ${id}
`;
}

/** Create `<dir>/<id>/`; refuses an existing folder (E_USAGE). */
export function scaffoldBenchmark(id: string, parentDir: string): ScaffoldResult {
  if (!ID.test(id)) throw new ArbiterError('E_USAGE', `benchmark id "${id}": expected lowercase letters, digits and dashes, starting with a letter or digit (e.g. "my-benchmark")`);
  const dir = path.resolve(parentDir, id);
  if (existsSync(dir)) {
    throw new ArbiterError('E_USAGE', `${dir} already exists: arbiter init never overwrites; pick another id or --dir, or remove the folder first`, { dir });
  }
  const data = path.join(dir, 'data');
  mkdirSync(data, { recursive: true });
  mkdirSync(path.join(dir, 'submissions'));
  const hidden = makeRows(HIDDEN_ROWS, 1, 1000);
  const sample = makeRows(SAMPLE_ROWS, 2, 100000);
  writeFileSync(path.join(data, 'hidden.csv'), csv(hidden));
  writeFileSync(path.join(data, 'public-sample.csv'), csv(sample));
  writeFileSync(path.join(data, 'schema.yaml'), PACK_SCHEMA);
  writeFileSync(path.join(dir, 'pack.sh'), PACK_SCRIPT, { mode: 0o755 });
  const schema = loadPackSchema(path.join(data, 'schema.yaml'));
  const packed = packDataset(path.join(data, 'hidden.csv'), schema, path.join(data, 'hidden.arrow'));
  const packedSample = packDataset(path.join(data, 'public-sample.csv'), schema, path.join(data, 'public-sample.arrow'));
  writeFileSync(path.join(dir, 'split.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  writeFileSync(path.join(dir, '.gitignore'), GITIGNORE);
  writeFileSync(path.join(dir, 'submissions', 'baseline.onnx'), baselineModel(sample));
  writeFileSync(path.join(dir, 'README.md'), readme(id));
  writeFileSync(path.join(dir, 'benchmark.yaml'), specYaml(id, packed.sha256));
  const b = loadBenchmark(path.join(dir, 'benchmark.yaml'));
  return {
    id, dir,
    files: ['.gitignore', 'README.md', 'benchmark.yaml', 'data/hidden.arrow', 'data/hidden.csv', 'data/public-sample.arrow', 'data/public-sample.csv', 'data/schema.yaml', 'pack.sh', 'split.key', 'submissions/baseline.onnx'],
    specHash: b.specHash, datasetSha256: packed.sha256, publicSampleSha256: packedSample.sha256,
  };
}
