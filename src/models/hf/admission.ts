// Admission of a transformers.js model folder against a benchmark's LM rules, main side and in
// pure JS (nothing native touches the submission before it is admitted). Each rule fails with
// its own code: E_MODEL_FORMAT (missing/invalid file), E_MODEL_TOO_LARGE, E_MODEL_FAMILY,
// E_TOKENIZER, E_MODEL_OPSET, E_MODEL_PARAMS, E_CONTEXT_LENGTH, and E_MODEL_CONTRACT for a
// sequence classifier whose head does not have the benchmark's number of classes.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { scoringGraphOf } from './scoring-graph.ts';
import { ArbiterError } from '../../errors.ts';
import type { OnnxModel, OnnxTensor } from '../onnx/proto.ts';
import { checkFolderFiles, readJsonFile, readOnnxFile } from './folder.ts';
import { tokenizerHash } from './tokenizer-hash.ts';
import { lmWeightsHash } from './weights.ts';
import { sha256Hex } from '../../benchmark/canonical.ts';
import type { LmAdmissionRules } from '../../benchmark/lm-task.ts';

export interface LmAdmissionReport {
  folder: string;
  modelType: string;
  tokenizerSha256: string;
  /** sha256 of the chat_template string, null when there is none (or it is a list of named templates) */
  chatTemplateSha256: string | null;
  params: number;
  modelBytes: number;
  opset: number | null;
  /** the context the config declares (max_position_embeddings or an alias), null when it declares none */
  maxContext: number | null;
  /** the identity of the graph's stored weights (src/models/hf/weights.ts); '' when it stores none */
  weightsHash: string;
}

/** ONNX element types whose initializers are parameters: floats and (quantised) 8/4-bit ints. Index/shape types are not. */
const PARAM_DTYPES = new Set([1, 2, 3, 10, 11, 16, 17, 18, 19, 20, 21, 22]);
const CONTEXT_KEYS = ['max_position_embeddings', 'n_positions', 'max_seq_len', 'seq_length', 'n_ctx'] as const;

function tensorIdentity(t: OnnxTensor): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([t.dataType, t.dims ?? []]));
  if (t.dataLocation === 1) h.update(JSON.stringify(t.externalData ?? []));
  else if (t.rawData && t.rawData.length > 0) h.update(t.rawData);
  else h.update(JSON.stringify([t.floatData ?? [], t.int32Data ?? [], t.doubleData ?? [], t.int64Data ?? [], t.uint64Data ?? []]));
  return h.digest('hex');
}

/**
 * Parameters = elements of the float / 8-bit / 4-bit initializers and Constant-node tensors of the
 * main graph. Tensors with identical type, shape and bytes (tied weights an exporter wrote twice)
 * count once; one initializer used by several nodes is one initializer anyway.
 */
export function countParams(model: OnnxModel): number {
  const seen = new Set<string>();
  let n = 0;
  const tensors: OnnxTensor[] = [...(model.graph?.initializer ?? [])];
  for (const node of model.graph?.node ?? []) {
    if (node.opType === 'Constant') for (const a of node.attribute ?? []) if (a.t) tensors.push(a.t);
  }
  for (const t of tensors) {
    if (!PARAM_DTYPES.has(t.dataType ?? 0)) continue;
    const id = tensorIdentity(t);
    if (seen.has(id)) continue;
    seen.add(id);
    n += (t.dims ?? []).reduce((p, d) => p * Number(d), 1);
  }
  return n;
}

// The tokenizer hash of a tokenizer.json, memoised by the sha256 of its bytes (a pure function of
// them): the submissions of a benchmark usually carry the same file, and parsing Qwen's 11 MB
// tokenizer.json for the hash costs ~120 MB of heap each time (measured: the main process of
// `arbiter score -b qwen-chat-demo` peaked at 411 MB admitting its three demo submissions,
// 267 MB with the hash computed once).
const tokenizerHashes = new Map<string, string>();
function tokenizerHashOfFile(file: string): string {
  const bytes = readFileSync(file);
  const key = sha256Hex(bytes);
  const known = tokenizerHashes.get(key);
  if (known !== undefined) return known;
  let tokJson: unknown;
  try { tokJson = JSON.parse(bytes.toString('utf8')); } catch (e) {
    throw new ArbiterError('E_MODEL_FORMAT', `tokenizer.json is not valid JSON: ${(e as Error).message}`, { file: 'tokenizer.json' });
  }
  const h = tokenizerHash(tokJson);
  if (tokenizerHashes.size >= 64) tokenizerHashes.clear();
  tokenizerHashes.set(key, h);
  return h;
}

