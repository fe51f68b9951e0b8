// Loads a transformers.js model folder fully offline (worker side) and caches it per worker:
// tokenizer, chat-template renderer and ONNX session, with the session options the design fixes
// (1 intra-op thread, sequential, 'extended' optimisation) so every worker computes the same bits.
// A causal LM runs its scoring graph (scoring-graph.ts) on onnxruntime-node directly: only the
// float64 log-probabilities of the scored tokens come back, never the [batch, seq, vocab] logits.
// transformers.js serves the tokenizer and chat template, and the classifier models.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { env, AutoTokenizer, AutoModelForSequenceClassification, Tensor } from '@huggingface/transformers';
import { ArbiterError } from '../../errors.ts';
import { checkFolderFiles, readJsonFile, readOnnxFile } from './folder.ts';
import { LOGPROBS_OUTPUT, POSITIONS_INPUT, TARGETS_INPUT, scoringGraphFile, type ScoringGraphFile } from './scoring-graph.ts';
import type { LmTokenizer } from '../../tasks/lm/tokens.ts';
import type { RenderFn } from '../../tasks/lm/render.ts';

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.useFSCache = false;
env.useBrowserCache = false;

export type LmKind = 'causal-lm' | 'sequence-classification';

export interface LoadLmOptions {
  intraOpNumThreads?: number;
  kind?: LmKind;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** What workers score with. `forward` returns logits as float32 with their dims. */
export interface LoadedLm {
  folder: string;
  kind: LmKind;
  tokenizer: LmTokenizer;
  /** renders with the folder's chat template; throws E_TOKENIZER when the folder has none */
  render: RenderFn;
  eosToken: string | null;
  padId: number;
  /** ids with the tokenizer's post-processor tokens ([CLS] … [SEP] etc.), for sequence classification */
  encodeWithSpecialTokens(text: string): number[];
  forward(ids: BigInt64Array, mask: BigInt64Array, batch: number, seq: number): Promise<{ data: Float32Array; dims: number[] }>;
  /**
   * causal-lm only: run the scoring graph on one right-padded batch and return, for each i,
   * log P(targets[i] | tokens before it) at flat position positions[i] (= b * seq + j, the position
   * whose logits predict the target), in float64. The logits never leave onnxruntime.
   */
  tokenLogProbs(ids: BigInt64Array, mask: BigInt64Array, batch: number, seq: number, positions: BigInt64Array, targets: BigInt64Array): Promise<Float64Array>;
  /** causal-lm: the vocabulary size the graph declares for its logits (null when symbolic) */
  vocab: number | null;
}

/**
 * The session options of every LM session (the design's: 1 intra-op and 1 inter-op thread,
 * sequential, a pinned optimisation level, no logging), plus `enableMemPattern: false`: a batch
 * plan has a new [batch, seq] shape almost every batch, and the memory pattern onnxruntime plans
 * (and keeps) per input shape then costs more than it saves: on the tiny Qwen-vocabulary bench
 * model it halved the CPU time of the first pass over the batches and cut a worker's RSS by
 * ~200 MB (docs/language-models.md §7). It only changes where buffers live, never a value. The
 * CPU arena stays on: without it every batch allocates and frees its [n, vocab] buffers from the
 * system, 2-3x slower.
 */
export function lmSessionOptions(opts: LoadLmOptions = {}): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: opts.intraOpNumThreads ?? 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'extended', logSeverityLevel: 4,
    enableMemPattern: false,
  };
}

const cache = new Map<string, Promise<LoadedLm>>();

