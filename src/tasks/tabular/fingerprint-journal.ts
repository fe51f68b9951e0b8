// Prediction fingerprints of a tabular submission (admission.duplicates.predictionAgreement):
// each chunk's predictions become one 32-bit hash per row of the values rounded to
// `predictionDigits` significant digits (no value is kept), journaled beside the fold's own
// journal so `--resume` keeps them. The comparison after scoring is src/run/prediction-copies.ts.
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import type { Store } from '../../store/store.ts';
import { PredictionFingerprint } from '../../models/admission/duplicates.ts';
import { admissionRules } from '../../benchmark/admission-rules.ts';
import type { ChunkOutput } from './chunk-states.ts';

/** Journals a submission's per-chunk fingerprints; null when the spec does not ask for them. */
export function fingerprintJournal(b: LoadedBenchmark, store: Store, runId: number, submissionId: number): ((chunkIndex: number, output: ChunkOutput) => void) | null {
  const dup = admissionRules(b).duplicates;
  if (dup.predictionAgreement === undefined) return null;
  return (chunkIndex, output) => {
    const fp = new PredictionFingerprint(dup.predictionDigits);
    fp.addRows(output.data, output.kind === 'scores' ? output.width : 1);
    store.journalFingerprint(runId, submissionId, chunkIndex, fp.digest());
  };
}

