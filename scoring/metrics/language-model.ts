// Language-modelling metrics from per-example sums (corpus-weighted, as lm-evaluation-harness'
// weighted_perplexity / bits_per_byte aggregations): nll_per_token = sum(nll) / sum(tokens),
// perplexity = exp(nll_per_token), bits_per_byte = sum(nll) / (sum(bytes) * ln 2).
// Never a mean of per-example ratios. Inputs: nllSums (nats), tokenCounts, byteCounts.
import { z } from 'zod';
import { defineMetric, sharedAcc } from '../define.ts';
import { inputError } from '../errors.ts';
import { checkLength, checkRows, field } from '../input.ts';
import type { ExactSumState } from '../exact-sum.ts';
import type { Metric, MetricBatch } from '../types.ts';

export interface LmState {
  examples: number;
  nll: ExactSumState;
  tokens: number;
  bytes: number;
}

const none = z.object({}).strict();
type NoOptions = Record<string, never>;

function lmUpdate(metric: string, s: LmState, b: MetricBatch, needBytes: boolean): LmState {
  const n = checkRows(metric, b);
  const nll = field(metric, b, 'nllSums');
  const tok = field(metric, b, 'tokenCounts');
  checkLength(metric, 'nllSums', nll.length, n);
  checkLength(metric, 'tokenCounts', tok.length, n);
  const bytes = needBytes ? field(metric, b, 'byteCounts') : b.byteCounts;
  if (bytes) checkLength(metric, 'byteCounts', bytes.length, n);
  let tokens = 0;
  let byteSum = 0;
  for (let i = 0; i < n; i++) {
    const v = nll[i];
    if (!(v >= 0) || v === Infinity) {
      throw inputError(metric, `"nllSums"[${i}] is ${String(v)}, expected a finite non-negative number of nats`, { row: i, value: String(v) });
    }
    const t = tok[i];
    if (!Number.isInteger(t) || t < 0) throw inputError(metric, `"tokenCounts"[${i}] is ${t}, expected a non-negative integer`, { row: i, value: t });
    tokens += t;
    if (bytes) {
      const c = bytes[i];
      if (!Number.isInteger(c) || c < 0) throw inputError(metric, `"byteCounts"[${i}] is ${c}, expected a non-negative integer`, { row: i, value: c });
      byteSum += c;
    }
  }
  sharedAcc.load(s.nll);
  sharedAcc.addArray(nll, 0, n);
  s.nll = sharedAcc.toState();
  s.tokens += tokens;
  s.bytes += byteSum;
  s.examples += n;
  return s;
}

function lmMetric(
  name: string,
  description: string,
  needBytes: boolean,
  finish: (nll: number, s: LmState) => number,
): Metric<LmState, NoOptions> {
  return defineMetric<LmState, NoOptions>({
    name,
    version: 1,
    higherIsBetter: false,
    inputs: ['tokenLosses'],
    description,
    optionsSchema: none as z.ZodType<NoOptions>,
    init: () => ({ examples: 0, nll: [], tokens: 0, bytes: 0 }),
    update: (s, b) => lmUpdate(name, s, b, needBytes),
    merge(a, b) {
      sharedAcc.load(a.nll);
      sharedAcc.addState(b.nll);
      a.nll = sharedAcc.toState();
      a.tokens += b.tokens;
      a.bytes += b.bytes;
      a.examples += b.examples;
      return a;
    },
    finalize(s) {
      if (s.examples === 0) throw inputError(name, 'no rows were scored (an empty set has no value)');
      const denom = needBytes ? s.bytes : s.tokens;
      if (denom === 0) throw inputError(name, `the scored text has 0 ${needBytes ? 'bytes' : 'tokens'} in total`);
      sharedAcc.load(s.nll);
      const nll = sharedAcc.value();
      return { value: finish(nll, s), extras: { nll, tokens: s.tokens, bytes: s.bytes, examples: s.examples } };
    },
  });
}

export const nllPerToken = lmMetric('nll_per_token', 'Total negative log-likelihood (nats) divided by the total number of scored tokens.', false, (nll, s) => nll / s.tokens);
export const perplexity = lmMetric('perplexity', 'Token perplexity exp(total NLL / total tokens).', false, (nll, s) => Math.exp(nll / s.tokens));
export const bitsPerByte = lmMetric(
  'bits_per_byte',
  'Total NLL over the whole set divided by the total UTF-8 bytes of the scored text and by ln 2.',
  true,
  (nll, s) => nll / s.bytes / Math.LN2,
);
