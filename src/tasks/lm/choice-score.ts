// Multiple-choice log-likelihood (lm-evaluation-harness style), worker side: for each example
// the context and every choice are scored as one sequence, context + delimiter + choice, and
// the choice's log-likelihood is the float64 sum of its tokens' log-probabilities. acc picks the
// highest total, acc_norm the highest total per UTF-8 byte of delimiter + choice.
import type { LoadedLm } from '../../models/hf/load.ts';
import { ArbiterError } from '../../errors.ts';
import { exampleNll } from './nll.ts';
import { forwardPadded } from './chat-score.ts';

export interface ChoiceExample { context: string; choices: string[] }
export interface ChoiceScoreOptions { contextLength: number; delimiter: string }

export interface ChoiceBatchScores {
  /** log-likelihood (nats, <= 0) of every choice, examples' choices one after another */
  logliks: Float64Array;
  /** UTF-8 bytes of delimiter + choice, aligned with logliks */
  choiceBytes: Float64Array;
  /** number of choices of each example */
  choiceCounts: Int32Array;
  /** acc: index of the most likely choice; acc_norm: most likely per byte (ties to the lowest index) */
  predicted: Int32Array;
  predictedNorm: Int32Array;
}

const utf8 = new TextEncoder();

/** Pure: the chosen index per example from flat log-likelihoods (ties to the lowest index). */
export function pickChoices(logliks: Float64Array, choiceBytes: Float64Array, choiceCounts: Int32Array, normalise: boolean): Int32Array {
  const out = new Int32Array(choiceCounts.length);
  let k = 0;
  for (let i = 0; i < choiceCounts.length; i++) {
    let best = -Infinity;
    for (let c = 0; c < choiceCounts[i]!; c++, k++) {
      const v = normalise ? logliks[k]! / Math.max(1, choiceBytes[k]!) : logliks[k]!;
      if (v > best) { best = v; out[i] = c; }
    }
  }
  return out;
}

export async function scoreChoicesBatch(model: LoadedLm, examples: ChoiceExample[], opts: ChoiceScoreOptions): Promise<ChoiceBatchScores> {
  const seqs: number[][] = [];
  const masks: Uint8Array[] = [];
  const bytes: number[] = [];
  const counts = new Int32Array(examples.length);
  examples.forEach((ex, i) => {
    if (ex.choices.length < 2) throw new ArbiterError('E_CHAT_DATA', `multiple-choice example ${i} has ${ex.choices.length} choice(s); at least 2 are needed`);
    counts[i] = ex.choices.length;
    const ctx = model.tokenizer.encode(ex.context);
    for (const choice of ex.choices) {
      const cont = model.tokenizer.encode(opts.delimiter + choice);
      if (cont.length === 0) throw new ArbiterError('E_CHAT_DATA', `multiple-choice example ${i} has an empty choice`);
      let ids = [...ctx, ...cont];
      // lm-eval keeps the end: cut the context from the left; the first kept token has no prediction
      if (ids.length > opts.contextLength) ids = ids.slice(ids.length - opts.contextLength);
      const scored = new Uint8Array(ids.length);
      for (let j = Math.max(1, ids.length - cont.length); j < ids.length; j++) scored[j] = 1;
      seqs.push(ids); masks.push(scored); bytes.push(utf8.encode(opts.delimiter + choice).length);
    }
  });
  const logliks = new Float64Array(seqs.length);
  if (seqs.length > 0) {
    const { logits, seq, vocab } = await forwardPadded(model, seqs);
    seqs.forEach((ids, b) => { logliks[b] = -exampleNll(logits, b, seq, vocab, ids, masks[b]!).nll; });
  }
  const choiceBytes = Float64Array.from(bytes);
  return {
    logliks, choiceBytes, choiceCounts: counts,
    predicted: pickChoices(logliks, choiceBytes, counts, false),
    predictedNorm: pickChoices(logliks, choiceBytes, counts, true),
  };
}
