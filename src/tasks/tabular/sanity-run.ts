// The sanity run of a scoring job (admission.sanity): before a hidden row is scored, every admitted
// ONNX model runs once on a few public rows, in onnxruntime inside a memory-capped child process
// with a deadline (OrtProbe), so a model that aborts, allocates without bound or hangs costs one
// child and never the scorer. Its outputs must have the contracted shape, be finite and (with
// rejectConstant) differ between rows; the verdict is the pure checkSanity.
// The rows are the spec's `dataset.publicSample` when it has one, else the first public-split rows
// of the hidden set. Only input columns are read: never a label, never a private-split row, and no
// message carries a value (only counts, shapes and positions).
import path from 'node:path';
import { ArbiterError, toErrorData, type ErrorData } from '../../errors.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { requireModel } from '../../benchmark/schema.ts';
import { readChunks, type ColumnArray } from '../../data/arrow-stream.ts';
import { inputRequests, type PreparedDataset } from '../../data/prepare.ts';
import { PUBLIC } from '../../data/split.ts';
import { OrtProbe, probeError, type ProbeFeeds, type ProbeTensor } from '../../models/admission/probe.ts';
import { checkSanity, type SanityOutput } from '../../models/admission/sanity.ts';
import { DEFAULT_LIMITS } from '../../inference/isolation/runner.ts';
import { admissionContract, admissionRules, isPredictionFile, type AdmissionOutcome, type AdmittedSubmission } from './admission.ts';

/** The public rows a sanity run feeds: input columns only, `rows` rows, row-major. */
export interface SanityRows {
  rows: number;
  from: 'public-sample' | 'public-split';
  columns: Map<string, ColumnArray>;
}

const SCAN_ROWS = 4096;

// What onnxruntime and node say when an allocation fails under the address-space cap (the same
// messages the scoring children classify as E_MEMORY_LIMIT: src/inference/isolation/child.ts, runner.ts).
const MEMORY_PATTERN = /Failed to allocate|bad_alloc|out of memory|Cannot allocate memory|Allocation failed|heap limit|Fatal process OOM/i;

/**
 * Up to `k` public rows: the first rows of `dataset.publicSample`, or (without one) the first rows
 * of `data` that the split puts in the public split. Throws (a host problem) when the sample is
 * unreadable or has not the contract's input columns.
 */
export async function sanityRows(b: LoadedBenchmark, data: PreparedDataset | null, k: number): Promise<SanityRows> {
  const requests = inputRequests(b);
  const sample = b.spec.dataset.publicSample;
  if (sample !== undefined) {
    for await (const chunk of readChunks(path.resolve(b.dir, sample), requests, k, 'public sample')) {
      return { rows: chunk.rows, from: 'public-sample', columns: chunk.columns };
    }
    return { rows: 0, from: 'public-sample', columns: new Map() };
  }
  if (!data) throw new ArbiterError('E_INTERNAL', 'a sanity run without dataset.publicSample needs the prepared hidden set');
  // Gather public-split rows only; a private row is never copied.
  const parts = new Map<string, Array<ArrayLike<number | bigint>>>(requests.map((r) => [r.name, []]));
  let got = 0;
  for await (const chunk of readChunks(data.source, requests, SCAN_ROWS)) {
    for (let i = 0; i < chunk.rows && got < k; i++) {
      if (data.splitMask[chunk.start + i] !== PUBLIC) continue;
      for (const r of requests) {
        const col = chunk.columns.get(r.name)!;
        if (Array.isArray(col)) throw new ArbiterError('E_INTERNAL', `column "${r.name}" holds strings: it cannot feed an ONNX input`);
        parts.get(r.name)!.push((col as Float32Array).subarray(i * r.width, (i + 1) * r.width));
      }
      got++;
    }
    if (got >= k) break;
  }
  const columns = new Map<string, ColumnArray>();
  for (const r of requests) {
    const rowsOf = parts.get(r.name)!;
    const first = rowsOf[0];
    const Ctor = (first ? first.constructor : Float32Array) as new (n: number) => Float32Array;
    const out = new Ctor(got * r.width);
    rowsOf.forEach((row, i) => out.set(row as Float32Array, i * r.width));
    columns.set(r.name, out);
  }
  return { rows: got, from: 'public-split', columns };
}

/**
 * The feeds for `rows`: `fed` rows per input (the spec's batch size when it pads, so a model with a
 * fixed batch axis runs as it will when scored; the rows past `rows` are zeros).
 */
function sanityFeeds(b: LoadedBenchmark, rows: SanityRows, n: number, fed: number): ProbeFeeds {
  const feeds: ProbeFeeds = {};
  for (const inp of requireModel(b.spec).model.inputs) {
    const rowShape = inp.shape.slice(1) as number[];
    const width = rowShape.reduce((a, d) => a * d, 1);
    const col = rows.columns.get(inp.column)!;
    if (Array.isArray(col)) throw new ArbiterError('E_INTERNAL', `column "${inp.column}" holds strings: it cannot feed an ONNX input`);
    // A fresh array: a view would carry its whole buffer (other rows) to the child.
    const Ctor = col.constructor as new (n: number) => Float32Array;
    const data = new Ctor(fed * width);
    data.set((col as Float32Array).subarray(0, n * width));
    feeds[inp.name] = { type: inp.dtype, dims: [fed, ...rowShape], data } as ProbeTensor;
  }
  return feeds;
}

