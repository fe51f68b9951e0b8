// Main side: turns what an LM worker returns into the MetricBatch the scoring/ metrics read.
// chat-loss -> nllSums/tokenCounts/byteCounts (nll_per_token, perplexity, bits_per_byte);
// multiple-choice -> labels + choiceCounts/choiceLogliks/choiceBytes (acc, acc_norm);
// sequence-classification -> labels + predictedClasses + probabilities (the classification metrics),
// from a classifier's logits or from a causal LM's verbalizer log-likelihoods.
import type { MetricBatch } from '../../../scoring/types.ts';
import { pickChoices } from '../../../scoring/index.ts';
import type { ChatBatchScores } from './chat-score.ts';
import type { ChoiceBatchScores } from './choice-score.ts';
import type { ClassifyBatchResult } from './classify-score.ts';

export function chatMetricBatch(s: ChatBatchScores): MetricBatch {
  return { n: s.nllSums.length, nllSums: s.nllSums, tokenCounts: s.tokenCounts, byteCounts: s.byteCounts };
}

/** Multiple choice: the gold index per row and every choice's log-likelihood and bytes (acc / acc_norm pick from these). */
export function choiceMetricBatch(s: ChoiceBatchScores, labels: Int32Array): MetricBatch {
  return { n: labels.length, labels, choiceCounts: s.choiceCounts, choiceLogliks: s.logliks, choiceBytes: s.choiceBytes };
}

export function classifyMetricBatch(s: ClassifyBatchResult, labels: Int32Array, numClasses: number): MetricBatch {
  return { n: labels.length, numClasses, labels, predictedClasses: s.predictedClasses, probabilities: s.probabilities };
}

/**
 * Zero-shot classification with a causal LM (lm-evaluation-harness style): each row was scored as
 * a multiple-choice example whose choices are the class verbalizers. The predicted class is the
 * verbalizer with the highest total log-likelihood (ties to the lowest class); the probabilities
 * are the float64 softmax of the verbalizers' log-likelihoods (normalised over the classes only).
 */
export function verbalizerClassify(s: ChoiceBatchScores, numClasses: number): ClassifyBatchResult {
  const n = s.choiceCounts.length;
  for (let i = 0; i < n; i++) {
    if (s.choiceCounts[i] !== numClasses) throw new RangeError(`verbalizerClassify: row ${i} has ${s.choiceCounts[i]} choices, expected ${numClasses}`);
  }
  const probabilities = new Float64Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const o = i * numClasses;
    let m = -Infinity;
    for (let k = 0; k < numClasses; k++) m = Math.max(m, s.logliks[o + k]!);
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += Math.exp(s.logliks[o + k]! - m);
    for (let k = 0; k < numClasses; k++) probabilities[o + k] = Math.exp(s.logliks[o + k]! - m) / sum;
  }
  return { predictedClasses: pickChoices(s.logliks, s.choiceBytes, s.choiceCounts, false), probabilities };
}

/** The rows `idx` (ascending) of a batch, every per-row field copied (flat choice arrays and probability rows included). */
export function pickRows(b: MetricBatch, idx: readonly number[]): MetricBatch {
  const out: MetricBatch = { n: idx.length };
  if (b.numClasses !== undefined) out.numClasses = b.numClasses;
  const f64 = (a: Float64Array | Float32Array) => Float64Array.from(idx, (i) => a[i]!);
  const i32 = (a: Int32Array) => Int32Array.from(idx, (i) => a[i]!);
  if (b.nllSums) out.nllSums = f64(b.nllSums);
  if (b.tokenCounts) out.tokenCounts = f64(b.tokenCounts);
  if (b.byteCounts) out.byteCounts = f64(b.byteCounts);
  if (b.labels) out.labels = i32(b.labels);
  if (b.predictedClasses) out.predictedClasses = i32(b.predictedClasses);
  if (b.probabilities) {
    const k = b.numClasses ?? b.probabilities.length / b.n;
    const p = new Float64Array(idx.length * k);
    idx.forEach((i, r) => { for (let j = 0; j < k; j++) p[r * k + j] = b.probabilities![i * k + j]!; });
    out.probabilities = p;
  }
  if (b.choiceCounts) {
    const counts = b.choiceCounts;
    const start = new Int32Array(counts.length + 1);
    for (let i = 0; i < counts.length; i++) start[i + 1] = start[i]! + counts[i]!;
    const ll: number[] = [];
    const by: number[] = [];
    for (const i of idx) {
      for (let k = start[i]!; k < start[i + 1]!; k++) { ll.push(b.choiceLogliks![k]!); by.push(b.choiceBytes![k]!); }
    }
    out.choiceCounts = i32(counts);
    out.choiceLogliks = Float64Array.from(ll);
    out.choiceBytes = Float64Array.from(by);
  }
  return out;
}