/** Load (once per worker and folder+options) a model folder. Errors carry E_MODEL_FORMAT / E_TOKENIZER codes. */
export function loadLm(folder: string, opts: LoadLmOptions = {}): Promise<LoadedLm> {
  const abs = path.resolve(folder);
  const key = JSON.stringify([abs, opts.kind ?? 'causal-lm', opts.intraOpNumThreads ?? 1, opts.graphOptimizationLevel ?? 'extended']);
  let p = cache.get(key);
  if (!p) {
    p = doLoad(abs, opts);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Drop cached models and tokenizers (tests; a long-lived worker switching benchmarks). */
export function clearLmCache(): void { cache.clear(); tokenizers.clear(); }

// Every onnxruntime session a cached model holds, so that unloading frees its native memory (the
// weights and the CPU arena with its largest [scored tokens, vocab] buffers) at once instead of
// whenever V8 finalizes the JS object: a warm child moving through three Qwen-vocabulary demo
// submissions otherwise held the old sessions' arenas beside the new one.
const sessions = new Set<ort.InferenceSession>();

/** Counters of this worker's loads (tests: a tokenizer is parsed once however many submissions share it). */
export const lmLoadStats = { tokenizerParses: 0 };

/**
 * A warm worker moving to the next submission: drop the cached models and release their sessions
 * now. Tokenizers stay (the most recent one only, see sharedTokenizer): submissions of a benchmark
 * usually share theirs, and re-parsing Qwen's costs ~100 MB of short-lived heap per switch.
 */
export async function unloadLmModels(): Promise<void> {
  cache.clear();
  const open = [...sessions];
  sessions.clear();
  for (const s of open) await s.release().catch(() => { /* already released */ });
}

// Submissions of one benchmark usually share a tokenizer (Qwen's parses to ~100 MB of heap): one
// instance per worker for identical tokenizer.json + tokenizer_config.json bytes, kept across submissions. A tokenizer is
// stateless for encode / decode / apply_chat_template, so sharing it cannot change a result.
const tokenizers = new Map<string, Promise<any>>();
function sharedTokenizer(folder: string): Promise<any> {
  const h = createHash('sha256');
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) { const b = readFileSync(path.join(folder, f)); h.update(`${b.length}:`).update(b); }
  const key = h.digest('hex');
  let p = tokenizers.get(key);
  if (!p) {
    // one parsed tokenizer per worker: a submission with other tokenizer files replaces it
    tokenizers.clear();
    lmLoadStats.tokenizerParses++;
    p = AutoTokenizer.from_pretrained(folder);
    tokenizers.set(key, p);
    p.catch(() => tokenizers.delete(key));
  }
  return p;
}

async function doLoad(folder: string, opts: LoadLmOptions): Promise<LoadedLm> {
  checkFolderFiles(folder);
  const { externalFiles, model: graph } = readOnnxFile(folder);
  const kind = opts.kind ?? 'causal-lm';
  let tok: any;
  try { tok = await sharedTokenizer(folder); } catch (e) {
    throw new ArbiterError('E_MODEL_FORMAT', `tokenizer.json / tokenizer_config.json do not load: ${(e as Error).message}`, { file: 'tokenizer.json' });
  }
  const sessionOptions = lmSessionOptions(opts);
  let model: any = null;
  let scoring: { file: ScoringGraphFile; session: ort.InferenceSession } | null = null;
  let plain: Promise<ort.InferenceSession> | null = null;
  if (kind === 'causal-lm') {
    const file = scoringGraphFile(folder, undefined, graph);
    checkFeedableInputs(file);
    let session: ort.InferenceSession;
    // with external data: from bytes, reading the data from the submission's own onnx/ folder (ORT
    // refuses external data outside the graph file's folder); otherwise from the cached file (no JS copy)
    const scoringOptions = { ...sessionOptions, extra: { session: { model_external_initializers_file_folder_path: path.join(folder, 'onnx') } } };
    try {
      session = file.externalData ? await ort.InferenceSession.create(readFileSync(file.path), scoringOptions) : await ort.InferenceSession.create(file.path, sessionOptions);
    } catch (e) {
      throw new ArbiterError('E_MODEL_FORMAT', `onnxruntime could not load the causal LM's scoring graph: ${(e as Error).message}`, { file: 'onnx/model.onnx' });
    }
    sessions.add(session);
    scoring = { file, session };
  } else {
    const loadOpts: Record<string, unknown> = { dtype: 'fp32', device: 'cpu', session_options: { ...sessionOptions, logSeverityLevel: 3 } };
    if (externalFiles.length > 0) loadOpts.use_external_data_format = externalFiles.length;
    try {
      model = await AutoModelForSequenceClassification.from_pretrained(folder, loadOpts);
    } catch (e) {
      throw new ArbiterError('E_MODEL_FORMAT', `the model does not load as ${kind}: ${(e as Error).message}`, { file: 'onnx/model.onnx' });
    }
  }
  const tokConfig = readJsonFile(folder, 'tokenizer_config.json');
  const eosToken = typeof tok.eos_token === 'string' ? tok.eos_token : null;
  const padId = Number.isInteger(tok.pad_token_id) ? tok.pad_token_id : Number.isInteger(tok.eos_token_id) ? tok.eos_token_id : 0;
  const hasTemplate = tokConfig.chat_template !== undefined && tokConfig.chat_template !== null;
  const render: RenderFn = (messages, tools) => {
    if (!hasTemplate) throw new ArbiterError('E_TOKENIZER', 'tokenizer_config.json has no chat_template: a chat-loss submission must carry its chat template', { file: 'tokenizer_config.json' });
    const o: Record<string, unknown> = { tokenize: false, add_generation_prompt: false };
    if (tools !== undefined) o.tools = tools;
    try {
      return tok.apply_chat_template(messages, o) as string;
    } catch (e) {
      // the template is submission code: its failures are the submission's, not arbiter's
      throw new ArbiterError('E_TOKENIZER', `the chat template failed to render: ${(e as Error).message}`, { file: 'tokenizer_config.json' });
    }
  };
  return {
    folder, kind, tokenizer: lmTokenizerOf(tok), render, eosToken, padId,
    encodeWithSpecialTokens: (text) => tok.encode(text, { add_special_tokens: true }) as number[],
    vocab: scoring?.file.vocab ?? null,
    async forward(ids, mask, batch, seq) {
      if (kind === 'causal-lm') {
        // the submitted graph as is (full logits): the reference path of tests and profiling, not of scoring
        plain ??= ort.InferenceSession.create(path.join(folder, 'onnx', 'model.onnx'), sessionOptions).then((s) => { sessions.add(s); return s; });
        const s = await plain;
        const out = await s.run(feedsOf(scoring!.file, ids, mask, batch, seq), ['logits']);
        const logits = out.logits!;
        if (logits.type !== 'float32') throw new ArbiterError('E_MODEL_CONTRACT', `the model must output float32 "logits", found ${logits.type}`);
        return { data: logits.data as Float32Array, dims: logits.dims.slice() };
      }
      const out = await model({ input_ids: new Tensor('int64', ids, [batch, seq]), attention_mask: new Tensor('int64', mask, [batch, seq]) });
      const logits = out.logits;
      if (!logits || logits.type !== 'float32') throw new ArbiterError('E_MODEL_CONTRACT', `the model must output float32 "logits", found ${logits?.type ?? 'none'}`);
      return { data: logits.data as Float32Array, dims: (logits.dims as number[]).slice() };
    },
    async tokenLogProbs(ids, mask, batch, seq, positions, targets) {
      if (!scoring) throw new Error('tokenLogProbs: only a causal LM has a scoring graph');
      const n = positions.length;
      const feeds = feedsOf(scoring.file, ids, mask, batch, seq);
      feeds[POSITIONS_INPUT] = new ort.Tensor('int64', positions, [n]);
      feeds[TARGETS_INPUT] = new ort.Tensor('int64', targets, [n, 1]);
      let out: ort.InferenceSession.ReturnType;
      try { out = await scoring.session.run(feeds, [LOGPROBS_OUTPUT]); } catch (e) {
        const msg = (e as Error).message;
        if (/logits|Flatten|GatherElements|arbiter_score/.test(msg)) {
          throw new ArbiterError('E_MODEL_CONTRACT', `the model's logits cannot be scored (expected [batch, seq, vocab] covering every token id): ${msg}`);
        }
        throw new ArbiterError('E_MODEL_RUNTIME', `the model failed on a batch of ${batch} x ${seq} tokens: ${msg}`);
      }
      const r = out[LOGPROBS_OUTPUT]!;
      if (r.type !== 'float64' || r.data.length !== n) throw new ArbiterError('E_MODEL_CONTRACT', `expected ${n} float64 log-probabilities, found ${r.data.length} ${r.type}`);
      return r.data as Float64Array;
    },
  };
}

const FED_INPUTS = 'input_ids, attention_mask, position_ids, past_key_values.* (empty), use_cache_branch';

/** Every graph input must be one arbiter knows how to feed: E_MODEL_CONTRACT at load otherwise. */
function checkFeedableInputs(file: ScoringGraphFile): void {
  const names = file.inputs.map((i) => i.name);
  for (const need of ['input_ids', 'attention_mask']) {
    if (!names.includes(need)) throw new ArbiterError('E_MODEL_CONTRACT', `a causal LM graph must take "${need}" [batch, seq] int64; found inputs: ${names.join(', ')}`);
  }
  for (const i of file.inputs) {
    const known = ['input_ids', 'attention_mask', 'position_ids', 'use_cache_branch'].includes(i.name)
      || (i.name.startsWith('past_key_values.') && i.dims.length === 4 && typeof i.dims[1] === 'number' && typeof i.dims[3] === 'number');
    if (!known) throw new ArbiterError('E_MODEL_CONTRACT', `the causal LM graph takes an input "${i.name}" arbiter cannot feed (it feeds ${FED_INPUTS}; past_key_values need fixed head counts and sizes)`);
  }
}

/** The inputs of one right-padded batch: ids and mask as given, positions 0.. per row, empty caches. */
function feedsOf(file: ScoringGraphFile, ids: BigInt64Array, mask: BigInt64Array, batch: number, seq: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [batch, seq]),
    attention_mask: new ort.Tensor('int64', mask, [batch, seq]),
  };
  for (const i of file.inputs) {
    if (i.name === 'position_ids') {
      // as transformers.js: cumulative sum of the mask minus 1, and 1 on padding
      const pos = new BigInt64Array(batch * seq);
      for (let b = 0; b < batch; b++) {
        let c = 0n;
        for (let j = 0; j < seq; j++) { const m = mask[b * seq + j]!; c += m; pos[b * seq + j] = m ? c - 1n : 1n; }
      }
      feeds.position_ids = new ort.Tensor('int64', pos, [batch, seq]);
    } else if (i.name === 'use_cache_branch') {
      feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array(1), [1]);
    } else if (i.name.startsWith('past_key_values.')) {
      const dims = [batch, i.dims[1] as number, 0, i.dims[3] as number];
      feeds[i.name] = i.elemType === 10 ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims);
    }
  }
  return feeds;
}

