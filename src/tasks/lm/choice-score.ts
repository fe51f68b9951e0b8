// Multiple-choice log-likelihood (lm-evaluation-harness style), worker side: for each example
// the context and every choice are scored as one sequence, context + delimiter + choice, and
// the choice's log-likelihood is the float64 sum of its tokens' log-probabilities. acc picks the
// highest total, acc_norm the highest total per UTF-8 byte of the choice text (as the harness's
// completion_len: the choice alone, without the delimiter). The picks themselves are made by the
// scoring/ metrics acc and acc_norm (pickChoices), main side.
import type { LoadedLm } from '../../models/hf/load.ts';
import { ArbiterError } from '../../errors.ts';
import { scoredNlls } from './nll.ts';
import { pickChoices } from '../../../scoring/index.ts';

export interface ChoiceExample { context: string; choices: string[] }
export interface ChoiceScoreOptions {
  contextLength: number;
  delimiter: string;
  /** padded tokens per forward pass (batching.maxTokens); absent: every choice of the batch in one pass */
  maxTokens?: number;
}

export interface ChoiceBatchScores {
  /** log-likelihood (nats, <= 0) of every choice, examples' choices one after another */
  logliks: Float64Array;
  /** UTF-8 bytes of the choice text (no delimiter), aligned with logliks */
  choiceBytes: Float64Array;
  /** number of choices of each example */
  choiceCounts: Int32Array;
  /** acc: index of the most likely choice; acc_norm: most likely per byte (ties to the lowest index) */
  predicted: Int32Array;
  predictedNorm: Int32Array;
}

const utf8 = new TextEncoder();

export { pickChoices };

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
      seqs.push(ids); masks.push(scored); bytes.push(utf8.encode(choice).length);
    }
  });
  const logliks = new Float64Array(seqs.length);
  if (seqs.length > 0) {
    const { nll } = await scoredNlls(model, seqs, masks, opts.maxTokens);
    nll.forEach((v, b) => { logliks[b] = -v; });
  }
  const choiceBytes = Float64Array.from(bytes);
  return {
    logliks, choiceBytes, choiceCounts: counts,
    predicted: pickChoices(logliks, choiceBytes, counts, false),
    predictedNorm: pickChoices(logliks, choiceBytes, counts, true),
  };
}