export function admitLmFolder(folder: string, rules: LmAdmissionRules): LmAdmissionReport {
  const abs = checkFolderFiles(folder);
  const config = readJsonFile(abs, 'config.json');
  const tokConfig = readJsonFile(abs, 'tokenizer_config.json');
  const { model, externalFiles } = readOnnxFile(abs);

  const modelBytes = ['model.onnx', ...externalFiles].reduce((s, f) => s + statSync(path.join(abs, 'onnx', f)).size, 0);
  if (rules.maxModelBytes !== undefined && modelBytes > rules.maxModelBytes) {
    throw new ArbiterError('E_MODEL_TOO_LARGE', `the ONNX model files take ${modelBytes} bytes; the benchmark allows at most ${rules.maxModelBytes}`, { modelBytes, maxModelBytes: rules.maxModelBytes });
  }

  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  if (rules.allowedModelTypes && !rules.allowedModelTypes.includes(modelType)) {
    throw new ArbiterError('E_MODEL_FAMILY', `config.json model_type is ${JSON.stringify(config.model_type ?? null)}; the benchmark allows ${rules.allowedModelTypes.join(', ')}`, { modelType, allowed: rules.allowedModelTypes });
  }

  const tokenizerSha256 = tokenizerHashOfFile(path.join(abs, 'tokenizer.json'));
  if (rules.approvedTokenizers && !rules.approvedTokenizers.includes(tokenizerSha256)) {
    throw new ArbiterError('E_TOKENIZER', `the tokenizer's vocabulary/merges hash is ${tokenizerSha256}; the benchmark approves ${rules.approvedTokenizers.join(', ')}`, { tokenizerSha256, approved: rules.approvedTokenizers });
  }
  if (rules.requireChatTemplate && (typeof tokConfig.chat_template !== 'string' && !Array.isArray(tokConfig.chat_template))) {
    throw new ArbiterError('E_TOKENIZER', 'tokenizer_config.json has no chat_template: a chat-loss submission must carry its chat template', { file: 'tokenizer_config.json' });
  }

  const chatTemplateSha256 = typeof tokConfig.chat_template === 'string'
    ? createHash('sha256').update(tokConfig.chat_template, 'utf8').digest('hex') : null;
  if (rules.approvedChatTemplates && (chatTemplateSha256 === null || !rules.approvedChatTemplates.includes(chatTemplateSha256))) {
    throw new ArbiterError('E_TOKENIZER', `the chat_template's sha256 is ${chatTemplateSha256 ?? 'none (no single template string)'}; the benchmark approves ${rules.approvedChatTemplates.join(', ')}`, { chatTemplateSha256, approved: rules.approvedChatTemplates });
  }

  const op = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = op?.version !== undefined ? Number(op.version) : null;
  if (rules.allowedOpsets && (opset === null || !rules.allowedOpsets.includes(opset))) {
    throw new ArbiterError('E_MODEL_OPSET', `the model imports ONNX opset ${opset ?? 'none'}; the benchmark allows ${rules.allowedOpsets.join(', ')}`, { opset, allowed: rules.allowedOpsets });
  }

  const params = countParams(model);
  if (rules.maxParams !== undefined && params > rules.maxParams) {
    throw new ArbiterError('E_MODEL_PARAMS', `the model has ${params} parameters (ONNX initializers, shared weights once); the benchmark allows at most ${rules.maxParams}`, { params, maxParams: rules.maxParams });
  }

  const key = CONTEXT_KEYS.find((k) => typeof config[k] === 'number');
  const maxContext = key ? (config[key] as number) : null;
  if (maxContext !== null && maxContext < rules.contextLength) {
    throw new ArbiterError('E_CONTEXT_LENGTH', `config.json ${key} is ${maxContext}; the benchmark scores ${rules.contextLength}-token contexts`, { maxContext, contextLength: rules.contextLength });
  }
  if (rules.numClasses !== undefined) checkClassifierHead(config, model, rules.numClasses);
  // a causal LM is scored through its scoring graph: a graph that cannot be extended is refused here, before any run
  else if (rules.causalLm) scoringGraphOf(model);
  return { folder: abs, modelType, tokenizerSha256, chatTemplateSha256, params, modelBytes, opset, maxContext, weightsHash: lmWeightsHash(model, abs) };
}

/**
 * A sequence classifier must give one logit per class: its graph output "logits" must be
 * [batch, numClasses] when the graph states the size, and config.json id2label (when present)
 * must name numClasses classes. Caught here, before any model code runs, instead of on the first batch.
 */
function checkClassifierHead(config: Record<string, unknown>, model: OnnxModel, numClasses: number): void {
  const out = (model.graph?.output ?? []).find((o) => o.name === 'logits');
  if (!out) throw new ArbiterError('E_MODEL_CONTRACT', `the classifier graph has no output named "logits" (outputs: ${(model.graph?.output ?? []).map((o) => o.name).join(', ') || 'none'})`);
  const dims = out.type?.tensorType?.shape?.dim;
  if (dims) {
    const last = dims[dims.length - 1];
    const size = last?.dimValue !== undefined ? Number(last.dimValue) : null;
    if (dims.length !== 2 || (size !== null && size !== numClasses)) {
      const shown = dims.map((d) => (d.dimValue !== undefined ? String(d.dimValue) : (d.dimParam ?? '?'))).join(', ');
      throw new ArbiterError('E_MODEL_CONTRACT', `expected the classifier output logits [batch, ${numClasses}], found [${shown}]`, { numClasses });
    }
  }
  const id2label = config.id2label;
  if (id2label && typeof id2label === 'object' && Object.keys(id2label).length !== numClasses) {
    throw new ArbiterError('E_MODEL_CONTRACT', `config.json id2label names ${Object.keys(id2label).length} classes; the benchmark has ${numClasses}`, { numClasses });
  }
}
