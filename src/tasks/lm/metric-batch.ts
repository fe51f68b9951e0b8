// Main side: turns what an LM worker returns into the MetricBatch the scoring/ metrics read.
// chat-loss -> nllSums/tokenCounts/byteCounts (nll_per_token, perplexity, bits_per_byte);
// multiple-choice -> labels + predictedClasses, once for acc and once for acc_norm;
// sequence-classification -> labels + predictedClasses + probabilities.
import type { MetricBatch } from '../../../scoring/types.ts';
import type { ChatBatchScores } from './chat-score.ts';
import type { ChoiceBatchScores } from './choice-score.ts';
import type { ClassifyBatchResult } from './classify-score.ts';

export function chatMetricBatch(s: ChatBatchScores): MetricBatch {
  return { n: s.nllSums.length, nllSums: s.nllSums, tokenCounts: s.tokenCounts, byteCounts: s.byteCounts };
}

/** `variant` 'acc' uses the highest total log-likelihood, 'acc_norm' the highest per byte. */
export function choiceMetricBatch(s: ChoiceBatchScores, labels: Int32Array, variant: 'acc' | 'acc_norm'): MetricBatch {
  return { n: labels.length, labels, predictedClasses: variant === 'acc' ? s.predicted : s.predictedNorm };
}

export function classifyMetricBatch(s: ClassifyBatchResult, labels: Int32Array, numClasses: number): MetricBatch {
  return { n: labels.length, numClasses, labels, predictedClasses: s.predictedClasses, probabilities: s.probabilities };
}
