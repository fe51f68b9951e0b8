// Metric states as integer vectors modulo 2^64 for secure aggregation, and back. A state can be
// masked when the metric's merge is a plain sum of its fields: integer counts (accuracy,
// precision / recall / F-beta, the confusion matrix, BLEU's n-gram counts, ...) add entry by
// entry, and exact sums (scoring/exact-sum.ts) add as fixed-point integers in 45 limbs
// (fixed-point.ts). States that keep rows (roc_auc, average_precision, spearman) cannot be: their
// merge concatenates lists whose length and entries are the party's rows. The layouts below are
// written out per metric from each metric's state and merge, so that a metric added later is
// refused until someone checks that its merge is a sum. Decoding checks that the sum is one that
// honest parties could have produced (party count, layout tag, count ranges, limb ranges, the
// metric's own state invariants), so a wrong key or a missing correction is an error, never a
// silently wrong score. Pure.
import { createHash } from 'node:crypto';
import { registry, validateState } from '../../scoring/index.ts';
import type { AnyMetric } from '../../scoring/index.ts';
import { ArbiterError } from '../errors.ts';
import { fromLimbs, isExactSumState, LIMBS, LIMB_BITS, MAX_PARTIES, PARTY_BOUND, scaledSum, stateOfScaled, toLimbs } from './fixed-point.ts';

/** How a state field is encoded. */
export type FieldKind =
  | 'const' // the same in every party (the class count): not summed, bound into the layout tag
  | 'count' // a non-negative integer, summed
  | 'counts' // a fixed-length array of non-negative integers (length from the template), summed entry by entry
  | 'exact'; // an exact-sum partial list, summed as a 2160-bit fixed-point integer

type Layout = Readonly<Record<string, FieldKind>>;

const CLASS_COUNTS: Layout = { k: 'const', n: 'count', tp: 'counts', pred: 'counts', true: 'counts' };
const MEAN: Layout = { n: 'count', sum: 'exact' };

/** Every maskable metric's state layout (field -> kind), checked against each metric's init and merge. */
const LAYOUTS: Readonly<Record<string, Layout>> = {
  // counting classification metrics: their merge adds counts
  accuracy: { k: 'const', correct: 'count', total: 'count' },
  balanced_accuracy: CLASS_COUNTS,
  precision: CLASS_COUNTS,
  recall: CLASS_COUNTS,
  f1: CLASS_COUNTS,
  fbeta: CLASS_COUNTS,
  macro_f1: CLASS_COUNTS,
  mcc: CLASS_COUNTS,
  cohen_kappa: { ...CLASS_COUNTS, disagreement: 'count' },
  confusion_matrix: { k: 'const', n: 'count', cm: 'counts' },
  top_k_accuracy: { k: 'const', hits: 'count', n: 'count' },
  acc: { correct: 'count', total: 'count' },
  acc_norm: { correct: 'count', total: 'count' },
  bleu: { rows: 'count', sysLen: 'count', refLen: 'count', correct: 'counts', total: 'counts' },
  chrf: { rows: 'count', stats: 'counts' },
  // means of per-row values: a row count and an exact sum
  log_loss: { k: 'const', n: 'count', sum: 'exact' },
  brier: { k: 'const', n: 'count', sum: 'exact' },
  mse: MEAN,
  rmse: MEAN,
  mae: MEAN,
  mape: MEAN,
  exact_match: MEAN,
  token_f1: MEAN,
  rouge_l: MEAN,
  precision_at_k: MEAN,
  recall_at_k: MEAN,
  mrr: MEAN,
  ndcg_at_k: MEAN,
  map: MEAN,
  // exact raw moments
  r2: { n: 'count', sy: 'exact', syy: 'exact', res: 'exact' },
  pearson: { n: 'count', sx: 'exact', sy: 'exact', sxx: 'exact', syy: 'exact', sxy: 'exact' },
  // language modelling: counts and an exact NLL sum
  nll_per_token: { examples: 'count', nll: 'exact', tokens: 'count', bytes: 'count' },
  perplexity: { examples: 'count', nll: 'exact', tokens: 'count', bytes: 'count' },
  bits_per_byte: { examples: 'count', nll: 'exact', tokens: 'count', bytes: 'count' },
};

/** Why the metrics that cannot be masked cannot. */
const KEEPS_ROWS = 'its state keeps every scored row (its merge concatenates the rows\' scores), so no sum of masked vectors can stand for it';
const REFUSED: Readonly<Record<string, string>> = {
  roc_auc: KEEPS_ROWS,
  average_precision: KEEPS_ROWS,
  spearman: KEEPS_ROWS,
};