/** The LmTokenizer view of a transformers.js tokenizer: encode without post-processor tokens, exact token bytes. */
export function lmTokenizerOf(tok: any): LmTokenizer {
  const json = tok._tokenizerJSON ?? {};
  const byteLevel = json.decoder?.type === 'ByteLevel' || (json.decoder?.type === 'Sequence' && (json.decoder.decoders ?? []).some((d: any) => d.type === 'ByteLevel'));
  const added = new Map<number, string>();
  for (const a of json.added_tokens ?? []) added.set(a.id, a.content);
  let byId: string[] | null = null;
  const utf8 = new TextEncoder();
  const bytesCache = new Map<number, number>();
  return {
    byteLevel,
    encode: (text) => tok.encode(text, { add_special_tokens: false }) as number[],
    tokenBytes(id) {
      let b = bytesCache.get(id);
      if (b !== undefined) return b;
      const a = added.get(id);
      if (a !== undefined) b = utf8.encode(a).length;
      else if (byteLevel) {
        if (!byId) { byId = []; for (const [s, i] of tok.get_vocab() as Map<string, number>) byId[i] = s; }
        // byte-level BPE: each character of the token string stands for exactly one byte
        b = [...(byId[id] ?? '')].length;
      } else b = utf8.encode(tok.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false })).length;
      bytesCache.set(id, b);
      return b;
    },
  };
}
