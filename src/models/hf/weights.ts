// The identity of a model folder's weights: the hash of its ONNX graph's stored tensors (type,
// dims and bytes of every initializer and Constant tensor, external data included), independent of
// tensor names and order, of config.json / tokenizer files and of the folder's file layout. Two
// folders with the same weights and an edited config.json have the same weights hash (a copy).
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import type { OnnxModel } from '../onnx/proto.ts';
import { canonicalTensorBytes, isExternal, storedTensors, tensorContentHash, weightsHash } from '../admission/tensors.ts';
import { externalRef, readSlice, resolveInside } from '../admission/external.ts';

/** The weights hash of `model` (onnx/model.onnx of `folder`); '' when it stores no tensors. */
export function lmWeightsHash(model: OnnxModel, folder: string): string {
  const onnxDir = path.join(folder, 'onnx');
  const hashes: string[] = [];
  for (const { tensor, where } of storedTensors(model)) {
    let data: Uint8Array | null;
    if (isExternal(tensor)) {
      const ref = externalRef(tensor);
      const at = typeof ref === 'string' ? ref : resolveInside(onnxDir, ref.location);
      if (typeof ref === 'string' || typeof at === 'string') throw new ArbiterError('E_MODEL_EXTERNAL_DATA', `onnx/model.onnx: ${where.slice(0, 120)}: external data ${typeof at === 'string' ? at : ref}`);
      data = readSlice(at.path, ref.offset, ref.length ?? at.size - ref.offset);
    } else data = canonicalTensorBytes(tensor);
    hashes.push(tensorContentHash(tensor, data ?? new Uint8Array()));
  }
  return hashes.length > 0 ? weightsHash(hashes) : '';
}
