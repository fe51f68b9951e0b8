// Text helpers shared by the generation / QA metrics: the batch checks, Python's str.split()
// whitespace set (so tokenisation matches the Python reference scripts), counters and the SQuAD
// answer normalisation.
import { inputError } from './errors.ts';
import { checkRows, field } from './input.ts';
import type { MetricBatch } from './types.ts';

/** Exactly the characters Python's str.split() / str.strip() treat as whitespace. */
const PY_WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WS}]+`, 'u');
const PY_WS_RUN_G = new RegExp(`[${PY_WS}]+`, 'gu');
const PY_WS_END = new RegExp(`[${PY_WS}]+$`, 'u');

/** Python's str.split() with no argument. */
export function pySplit(s: string): string[] {
  const parts = s.split(PY_WS_RUN);
  return parts.filter((p) => p.length > 0);
}

/** Python's ''.join(s.split()): s without any whitespace. */
export function pyRemoveWhitespace(s: string): string {
  return s.replace(PY_WS_RUN_G, '');
}

/** Python's str.rstrip() with no argument. */
export function pyRstrip(s: string): string {
  return s.replace(PY_WS_END, '');
}

export interface TextRows {
  n: number;
  predictions: string[];
  references: string[][];
}

/** Validated predictionTexts / referenceTexts: one prediction and at least one reference per row. */
export function textInputs(metric: string, b: MetricBatch, dropEmptyRefs = false): TextRows {
  const n = checkRows(metric, b);
  const predictions = field(metric, b, 'predictionTexts');
  const references = field(metric, b, 'referenceTexts');
  if (predictions.length !== n) throw inputError(metric, `"predictionTexts" must have ${n} entries, found ${predictions.length}`);
  if (references.length !== n) throw inputError(metric, `"referenceTexts" must have ${n} entries, found ${references.length}`);
  const refsOut: string[][] = dropEmptyRefs ? [] : references;
  for (let i = 0; i < n; i++) {
    if (typeof predictions[i] !== 'string') throw inputError(metric, `"predictionTexts"[${i}] is not a string`, { row: i });
    let refs = references[i];
    if (!Array.isArray(refs) || refs.some((r) => typeof r !== 'string')) {
      throw inputError(metric, `"referenceTexts"[${i}] must be an array of strings`, { row: i });
    }
    if (dropEmptyRefs) {
      refs = refs.filter((r) => r !== '');
      refsOut.push(refs);
    }
    if (refs.length === 0) throw inputError(metric, `"referenceTexts"[${i}] has no${dropEmptyRefs ? ' non-empty' : ''} reference`, { row: i });
  }
  return { n, predictions, references: refsOut };
}

/** Counts of each item. Map keeps insertion order, but callers only look values up, never iterate into a score order-dependently. */
export function counter(items: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) m.set(it, (m.get(it) ?? 0) + 1);
  return m;
}

/** sum over keys of min(a[k], b[k]) (Python's sum((a & b).values())). */
export function overlap(a: Map<string, number>, b: Map<string, number>): number {
  let s = 0;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w !== undefined) s += v < w ? v : w;
  }
  return s;
}

// SQuAD v1.1 normalize_answer: lower, drop string.punctuation, drop articles, fix whitespace.
const PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
// Python's \b(a|an|the)\b on str: word characters are Unicode letters, digits and '_'.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

export function squadNormalize(s: string): string {
  return pySplit(s.toLowerCase().replace(PUNCT, '').replace(ARTICLES, ' ')).join(' ');
}
