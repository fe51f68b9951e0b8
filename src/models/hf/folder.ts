// What a transformers.js model folder must contain, checked before anything loads it, so that a
// missing file is E_MODEL_FORMAT naming that file (transformers.js itself would report a hub or
// "tokenizer_class of undefined" error).
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import { decodeModel, type OnnxModel } from '../onnx/proto.ts';

export const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

export function readJsonFile(folder: string, rel: string): Record<string, unknown> {
  const p = path.join(folder, rel);
  let v: unknown;
  try { v = JSON.parse(readFileSync(p, 'utf8')); } catch (e) {
    throw new ArbiterError('E_MODEL_FORMAT', `${rel} is not valid JSON: ${(e as Error).message}`, { file: rel });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ArbiterError('E_MODEL_FORMAT', `${rel} must hold a JSON object`, { file: rel });
  return v as Record<string, unknown>;
}

/** Throws E_MODEL_FORMAT naming the first missing file; returns the folder's absolute path. */
export function checkFolderFiles(folder: string): string {
  const abs = path.resolve(folder);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new ArbiterError('E_MODEL_FORMAT', `model folder ${path.basename(abs)} does not exist or is not a directory`, { file: path.basename(abs) });
  }
  for (const rel of REQUIRED_FILES) {
    const p = path.join(abs, rel);
    if (!existsSync(p) || !statSync(p).isFile()) {
      throw new ArbiterError('E_MODEL_FORMAT', `model folder is missing ${rel} (expected ${REQUIRED_FILES.join(', ')})`, { file: rel });
    }
  }
  return abs;
}

export interface OnnxFileInfo {
  model: OnnxModel;
  /** external data files the graph's initializers reference, relative to onnx/ (sorted, unique) */
  externalFiles: string[];
}

/** Decode onnx/model.onnx (pure JS) and check that its external data files exist inside onnx/. */
export function readOnnxFile(folder: string): OnnxFileInfo {
  const onnxDir = path.join(folder, 'onnx');
  let model: OnnxModel;
  try { model = decodeModel(readFileSync(path.join(onnxDir, 'model.onnx'))); } catch (e) {
    throw new ArbiterError('E_MODEL_FORMAT', `onnx/model.onnx is not an ONNX ModelProto: ${(e as Error).message}`, { file: 'onnx/model.onnx' });
  }
  if (!model.graph) throw new ArbiterError('E_MODEL_FORMAT', 'onnx/model.onnx has no graph', { file: 'onnx/model.onnx' });
  const ext = new Set<string>();
  for (const t of model.graph.initializer ?? []) {
    if (t.dataLocation !== 1) continue;
    const loc = t.externalData?.find((e) => e.key === 'location')?.value;
    if (!loc) throw new ArbiterError('E_MODEL_FORMAT', `initializer ${t.name} is external but names no location`, { file: 'onnx/model.onnx' });
    const norm = path.posix.normalize(loc);
    if (path.isAbsolute(loc) || norm.startsWith('..')) {
      throw new ArbiterError('E_MODEL_FORMAT', `initializer ${t.name} points outside the model folder (${loc})`, { file: 'onnx/model.onnx' });
    }
    ext.add(norm);
  }
  const externalFiles = [...ext].sort();
  for (const f of externalFiles) {
    if (!existsSync(path.join(onnxDir, f))) throw new ArbiterError('E_MODEL_FORMAT', `model folder is missing onnx/${f} (external data of onnx/model.onnx)`, { file: `onnx/${f}` });
  }
  return { model, externalFiles };
}
