// Negative log-likelihood, in float64: from the scoring graph's log-probabilities (scoredNlls, the
// scoring path) or from a full logits tensor (tokenNll / exampleNll, the JS reference). Pure and deterministic: each row's
// log-sum-exp is computed in a fixed order over the vocabulary, and per-example totals are exact
// sums, so a token's contribution never depends on which other examples share its batch.
import { ArbiterError } from '../../errors.ts';
import { ExactSum } from './exact-sum.ts';
import type { LoadedLm } from '../../models/hf/load.ts';
import { tokenBudgetPasses } from './token-budget.ts';

/** -log softmax(row)[target], in float64 (row is one vocabulary row of float32 logits). */
export function tokenNll(logits: Float32Array, offset: number, vocab: number, target: number): number {
  if (target < 0 || target >= vocab) throw new ArbiterError('E_MODEL_CONTRACT', `token id ${target} is outside the model's ${vocab}-entry logits row`);
  let m = -Infinity;
  for (let k = 0; k < vocab; k++) { const v = logits[offset + k]!; if (v > m) m = v; }
  if (!Number.isFinite(m)) throw new ArbiterError('E_MODEL_RUNTIME', `the model produced a non-finite logits row (max ${m})`);
  let s = 0;
  for (let k = 0; k < vocab; k++) s += Math.exp(logits[offset + k]! - m);
  const nll = m + Math.log(s) - logits[offset + target]!;
  if (!Number.isFinite(nll)) throw new ArbiterError('E_MODEL_RUNTIME', `the model produced a non-finite logit (${logits[offset + target]}) for token ${target}`);
  return nll;
}

/**
 * Total NLL (nats) of the scored tokens of one example in a [batch, seq, vocab] logits tensor.
 * Token j (j >= 1) is predicted by the logits at position j - 1 of row `b`.
 */
export function exampleNll(logits: Float32Array, b: number, seq: number, vocab: number, ids: ArrayLike<number>, scored: Uint8Array): { nll: number; tokens: number } {
  const sum = new ExactSum();
  let tokens = 0;
  for (let j = 1; j < ids.length; j++) {
    if (!scored[j]) continue;
    sum.add(tokenNll(logits, (b * seq + j - 1) * vocab, vocab, ids[j]!));
    tokens++;
  }
  return { nll: sum.value(), tokens };
}

/**
 * Total NLL (nats) and scored-token count per sequence of one right-padded batch, computed by the
 * model's scoring graph (LoadedLm.tokenLogProbs): only the scored tokens' float64 log-probabilities
 * come back. With `maxTokens`, the sequences run in consecutive passes of at most that many padded
 * tokens each (tokenBudgetPasses), else in one pass. Token j (j >= 1) of sequence b is predicted at flat position b * seq + j - 1. Equal to
 * exampleNll over the full logits up to the runtime's summation order inside each log-sum-exp.
 */
export async function scoredNlls(model: LoadedLm, seqs: number[][], scored: Uint8Array[], maxTokens?: number): Promise<{ nll: Float64Array; tokens: Float64Array }> {
  const nll = new Float64Array(seqs.length);
  const tokens = new Float64Array(seqs.length);
  // One forward pass per token-budget slice (token-budget.ts); a sequence's result never depends on the cut.
  for (const [a, b] of tokenBudgetPasses(seqs.map((s) => s.length), maxTokens)) {
    const part = await scoredNllsPass(model, seqs.slice(a, b), scored.slice(a, b));
    nll.set(part.nll, a);
    tokens.set(part.tokens, a);
  }
  return { nll, tokens };
}

/** scoredNlls over one right-padded forward pass. */
async function scoredNllsPass(model: LoadedLm, seqs: number[][], scored: Uint8Array[]): Promise<{ nll: Float64Array; tokens: Float64Array }> {
  const B = seqs.length;
  const nll = new Float64Array(B);
  const tokens = new Float64Array(B);
  if (B === 0) return { nll, tokens };
  const S = Math.max(1, ...seqs.map((s) => s.length));
  const ids = new BigInt64Array(B * S).fill(BigInt(model.padId));
  const mask = new BigInt64Array(B * S);
  const pos: bigint[] = [];
  const tgt: bigint[] = [];
  const owner: number[] = [];
  seqs.forEach((s, b) => {
    s.forEach((t, j) => { ids[b * S + j] = BigInt(t); mask[b * S + j] = 1n; });
    for (let j = 1; j < s.length; j++) {
      if (!scored[b]![j]) continue;
      const t = s[j]!;
      if (t < 0 || (model.vocab !== null && t >= model.vocab)) throw new ArbiterError('E_MODEL_CONTRACT', `token id ${t} is outside the model's ${model.vocab}-entry logits row`);
      pos.push(BigInt(b * S + j - 1)); tgt.push(BigInt(t)); owner.push(b);
    }
  });
  if (pos.length === 0) return { nll, tokens };
  let lp: Float64Array;
  try { lp = await model.tokenLogProbs(ids, mask, B, S, BigInt64Array.from(pos), BigInt64Array.from(tgt)); } catch (e) {
    if (e instanceof ArbiterError) throw e;
    throw new ArbiterError('E_MODEL_RUNTIME', `the model failed on a batch of ${B} x ${S} tokens: ${(e as Error).message}`);
  }
  const sums = seqs.map(() => new ExactSum());
  for (let i = 0; i < lp.length; i++) {
    const v = -lp[i]!;
    if (!Number.isFinite(v)) throw new ArbiterError('E_MODEL_RUNTIME', `the model produced a non-finite log-probability (${lp[i]}) for token ${tgt[i]}`);
    sums[owner[i]!]!.add(v);
    tokens[owner[i]!]!++;
  }
  sums.forEach((s, b) => { nll[b] = s.value(); });
  return { nll, tokens };
}
