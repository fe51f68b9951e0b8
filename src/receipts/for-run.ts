// The receipt of a finished `arbiter score` run: its result plus everything a re-run needs (the
// validated spec itself, the registration order, each submission's original file name) and, as
// hints for a re-run in the same checkout, spec, dataset and blob paths relative to the working
// directory (a path outside it is left out: a receipt publishes no path of the validator's machine).
import path from 'node:path';
import type { LoadedBenchmark } from '../benchmark/loader.ts';
import type { Store } from '../store/store.ts';
import type { ScoreResult } from '../results.ts';
import { registry } from '../../scoring/index.ts';
import { buildReceipt, type Receipt } from './receipt.ts';

function rel(p: string, cwd: string): string {
  const r = path.relative(cwd, p);
  return r.startsWith('..') || path.isAbsolute(r) ? p : r;
}

export function receiptForRun(result: ScoreResult, b: LoadedBenchmark, store: Store, opts: { validator?: string; cwd?: string } = {}): Receipt {
  const cwd = opts.cwd ?? process.cwd();
  const primary = b.spec.metrics.find((m) => (m.key ?? m.name) === b.primary)!;
  const members = store.runMembers(result.run.id);
  return buildReceipt(result, {
    primary: b.primary,
    higherIsBetter: registry.get(primary.name).higherIsBetter,
    rewards: b.spec.rewards ?? null,
    validator: opts.validator ?? null,
    spec: b.spec,
    specPath: rel(b.file, cwd),
    datasetPath: rel(b.datasetPath, cwd),
    submissions: members.map((m, i) => ({
      submission: m.sha256, participant: m.participant, file: m.filename ? path.basename(m.filename) : null, path: rel(m.blobPath, cwd), submittedSeq: i,
    })),
  });
}

/** Where a run's receipt goes by default: beside the store. */
export function defaultReceiptPath(dbFile: string, benchmarkId: string, runId: number): string {
  return path.join(path.dirname(path.resolve(dbFile)), 'receipts', `${benchmarkId}-run-${runId}.json`);
}
