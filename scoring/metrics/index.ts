// Every built-in metric, in registration order (the registry lists them sorted by name).
import type { AnyMetric } from '../types.ts';
import { accuracy } from './accuracy.ts';
import { f1, fbeta, macroF1, precision, recall } from './prf.ts';
import { balancedAccuracy, cohenKappa, confusionMatrix, mcc } from './agreement.ts';
import { logLoss } from './log-loss.ts';
import { brier, topKAccuracy } from './probability.ts';
import { averagePrecision, rocAuc } from './ranking-scores.ts';
import { mae, mse, rmse } from './regression-error.ts';
import { mape, pearson, r2, spearman } from './regression-fit.ts';
import { bitsPerByte, nllPerToken, perplexity } from './language-model.ts';
import { exactMatch, tokenF1Metric } from './qa.ts';
import { bleu, chrf, rougeL } from './generation.ts';
import { acc, accNorm } from './multiple-choice.ts';
import { meanAveragePrecision, mrr, ndcgAtK, precisionAtK, recallAtK } from './retrieval.ts';

export const builtinMetrics: readonly AnyMetric[] = [
  // classification
  accuracy,
  balancedAccuracy,
  precision,
  recall,
  f1,
  fbeta,
  macroF1,
  topKAccuracy,
  logLoss,
  brier,
  rocAuc,
  averagePrecision,
  mcc,
  cohenKappa,
  confusionMatrix,
  // regression
  mse,
  rmse,
  mae,
  r2,
  mape,
  pearson,
  spearman,
  // language modelling
  nllPerToken,
  perplexity,
  bitsPerByte,
  acc,
  accNorm,
  // text generation / QA
  exactMatch,
  tokenF1Metric,
  bleu,
  chrf,
  rougeL,
  // retrieval
  precisionAtK,
  recallAtK,
  mrr,
  ndcgAtK,
  meanAveragePrecision,
];
