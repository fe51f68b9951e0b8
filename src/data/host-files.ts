// Files a host hands to participants of a prediction-file competition, made from the hidden set:
// `arbiter dataset inputs` (row ids and model input columns, never labels, targets or the split
// column) and `arbiter dataset sample-submission` (a valid constant prediction file that `arbiter
// check` admits and `arbiter score` scores). Works on an encrypted set decrypted in memory.
import { closeSync, openSync, writeSync } from 'node:fs';
import { RecordBatchStreamWriter, type RecordBatch } from 'apache-arrow';
import { ArbiterError } from '../errors.ts';
import { registry } from '../../scoring/index.ts';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import { isLmTaskType, requireModel } from '../benchmark/schema.ts';
import { openArrowStream, readChunks } from './arrow-stream.ts';
import type { PreparedDataset } from './prepare.ts';
import { canonicalId } from './split.ts';

/** Prediction files are a tabular thing: an LM benchmark's submissions are model folders. */
export function assertPredictionBenchmark(b: LoadedBenchmark, command: string): void {
  if (isLmTaskType(b.spec.task.type)) {
    throw new ArbiterError('E_USAGE', `${command}: benchmark ${b.spec.id} is a ${b.spec.task.type} task, whose submissions are model folders: expected a classification or regression benchmark (prediction files are tabular)`);
  }
}

/** One CSV field: quoted only when it must be (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Column names of the inputs file: the id, then each input column (a list column as <name>_0..<name>_{n-1} in CSV). */
function inputColumnNames(b: LoadedBenchmark): string[] {
  const names = [b.spec.dataset.idColumn];
  for (const inp of requireModel(b.spec).model.inputs) if (!names.includes(inp.column)) names.push(inp.column);
  return names;
}

/**
 * Write the ids and input columns of a prepared hidden set to `out`: `.arrow` keeps the Arrow
 * types (a stream with only those columns), `.csv` writes one column per value.
 */
export async function writeInputs(b: LoadedBenchmark, data: PreparedDataset, out: string): Promise<{ rows: number; columns: string[] }> {
  const names = inputColumnNames(b);
  const { batches, close } = await openArrowStream(data.source, 'dataset');
  let fd: number;
  try { fd = openSync(out, 'w'); } catch (e) { close(); throw e; }
  let rows = 0;
  try {
    if (out.endsWith('.arrow') || out.endsWith('.arrows')) {
      // Held whole, then written once: the inputs are a subset of a set scoring holds in memory anyway.
      const selected: RecordBatch[] = [];
      for await (const batch of batches) {
        const sel = (batch as RecordBatch).select(names) as RecordBatch;
        selected.push(sel);
        rows += sel.numRows;
      }
      writeSync(fd, RecordBatchStreamWriter.writeAll(selected).toUint8Array(true));
      return { rows, columns: names };
    }
    if (!out.endsWith('.csv')) throw new ArbiterError('E_USAGE', `--out must end in .csv or .arrow, found ${out}`);
    const requests = [data.idColumn, ...data.inputColumns.filter((c, i, all) => all.findIndex((x) => x.name === c.name) === i)];
    const header = requests.flatMap((r) => (r.width === 1 ? [r.name] : Array.from({ length: r.width }, (_, k) => `${r.name}_${k}`)));
    writeSync(fd, `${header.map(csvField).join(',')}\n`);
    for await (const chunk of readChunks(data.source, requests, 65536)) {
      const lines: string[] = [];
      for (let i = 0; i < chunk.rows; i++) {
        const cells: string[] = [];
        for (const r of requests) {
          const col = chunk.columns.get(r.name)!;
          if (r.kind === 'utf8') cells.push(csvField((col as string[])[i]!));
          else for (let k = 0; k < r.width; k++) cells.push(String((col as ArrayLike<number | bigint>)[i * r.width + k]!));
        }
        lines.push(cells.join(','));
      }
      rows += chunk.rows;
      writeSync(fd, `${lines.join('\n')}\n`);
    }
    return { rows, columns: header };
  } finally { closeSync(fd); }
}

/** The row ids of a prepared hidden set, as prediction files name them, in file order. */
export async function hiddenIds(data: PreparedDataset): Promise<string[]> {
  const ids: string[] = [];
  for await (const chunk of readChunks(data.source, [data.idColumn], 65536)) {
    const col = chunk.columns.get(data.idColumn.name) as ArrayLike<bigint | string>;
    for (let i = 0; i < chunk.rows; i++) ids.push(canonicalId(col[i]!));
  }
  return ids;
}

/**
 * A valid prediction file for every id, as CSV text: uniform probabilities id,p0..p{C-1} when a
 * metric reads probabilities, else id,prediction with class 0; for regression id,prediction 0,
 * or the row's position when a metric needs predictions that vary (pearson, spearman).
 */
export function sampleSubmissionCsv(b: LoadedBenchmark, ids: readonly string[]): { csv: string; layout: string } {
  const task = b.spec.task;
  const metrics = b.spec.metrics.map((m) => registry.get(m.name));
  const lines: string[] = [];
  let layout: string;
  if (task.type === 'classification') {
    const k = task.numClasses;
    if (metrics.some((m) => (m.inputs as readonly string[]).includes('probabilities'))) {
      layout = `id,p0..p${k - 1} (uniform 1/${k})`;
      lines.push(['id', ...Array.from({ length: k }, (_, c) => `p${c}`)].join(','));
      const p = String(1 / k);
      const row = Array.from({ length: k }, () => p).join(',');
      for (const id of ids) lines.push(`${csvField(id)},${row}`);
    } else {
      layout = 'id,prediction (class 0)';
      lines.push('id,prediction');
      for (const id of ids) lines.push(`${csvField(id)},0`);
    }
  } else if (task.type === 'regression') {
    const varying = b.spec.metrics.some((m) => m.name === 'pearson' || m.name === 'spearman');
    layout = varying ? 'id,prediction (the row position 0..n-1: correlations need predictions that vary)' : 'id,prediction (0)';
    lines.push('id,prediction');
    ids.forEach((id, i) => lines.push(`${csvField(id)},${varying ? i : 0}`));
  } else {
    throw new ArbiterError('E_USAGE', `sample-submission: a ${task.type} benchmark takes no prediction files`);
  }
  return { csv: `${lines.join('\n')}\n`, layout };
}
