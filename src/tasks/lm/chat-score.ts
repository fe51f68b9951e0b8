// Worker-side chat-loss scoring of one batch: render each conversation with the submission's
// chat template, tokenize, truncate, run the batch (right-padded to its longest example, with
// an attention mask; in passes of at most batching.maxTokens padded tokens) through the scoring
// graph, and sum the float64 NLL of the scored assistant tokens per example.
import type { LoadedLm } from '../../models/hf/load.ts';
import type { ChatExample } from '../../data/lm-rows.ts';
import { scoredNlls } from './nll.ts';
import { renderPieces } from './render.ts';
import { tokenizePieces, type TokenizedExample } from './tokens.ts';
import { ArbiterError } from '../../errors.ts';

export interface ChatScoreOptions {
  contextLength: number;
  truncation: 'left' | 'right';
  scoredTokens?: 'content' | 'content+eos';
  /** padded tokens per forward pass (batching.maxTokens); absent: the whole batch in one pass */
  maxTokens?: number;
}

/** Per example: NLL (nats) summed over its scored tokens, how many tokens, how many UTF-8 bytes. */
export interface ChatBatchScores {
  nllSums: Float64Array;
  tokenCounts: Float64Array;
  byteCounts: Float64Array;
}

/** Render + tokenize + truncate one conversation for a model (exported for tests and `arbiter check`). */
export function prepareChatExample(model: LoadedLm, ex: ChatExample, opts: ChatScoreOptions): TokenizedExample {
  const eos = opts.scoredTokens === 'content+eos' ? model.eosToken : null;
  return tokenizePieces(renderPieces(ex, model.render, eos), model.tokenizer, opts.contextLength, opts.truncation);
}

/** Run one padded batch through the submitted graph; returns the full logits and their [batch, seq, vocab] dims (the JS reference path: tests and profiling). */
export async function forwardPadded(model: LoadedLm, seqs: number[][]): Promise<{ logits: Float32Array; seq: number; vocab: number }> {
  const B = seqs.length;
  const S = Math.max(1, ...seqs.map((s) => s.length));
  const ids = new BigInt64Array(B * S).fill(BigInt(model.padId));
  const mask = new BigInt64Array(B * S);
  seqs.forEach((s, b) => s.forEach((t, j) => { ids[b * S + j] = BigInt(t); mask[b * S + j] = 1n; }));
  let out;
  try { out = await model.forward(ids, mask, B, S); } catch (e) {
    if (e instanceof ArbiterError) throw e;
    throw new ArbiterError('E_MODEL_RUNTIME', `the model failed on a batch of ${B} x ${S} tokens: ${(e as Error).message}`);
  }
  if (out.dims.length !== 3 || out.dims[0] !== B || out.dims[1] !== S) {
    throw new ArbiterError('E_MODEL_CONTRACT', `expected logits [${B}, ${S}, vocab], found [${out.dims.join(', ')}]`);
  }
  return { logits: out.data, seq: S, vocab: out.dims[2]! };
}

export async function scoreChatBatch(model: LoadedLm, examples: ChatExample[], opts: ChatScoreOptions): Promise<ChatBatchScores> {
  const prepared = examples.map((ex) => prepareChatExample(model, ex, opts));
  const n = examples.length;
  const res: ChatBatchScores = { nllSums: new Float64Array(n), tokenCounts: new Float64Array(n), byteCounts: new Float64Array(n) };
  if (n === 0) return res;
  const { nll, tokens } = await scoredNlls(model, prepared.map((p) => p.ids), prepared.map((p) => p.scored), opts.maxTokens);
  prepared.forEach((p, b) => {
    res.nllSums[b] = nll[b]!;
    res.tokenCounts[b] = tokens[b]!;
    res.byteCounts[b] = p.byteCount;
  });
  return res;
}
