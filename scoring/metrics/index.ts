// Every built-in metric, in registration order.
import type { AnyMetric } from '../types.ts';
import { accuracy } from './accuracy.ts';
import { f1, fbeta, macroF1, precision, recall } from './prf.ts';
import { logLoss } from './log-loss.ts';
import { mae, mse, rmse } from './regression-error.ts';

export const builtinMetrics: readonly AnyMetric[] = [accuracy, precision, recall, f1, fbeta, macroF1, logLoss, mse, rmse, mae];
