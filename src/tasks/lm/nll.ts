// Negative log-likelihood from a logits tensor, in float64. Pure and deterministic: each row's
// log-sum-exp is computed in a fixed order over the vocabulary, and per-example totals are exact
// sums, so a token's contribution never depends on which other examples share its batch.
import { ArbiterError } from '../../errors.ts';
import { ExactSum } from './exact-sum.ts';

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