/** The first `n` rows (axis 0) of an output that has `fed` rows; others unchanged. */
function firstRows(t: ProbeTensor, fed: number, n: number): SanityOutput {
  if (fed === n || t.dims[0] !== fed || Array.isArray(t.data)) return t;
  const per = t.dims.slice(1).reduce((a, d) => a * d, 1);
  return { type: t.type, dims: [n, ...t.dims.slice(1)], data: (t.data as Float32Array).subarray(0, n * per) };
}

/** A probe under the spec's limits: the batch deadline (else the wall clock, at most 60 s) and its memory cap. */
export function sanityProbe(b: LoadedBenchmark): OrtProbe {
  const limits = { ...DEFAULT_LIMITS, ...b.spec.limits };
  // `ulimit -v` caps address space, not resident memory: node and onnxruntime reserve far more
  // address space than they touch, so the cap is the resident limit plus the same headroom the
  // scoring children get (src/inference/isolation/runner.ts).
  return new OrtProbe({
    timeoutMs: limits.batchTimeoutMs ?? Math.min(limits.wallClockMs, 60_000),
    memoryLimitMb: limits.memoryLimitMb + DEFAULT_LIMITS.addressSpaceHeadroomMb,
  });
}

/** Run one model on the sanity rows and judge its outputs; null when it passes. Never throws for a bad model. */
export async function sanityCheckModel(probe: OrtProbe, b: LoadedBenchmark, modelPath: string, rows: SanityRows, name: string): Promise<ErrorData | null> {
  const spec = requireModel(b.spec);
  const rules = admissionRules(b);
  const n = Math.min(rows.rows, spec.batching.size);
  if (n === 0) return null;
  const fed = spec.batching.last === 'pad' ? spec.batching.size : n;
  const r = await probe.probe(modelPath, sanityFeeds(b, rows, n, fed));
  if (r.status === 'timeout') {
    return { code: 'E_TIMEOUT', message: `${name}: the sanity run on ${n} public rows did not finish within ${r.ms} ms (limits.batchTimeoutMs)`, details: { timeout: true, ms: r.ms } };
  }
  // An allocation that failed under the cap is the memory limit doing its job, as in scoring.
  const said = r.status === 'run-error' || r.status === 'create-error' ? r.message : r.status === 'crash' ? r.stderr : '';
  if (r.status !== 'ok' && MEMORY_PATTERN.test(said)) {
    return { code: 'E_MEMORY_LIMIT', message: `${name}: the sanity run on ${n} public rows ran out of memory under the limit (limits.memoryLimitMb ${probe.memoryLimitMb - DEFAULT_LIMITS.addressSpaceHeadroomMb} MiB): ${said.slice(0, 300)}` };
  }
  const err = probeError(r, name);
  if (err || r.status !== 'ok') return err ?? { code: 'E_INTERNAL', message: 'the sanity probe returned no outputs' };
  const outputs: Record<string, SanityOutput> = {};
  for (const [k, t] of Object.entries(r.outputs ?? {})) outputs[k] = firstRows(t, fed, n);
  // The batch axis of every input and output is the rows fed, whatever its symbol is called.
  const bindings: Record<string, number> = {};
  for (const t of [...spec.model.inputs, ...spec.model.outputs]) if (typeof t.shape[0] === 'string') bindings[t.shape[0]] = n;
  return checkSanity(outputs, admissionContract(b), n, rules.sanity, bindings, name);
}

/**
 * The sanity run for a scoring job: every ONNX model in `todo` (prediction files have no sanity
 * run). Returns the outcomes of the models that failed and the submissions still to score.
 */
export async function sanityForRun(b: LoadedBenchmark, todo: readonly AdmittedSubmission[], data: PreparedDataset | null): Promise<{ outcomes: Map<number, AdmissionOutcome>; todo: AdmittedSubmission[] }> {
  const outcomes = new Map<number, AdmissionOutcome>();
  const rules = admissionRules(b);
  const models = todo.filter((t) => !isPredictionFile(t));
  if (!rules.sanity.enabled || models.length === 0) return { outcomes, todo: [...todo] };
  const rows = await sanityRows(b, data, rules.sanity.rows);
  // No public row to probe (a benchmark whose rows are all private, without a public sample): a
  // sanity run never reads a private row, so there is none; scoring still runs under the limits.
  if (rows.rows === 0) return { outcomes, todo: [...todo] };
  const probe = sanityProbe(b);
  try {
    for (const t of models) {
      let err: ErrorData | null;
      try {
        err = await sanityCheckModel(probe, b, t.sub.blobPath, rows, t.sub.filename);
      } catch (e) {
        err = toErrorData(e, 'E_MODEL_RUNTIME');
      }
      if (err) outcomes.set(t.sub.id, { splitScores: null, error: err });
    }
  } finally {
    await probe.close();
  }
  return { outcomes, todo: todo.filter((t) => !outcomes.has(t.sub.id)) };
}
