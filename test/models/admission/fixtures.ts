// Shared builders for admission tests: a small valid classifier, its contract, default rules, and
// variants with external data. Every weight comes from a seeded generator.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, gaussian, mlpModel, mulberry32, type InitTensor, type ModelSpec, type NodeSpec } from '../../../src/models/onnx/builder.ts';
import { decodeModel, encodeModel } from '../../../src/models/onnx/proto.ts';
import { AdmissionRulesSchema, type AdmissionRules, type AdmissionRulesInput, type ModelContract } from '../../../src/models/admission/schema.ts';

export const IN_F = 4;
export const OUT_F = 3;

export const contract: ModelContract = {
  inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', IN_F] }],
  outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', OUT_F] }],
};

export function rules(over: AdmissionRulesInput = {}): AdmissionRules {
  return AdmissionRulesSchema.parse(over);
}

export function layer(rand: () => number, i: number, o: number): { inF: number; outF: number; w: Float32Array; b: Float32Array } {
  return { inF: i, outF: o, w: Float32Array.from({ length: i * o }, rand), b: Float32Array.from({ length: o }, rand) };
}

/** The valid base model: x[batch,4] -> 8 -> probs[batch,3] (softmax); 67 parameters. */
export function goodModel(seed = 1): Uint8Array {
  const g = gaussian(mulberry32(seed));
  return mlpModel({ inputName: 'x', outputName: 'probs', weights: [layer(g, IN_F, 8), layer(g, 8, OUT_F)], softmax: true });
}

/** A one-layer model spec (MatMul + Add + Softmax) whose parts tests can change. */
export function linearSpec(seed = 2, over: Partial<ModelSpec> = {}): ModelSpec {
  const g = gaussian(mulberry32(seed));
  const w = Float32Array.from({ length: IN_F * OUT_F }, g);
  const b = Float32Array.from({ length: OUT_F }, g);
  const initializers: InitTensor[] = [
    { name: 'W', dtype: 'float32', dims: [IN_F, OUT_F], data: w },
    { name: 'B', dtype: 'float32', dims: [OUT_F], data: b },
  ];
  const nodes: NodeSpec[] = [
    { op: 'MatMul', inputs: ['x', 'W'], outputs: ['mm'] },
    { op: 'Add', inputs: ['mm', 'B'], outputs: ['logits'] },
    { op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } },
  ];
  return {
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', IN_F] }],
    outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', OUT_F] }],
    nodes, initializers, ...over,
  };
}

/**
 * The linear model with its weight matrix W stored as external data at `location` (relative to the
 * model file). The external bytes are written to `dataPath` when given.
 */
export function externalModel(location: string, opts: { dataPath?: string; length?: number; offset?: number } = {}): Uint8Array {
  const spec = linearSpec();
  const w = spec.initializers![0]!;
  const model = decodeModel(buildModel(spec));
  const init = model.graph!.initializer![0]!;
  delete init.rawData;
  init.dataLocation = 1;
  init.externalData = [{ key: 'location', value: location }];
  if (opts.offset !== undefined) init.externalData.push({ key: 'offset', value: String(opts.offset) });
  if (opts.length !== undefined) init.externalData.push({ key: 'length', value: String(opts.length) });
  if (opts.dataPath) writeFileSync(opts.dataPath, Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength));
  return encodeModel(model);
}

export function writeModel(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Feeds of `rows` deterministic rows for the base contract. */
export function feeds(rows: number, seed = 7): { x: { type: 'float32'; dims: number[]; data: Float32Array } } {
  const g = gaussian(mulberry32(seed));
  return { x: { type: 'float32', dims: [rows, IN_F], data: Float32Array.from({ length: rows * IN_F }, g) } };
}
