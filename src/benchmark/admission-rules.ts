// A benchmark's admission rules as the checks read them: its `admission:` section with the
// defaults applied, and its ONNX model contract in the shape the admission checks take. Used by
// every task kind (copies, the earlier-submission margin) and by the run's ranking.
import type { LoadedBenchmark } from './loader.ts';
import { requireModel } from './schema.ts';
import { AdmissionRulesSchema, type AdmissionRules, type ModelContract } from '../models/admission/schema.ts';

/** The rules a benchmark admits ONNX models with: its `admission:` section, or the defaults. */
export function admissionRules(b: LoadedBenchmark): AdmissionRules {
  return b.spec.admission ?? AdmissionRulesSchema.parse({});
}

/** The spec's model contract in the shape the admission checks take. */
export function admissionContract(b: LoadedBenchmark): ModelContract {
  const t = (x: { name: string; dtype: string; shape: Array<number | string> }) => ({ name: x.name, dtype: x.dtype as ModelContract['inputs'][number]['dtype'], shape: [...x.shape] });
  const model = requireModel(b.spec).model;
  return { inputs: model.inputs.map(t), outputs: model.outputs.map(t) };
}

