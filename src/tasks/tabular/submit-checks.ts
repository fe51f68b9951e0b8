// The checks `arbiter submit` runs on a prediction file beyond parsing it: those the file alone
// decides (probabilities in [0, 1] summing to 1 within the metrics' tolerance, class ids in range)
// and those the public sample decides (ids of the public sample are never hidden ids). Checks that
// need the hidden ids (a missing row, an extra id) stay at score time. Pure over the parsed table.
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import type { PredictionTable } from '../../models/predictions.ts';
import { configuredMetrics } from '../../fold/fold.ts';
import { openArrowStream } from '../../data/arrow-stream.ts';
import { canonicalId } from '../../data/split.ts';

/** The strictest `sumTolerance` of the metrics that read probabilities (they refuse a row beyond it), or null when none checks sums. */
export function probabilitySumTolerance(b: LoadedBenchmark): { tolerance: number; metric: string } | null {
  let best: { tolerance: number; metric: string } | null = null;
  for (const m of configuredMetrics(b)) {
    const tol = (m.options as { sumTolerance?: unknown }).sumTolerance;
    if (!(m.metric.inputs as readonly string[]).includes('probabilities') || typeof tol !== 'number') continue;
    if (!best || tol < best.tolerance) best = { tolerance: tol, metric: m.key };
  }
  return best;
}

/** Ids of `table` in file order, as its index holds them (canonical text). */
function idsByRow(table: PredictionTable): string[] {
  const out = new Array<string>(table.index.size);
  for (const [id, row] of table.index) out[row] = id;
  return out;
}

/**
 * Throws E_PREDICTIONS for what would fail at score time whatever the hidden set holds. `file` is
 * the participant's file name; `publicIds` the public sample's ids (canonical text), when known.
 * Messages quote the participant's own ids and values, never anything of the hidden set.
 */
export function checkPredictionFile(table: PredictionTable, b: LoadedBenchmark, file: string, publicIds?: ReadonlySet<string>): void {
  const name = path.basename(file);
  const fail = (message: string, details: Record<string, unknown>): never => {
    throw new ArbiterError('E_PREDICTIONS', `${name}: ${message}`, { file: name, ...details });
  };
  const ids = idsByRow(table);
  const w = table.width;
  const t = b.spec.task;
  if (table.kind === 'probabilities') {
    const sums = probabilitySumTolerance(b);
    let bad = 0;
    let first = -1;
    let firstSum = 0;
    for (let r = 0; r < ids.length; r++) {
      let sum = 0;
      let inRange = true;
      for (let j = 0; j < w; j++) {
        const p = table.values[r * w + j]!;
        if (!(p >= 0 && p <= 1)) inRange = false;
        sum += p;
      }
      if (!inRange) fail(`row with id ${JSON.stringify(ids[r])}: expected probabilities in [0, 1], found ${Array.from(table.values.subarray(r * w, (r + 1) * w)).join(', ')}`, { id: ids[r] });
      if (sums && !(Math.abs(sum - 1) <= sums.tolerance)) { if (bad++ === 0) { first = r; firstSum = sum; } }
    }
    if (bad > 0) {
      fail(`${bad} row${bad > 1 ? 's' : ''} of probabilities do${bad > 1 ? '' : 'es'} not sum to 1: expected 1 within ${sums!.tolerance} (metric ${sums!.metric} refuses it at scoring), found ${firstSum} for id ${JSON.stringify(ids[first])}${bad > 1 ? ' (the first)' : ''}`, { rows: bad, id: ids[first], sum: firstSum });
    }
  } else if (table.kind === 'classes' && (t.type === 'classification' || t.type === 'sequence-classification')) {
    for (let r = 0; r < ids.length; r++) {
      const c = table.values[r]!;
      if (!(Number.isInteger(c) && c >= 0 && c < t.numClasses)) fail(`row with id ${JSON.stringify(ids[r])}: expected a class id in 0..${t.numClasses - 1}, found ${c}`, { id: ids[r] });
    }
  }
  if (publicIds && publicIds.size > 0) {
    const overlap = ids.filter((id) => publicIds.has(id)).length;
    if (overlap > 0) {
      fail(`${overlap} of its ${ids.length} ids are ids of the public sample (dataset.publicSample): expected predictions for the hidden set's ids; the public sample is for \`arbiter check\`, and its ids are never in the hidden set`, { publicIds: overlap });
    }
  }
}

/** The public sample's row ids (canonical text), or undefined when the benchmark has no Arrow public sample or it cannot be read. */
export async function publicSampleIds(b: LoadedBenchmark): Promise<Set<string> | undefined> {
  const sample = b.spec.dataset.publicSample;
  if (sample === undefined || sample.endsWith('.jsonl')) return undefined;
  const idColumn = b.spec.dataset.idColumn ?? 'id';
  try {
    const { batches } = await openArrowStream(path.resolve(b.dir, sample), 'public sample');
    const out = new Set<string>();
    for await (const batch of batches) {
      const col = batch.getChild(idColumn);
      if (!col) return undefined;
      for (let i = 0; i < batch.numRows; i++) out.add(canonicalId(col.get(i) as bigint | string));
    }
    return out;
  } catch {
    // A broken sample is the host's problem; `arbiter check` reports it. Submit goes on without this check.
    return undefined;
  }
}