/** Bumped on any change to the vector layout: parties of different versions never sum. */
const CODEC_VERSION = 1;
const MAX_COUNT = BigInt(Number.MAX_SAFE_INTEGER);
const MOD = 1n << 64n;

/** The registered metrics whose states can be masked, sorted. */
export function maskableMetrics(): string[] {
  return registry.names().filter((n) => Object.hasOwn(LAYOUTS, n));
}

/** The field kinds of a maskable metric's state (E_FL_NOT_MASKABLE for the others). */
export function maskLayout(metricName: string): Readonly<Record<string, FieldKind>> {
  return { ...layoutOf(metricName).layout };
}

export function isMaskable(metricName: string): boolean {
  return registry.has(metricName) && Object.hasOwn(LAYOUTS, metricName);
}

function layoutOf(metricName: string): { metric: AnyMetric; layout: Layout } {
  const metric = registry.get(metricName); // E_METRIC_UNKNOWN with suggestions
  const layout = LAYOUTS[metricName];
  if (!layout || !Object.hasOwn(LAYOUTS, metricName)) {
    const why = REFUSED[metricName] ?? 'its merge is not a plain sum of integer counts and exact sums';
    throw new ArbiterError('E_FL_NOT_MASKABLE', `${metricName} cannot be securely aggregated: ${why}. Maskable metrics: ${maskableMetrics().join(', ')}.`, {
      metric: metricName,
    });
  }
  return { metric, layout };
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const kindOf = (v: unknown) => (Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks a state's fields against the layout (E_FL_MASK_INPUT naming the field); returns the field names in layout order. */
function checkFields(metricName: string, what: string, layout: Layout, state: unknown): string[] {
  const bad = (message: string): never => {
    throw new ArbiterError('E_FL_MASK_INPUT', `${metricName} ${what}: ${message}`, { metric: metricName });
  };
  if (!isObj(state)) bad(`expected an object, found ${kindOf(state)}`);
  const s = state as Record<string, unknown>;
  const want = Object.keys(layout).sort().join(',');
  const found = Object.keys(s).sort().join(',');
  if (want !== found) bad(`expected the fields {${want}}, found {${found}}`);
  for (const [field, kind] of Object.entries(layout)) {
    const v = s[field];
    if (kind === 'const' && v !== null && !isCount(v)) bad(`${field}: expected a class count or null, found ${JSON.stringify(v) ?? kindOf(v)}`);
    if (kind === 'count' && !isCount(v)) bad(`${field}: expected a count (non-negative safe integer), found ${JSON.stringify(v) ?? kindOf(v)}`);
    if (kind === 'counts') {
      if (!Array.isArray(v)) bad(`${field}: expected an array of counts, found ${kindOf(v)}`);
      const i = (v as unknown[]).findIndex((x) => !isCount(x));
      if (i >= 0) bad(`${field}[${i}]: expected a count (non-negative safe integer), found ${JSON.stringify((v as unknown[])[i]) ?? 'a non-number'}`);
    }
    if (kind === 'exact' && !isExactSumState(v)) bad(`${field}: expected an exact sum (a list of finite non-zero numbers), found ${JSON.stringify(v)?.slice(0, 60) ?? kindOf(v)}`);
  }
  return Object.keys(layout);
}

/** 48 bits of sha256 over the codec version, metric, layout, counts-array lengths and consts. */
function layoutTag(metricName: string, layout: Layout, state: Record<string, unknown>): bigint {
  const shape = Object.entries(layout).map(([f, kind]) => [f, kind, kind === 'const' ? state[f] : kind === 'counts' ? (state[f] as unknown[]).length : null]);
  const h = createHash('sha256').update(JSON.stringify([CODEC_VERSION, metricName, shape])).digest();
  return h.readBigUInt64BE(0) >> 16n;
}

/**
 * A metric state as an integer vector modulo 2^64, ready for maskVector:
 * [1 (this party), layout tag, ...fields in layout order]; counts as they are, count arrays entry
 * by entry, exact sums as 45 limbs of 48 bits. The class count is not in the vector: it is bound
 * into the tag, so parties with different class counts never decode.
 */
export function encodeState(metricName: string, state: unknown): bigint[] {
  const { layout } = layoutOf(metricName);
  const fields = checkFields(metricName, 'state', layout, state);
  const s = state as Record<string, unknown>;
  const out: bigint[] = [1n, layoutTag(metricName, layout, s)];
  for (const f of fields) {
    const kind = layout[f];
    const v = s[f];
    if (kind === 'count') out.push(BigInt(v as number));
    else if (kind === 'counts') for (const x of v as number[]) out.push(BigInt(x));
    else if (kind === 'exact') {
      const scaled = scaledSum(v as number[]);
      const mag = scaled < 0n ? -scaled : scaled;
      if (mag >= PARTY_BOUND) {
        throw new ArbiterError('E_FL_MASK_INPUT', `${metricName} state: ${f} is an exact sum beyond the double range (not a state any update could build)`, { metric: metricName });
      }
      out.push(...toLimbs(scaled));
    }
  }
  return out;
}

export interface DecodeOptions {
  /** how many parties' states the sum must hold (checked against the party count in the vector) */
  parties?: number;
  /** the metric's options, to run the metric's own state invariants too (if it has any) */
  options?: unknown;
}

/**
 * The merged state that an unmasked sum of encodeState vectors stands for: counts summed, exact
 * sums as canonical partial lists of the exact total (finalize gives the bits the metric's own
 * merge gives), the class count from `template` (the metric's init state under the spec's options
 * and classes). Throws E_FL_MASK_SUM when the vector is no sum of honest states: a party count
 * out of range or unexpected, a layout tag that does not match, a count beyond 2^53, a limb beyond
 * what the parties could add up to, or totals that disagree (validateState): what a wrong key, a
 * missing party, a missing correction or a tampered vector produce.
 */
export function decodeState(metricName: string, template: unknown, sum: readonly bigint[], opts: DecodeOptions = {}): unknown {
  const { metric, layout } = layoutOf(metricName);
  const fields = checkFields(metricName, 'template', layout, template);
  const t = template as Record<string, unknown>;
  let length = 2;
  for (const f of fields) length += layout[f] === 'count' ? 1 : layout[f] === 'counts' ? (t[f] as unknown[]).length : layout[f] === 'exact' ? LIMBS : 0;
  if (!Array.isArray(sum) || sum.length !== length) {
    throw new ArbiterError('E_FL_MASK_INPUT', `${metricName} sum: expected ${length} entries for this template, found ${Array.isArray(sum) ? sum.length : kindOf(sum)}`, { metric: metricName });
  }
  if (sum.some((v) => typeof v !== 'bigint' || v < 0n || v >= MOD)) {
    throw new ArbiterError('E_FL_MASK_INPUT', `${metricName} sum: expected integers in [0, 2^64)`, { metric: metricName });
  }
  const wrong = (message: string): never => {
    throw new ArbiterError('E_FL_MASK_SUM', `${metricName}: the unmasked sum is not a sum of parties' states (${message}); a wrong key, a missing party or dropout correction, or a modified vector`, { metric: metricName });
  };
  const parties = sum[0]!;
  if (parties < 1n || parties > BigInt(MAX_PARTIES)) wrong(`party count: expected 1 to ${MAX_PARTIES}, found ${parties > MAX_COUNT ? 'a value beyond 2^53' : parties}`);
  if (opts.parties !== undefined && parties !== BigInt(opts.parties)) wrong(`party count: expected ${opts.parties}, found ${parties}`);
  if (sum[1] !== (parties * layoutTag(metricName, layout, t)) % MOD) wrong('layout tag: the parties did not all encode this metric with this template');
  const limbMax = parties * ((1n << LIMB_BITS) - 1n);
  const values: Record<string, unknown> = {};
  let at = 2;
  const count = (field: string): number => {
    const v = sum[at++]!;
    if (v > MAX_COUNT) wrong(`${field}: expected a count below 2^53, found a value beyond it`);
    return Number(v);
  };
  // read in layout order (as encodeState wrote)
  for (const f of fields) {
    const kind = layout[f];
    if (kind === 'const') values[f] = t[f];
    else if (kind === 'count') values[f] = count(f);
    else if (kind === 'counts') values[f] = (t[f] as unknown[]).map((_, i) => count(`${f}[${i}]`));
    else {
      const limbs = sum.slice(at, at + LIMBS);
      at += LIMBS;
      if (limbs.some((l) => l > limbMax)) wrong(`${f}: a limb beyond what ${parties} parties can add up to`);
      const scaled = fromLimbs(limbs);
      const mag = scaled < 0n ? -scaled : scaled;
      if (mag >= parties * PARTY_BOUND) wrong(`${f}: an exact sum beyond what ${parties} parties can add up to`);
      try {
        values[f] = stateOfScaled(scaled);
      } catch {
        wrong(`${f}: an exact sum beyond the double range`);
      }
    }
  }
  // in the template's key order, so the decoded state serialises as the metric's own states do
  const out: Record<string, unknown> = {};
  for (const f of Object.keys(t)) out[f] = values[f];
  // the metric's own invariants (counts add up to n, correct <= total, ...), against the template's shape
  const own = opts.options === undefined ? { validateState: undefined } : {};
  const check: AnyMetric = { ...metric, ...own, init: () => structuredClone(template) };
  const problem = validateState(check, out, opts.options, {});
  if (problem) wrong(problem);
  return out;
}
