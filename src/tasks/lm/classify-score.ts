// Sequence classification, worker side: text in (tokenized with the tokenizer's own special
// tokens), truncated to the context length, right-padded (in passes of at most batching.maxTokens
// padded tokens), logits [batch, numClasses] out;
// float64 softmax probabilities and the argmax class (ties to the lowest index).
import type { LoadedLm } from '../../models/hf/load.ts';
import { ArbiterError } from '../../errors.ts';
import { tokenBudgetPasses } from './token-budget.ts';

export interface ClassifyOptions {
  contextLength: number;
  truncation: 'left' | 'right';
  numClasses: number;
  /** padded tokens per forward pass (batching.maxTokens); absent: the whole batch in one pass */
  maxTokens?: number;
}
export interface ClassifyBatchResult {
  predictedClasses: Int32Array;
  /** n x numClasses, row-major, float64 softmax of the logits */
  probabilities: Float64Array;
}

export async function classifyBatch(model: LoadedLm, texts: string[], opts: ClassifyOptions): Promise<ClassifyBatchResult> {
  const n = texts.length;
  const K = opts.numClasses;
  const res: ClassifyBatchResult = { predictedClasses: new Int32Array(n), probabilities: new Float64Array(n * K) };
  if (n === 0) return res;
  const seqs = texts.map((t) => {
    const ids = model.encodeWithSpecialTokens(t);
    if (ids.length <= opts.contextLength) return ids;
    return opts.truncation === 'right' ? ids.slice(0, opts.contextLength) : ids.slice(ids.length - opts.contextLength);
  });
  // One forward pass per token-budget slice (token-budget.ts); a row's logits never depend on the cut.
  for (const [a, b] of tokenBudgetPasses(seqs.map((q) => q.length), opts.maxTokens)) await classifyPass(model, seqs.slice(a, b), a, K, res);
  return res;
}

/** One right-padded pass over `seqs`, written to rows [at, at + seqs.length) of `res`. */
async function classifyPass(model: LoadedLm, seqs: number[][], at: number, K: number, res: ClassifyBatchResult): Promise<void> {
  const n = seqs.length;
  const S = Math.max(1, ...seqs.map((s) => s.length));
  const ids = new BigInt64Array(n * S).fill(BigInt(model.padId));
  const mask = new BigInt64Array(n * S);
  seqs.forEach((s, b) => s.forEach((t, j) => { ids[b * S + j] = BigInt(t); mask[b * S + j] = 1n; }));
  let out;
  try { out = await model.forward(ids, mask, n, S); } catch (e) {
    if (e instanceof ArbiterError) throw e;
    throw new ArbiterError('E_MODEL_RUNTIME', `the classifier failed on a batch of ${n} x ${S} tokens: ${(e as Error).message}`);
  }
  if (out.dims.length !== 2 || out.dims[0] !== n || out.dims[1] !== K) {
    throw new ArbiterError('E_MODEL_CONTRACT', `expected logits [${n}, ${K}], found [${out.dims.join(', ')}]`);
  }
  for (let b = 0; b < n; b++) {
    let m = -Infinity;
    let arg = 0;
    for (let k = 0; k < K; k++) { const v = out.data[b * K + k]!; if (v > m) { m = v; arg = k; } }
    if (!Number.isFinite(m)) throw new ArbiterError('E_MODEL_RUNTIME', `the classifier produced non-finite logits for row ${at + b}`);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(out.data[b * K + k]! - m);
    for (let k = 0; k < K; k++) res.probabilities[(at + b) * K + k] = Math.exp(out.data[b * K + k]! - m) / s;
    res.predictedClasses[at + b] = arg;
  }
}
