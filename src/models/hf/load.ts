// Loads a transformers.js model folder fully offline (worker side) and caches it per worker:
// tokenizer, chat-template renderer and ONNX session, with the session options the design fixes
// (1 intra-op thread, sequential, 'extended' optimisation) so every worker computes the same bits.
import path from 'node:path';
import { env, AutoTokenizer, AutoModelForCausalLM, AutoModelForSequenceClassification, Tensor } from '@huggingface/transformers';
import { ArbiterError } from '../../errors.ts';
import { checkFolderFiles, readJsonFile, readOnnxFile } from './folder.ts';
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

/** Drop cached models (tests; a long-lived worker switching benchmarks). */
export function clearLmCache(): void { cache.clear(); }

async function doLoad(folder: string, opts: LoadLmOptions): Promise<LoadedLm> {
  checkFolderFiles(folder);
  const { externalFiles } = readOnnxFile(folder);
  const kind = opts.kind ?? 'causal-lm';
  let tok: any;
  try { tok = await AutoTokenizer.from_pretrained(folder); } catch (e) {
    throw new ArbiterError('E_MODEL_FORMAT', `tokenizer.json / tokenizer_config.json do not load: ${(e as Error).message}`, { file: 'tokenizer.json' });
  }
  const session_options: Record<string, unknown> = {
    intraOpNumThreads: opts.intraOpNumThreads ?? 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'extended', logSeverityLevel: 3,
  };
  const loadOpts: Record<string, unknown> = { dtype: 'fp32', device: 'cpu', session_options };
  if (externalFiles.length > 0) loadOpts.use_external_data_format = externalFiles.length;
  let model: any;
  try {
    model = kind === 'causal-lm'
      ? await AutoModelForCausalLM.from_pretrained(folder, loadOpts)
      : await AutoModelForSequenceClassification.from_pretrained(folder, loadOpts);
  } catch (e) {
    throw new ArbiterError('E_MODEL_FORMAT', `the model does not load as ${kind}: ${(e as Error).message}`, { file: 'onnx/model.onnx' });
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
    async forward(ids, mask, batch, seq) {
      const out = await model({ input_ids: new Tensor('int64', ids, [batch, seq]), attention_mask: new Tensor('int64', mask, [batch, seq]) });
      const logits = out.logits;
      if (!logits || logits.type !== 'float32') throw new ArbiterError('E_MODEL_CONTRACT', `the model must output float32 "logits", found ${logits?.type ?? 'none'}`);
      return { data: logits.data as Float32Array, dims: (logits.dims as number[]).slice() };
    },
  };
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
