// The identity of an ONNX graph's weights: the hash of its stored tensors (type, dims and bytes of
// every initializer and Constant tensor, external data included), independent of tensor names and
// order, of the model's metadata (doc strings, producer), of config.json / tokenizer files and of a
// folder's file layout. Two folders with the same weights and an edited config.json have the same
// weights hash (a copy); so do two .onnx files that differ only in metadata. The same hash as the
// ONNX admission's (src/models/admission/onnx.ts computes it inline while it checks each tensor).
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import type { OnnxModel } from '../onnx/proto.ts';
import { canonicalTensorBytes, isExternal, storedTensors, tensorContentHash, weightsHash } from '../admission/tensors.ts';
import { externalRef, readSlice, resolveInside } from '../admission/external.ts';

/**
 * The weights hash of a decoded `model` whose external data lives in `externalDir` (named `label`
 * in messages); '' when it stores no tensors. External data must stay inside `externalDir`
 * (E_MODEL_EXTERNAL_DATA otherwise).
 */
export function onnxWeightsHash(model: OnnxModel, externalDir: string, label: string): string {
  const hashes: string[] = [];
  for (const { tensor, where } of storedTensors(model)) {
    let data: Uint8Array | null;
    if (isExternal(tensor)) {
      const ref = externalRef(tensor);
      const at = typeof ref === 'string' ? ref : resolveInside(externalDir, ref.location);
      if (typeof ref === 'string' || typeof at === 'string') throw new ArbiterError('E_MODEL_EXTERNAL_DATA', `${label}: ${where.slice(0, 120)}: external data ${typeof at === 'string' ? at : ref}`);
      data = readSlice(at.path, ref.offset, ref.length ?? at.size - ref.offset);
    } else data = canonicalTensorBytes(tensor);
    hashes.push(tensorContentHash(tensor, data ?? new Uint8Array()));
  }
  return hashes.length > 0 ? weightsHash(hashes) : '';
}

/** The weights hash of `model` (onnx/model.onnx of `folder`); '' when it stores no tensors. */
export function lmWeightsHash(model: OnnxModel, folder: string): string {
  return onnxWeightsHash(model, path.join(folder, 'onnx'), 'onnx/model.onnx');
}
