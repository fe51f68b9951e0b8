// What the model registry learns by reading a model's bytes once: its parameter count, the hash of
// its weights (metadata-independent: src/models/hf/weights.ts) and, for a model folder, the base
// model its config.json names (`_name_or_path`). Pure JS on the stored copy (nothing native runs a
// model here); anything wrong with the bytes is a fact too (an error code), never a throw, so one
// hostile blob cannot stop a listing. The store caches the result per content hash.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArbiterError, toErrorData, type ErrorData } from '../errors.ts';
import { decodeModel } from './onnx/proto.ts';
import { elementCount, storedTensors } from './admission/tensors.ts';
import { onnxWeightsHash } from './hf/weights.ts';
import { countParams } from './hf/admission.ts';
import { checkFolderFiles, readJsonFile, readOnnxFile } from './hf/folder.ts';
import { MAX_BASE_MODEL_NAME_CHARS } from './submission-file.ts';
import { extractSubmission, readSubmissionArchive } from './admission/archive.ts';
import type { AdmissionRules } from './admission/schema.ts';

/** Bump when what a fact means changes: cached facts of an older version are computed again. */
export const MODEL_FACTS_VERSION = 1;

export interface ModelFacts {
  /** parameters (ONNX file: elements of every stored tensor, as admission counts them; model folder: its graph's float / 8-bit / 4-bit tensors, tied weights once) */
  params: number | null;
  /** sha256 of the stored tensors, names and metadata ignored; null when the model stores no tensors or could not be read */
  weightsHash: string | null;
  /** config.json `_name_or_path` of a model folder, cut to MAX_BASE_MODEL_NAME_CHARS; null when absent */
  configBaseModel: string | null;
  /** why the bytes could not be read as a model (the facts above are then null) */
  error: ErrorData | null;
}

const failed = (err: unknown): ModelFacts => ({ params: null, weightsHash: null, configBaseModel: null, error: toErrorData(err, 'E_MODEL_FORMAT') });

/** Facts of a single .onnx file (external data, if any, must sit beside it). */
export function onnxFileFacts(file: string): ModelFacts {
  try {
    const model = decodeModel(readFileSync(file));
    let params = 0;
    for (const { tensor, where } of storedTensors(model)) {
      const c = elementCount(tensor.dims);
      if (typeof c === 'string') return failed(new ArbiterError('E_MODEL_FORMAT', `${path.basename(file)}: ${where.slice(0, 120)} has invalid dims: ${c.slice(0, 160)}`));
      params += c;
    }
    const w = onnxWeightsHash(model, path.dirname(file), path.basename(file));
    return { params, weightsHash: w === '' ? null : w, configBaseModel: null, error: null };
  } catch (err) {
    return failed(err);
  }
}

/**
 * Facts of a tabular submission archive (a .tar or .tar.gz of one .onnx and its external data):
 * parsed under the benchmark's archive rules (the same limits admission applies, so a bomb stays
 * a refused fact) and unpacked into a scratch folder removed afterwards.
 */
export function onnxArchiveFacts(file: string, rules: Pick<AdmissionRules, 'maxBytes' | 'maxExternalBytes' | 'archive'>): ModelFacts {
  let scratch: string | null = null;
  try {
    const entries = readSubmissionArchive(readFileSync(file), rules);
    scratch = mkdtempSync(path.join(os.tmpdir(), 'arbiter-model-facts-'));
    return onnxFileFacts(extractSubmission(entries, scratch));
  } catch (err) {
    return failed(err);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** Facts of a transformers.js model folder: its onnx/model.onnx graph and its config.json. */
export function lmFolderFacts(folder: string): ModelFacts {
  try {
    const abs = checkFolderFiles(folder);
    const config = readJsonFile(abs, 'config.json');
    const { model } = readOnnxFile(abs);
    const w = onnxWeightsHash(model, path.join(abs, 'onnx'), 'onnx/model.onnx');
    const named = config._name_or_path;
    const configBaseModel = typeof named === 'string' && named.trim() !== '' ? [...named].slice(0, MAX_BASE_MODEL_NAME_CHARS).join('') : null;
    return { params: countParams(model), weightsHash: w === '' ? null : w, configBaseModel, error: null };
  } catch (err) {
    return failed(err);
  }
}

/** Facts of a file that holds predictions, not a model: nothing to count. */
export const PREDICTION_FACTS: ModelFacts = { params: null, weightsHash: null, configBaseModel: null, error: null };
