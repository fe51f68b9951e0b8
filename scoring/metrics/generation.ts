// Text-generation metrics: bleu (corpus BLEU, sacrebleu 2.x defaults: 13a tokenisation, exp
// smoothing, 4-grams, closest reference length), chrf (sacrebleu 2.x CHRF defaults: 6 character
// orders, beta 2, whitespace removed, effective-order averaging) and rouge_l (rouge-score's
// rougeL F-measure, default tokenizer, no stemming, best reference per row, mean over rows).
// BLEU and chrF keep integer corpus statistics, so merging is exact; scores are on sacrebleu's
// 0..100 scale. rouge_l is in [0, 1] like rouge-score.
import { z } from 'zod';
import { defineMetric, scratchF64, sharedAcc } from '../define.ts';
import { inputError } from '../errors.ts';
import { emptyError } from '../input.ts';
import type { ExactSumState } from '../exact-sum.ts';
import { counter, pyRemoveWhitespace, pyRstrip, pySplit, textInputs } from '../text-utils.ts';

// ---------------------------------------------------------------- sacrebleu tokenizer 13a
const RE_13A: Array<[RegExp, string]> = [
  [/([\{-\~\[-\` -\&\(-\+\:-\@\/])/g, ' $1 '],
  [/([^0-9])([\.,])/g, '$1 $2 '],
  [/([\.,])([^0-9])/g, ' $1 $2'],
  [/([0-9])(-)/g, '$1 $2 '],
];

/** sacrebleu's Tokenizer13a (mteval-v13a.pl) on one line. */
export function tokenize13a(line: string): string {
  line = line.split('<skipped>').join('').split('-\n').join('').split('\n').join(' ');
  line = line.split('&quot;').join('"').split('&amp;').join('&').split('&lt;').join('<').split('&gt;').join('>');
  line = ` ${line} `;
  for (const [re, rep] of RE_13A) line = line.replace(re, rep);
  return pySplit(line).join(' ');
}

const bleuOptions = z
  .object({
    tokenize: z.enum(['13a', 'none']).default('13a'),
    lowercase: z.boolean().default(false),
    smooth: z.enum(['exp', 'none', 'floor', 'add-k']).default('exp'),
    /** for 'floor' (default 0.1) and 'add-k' (default 1) */
    smoothValue: z.number().min(0).optional(),
    maxNgramOrder: z.number().int().min(1).max(10).default(4),
    effectiveOrder: z.boolean().default(false),
  })
  .strict();
type BleuOptions = z.infer<typeof bleuOptions>;

export interface BleuState {
  rows: number;
  sysLen: number;
  refLen: number;
  correct: number[];
  total: number[];
}

function bleuPreprocess(o: BleuOptions, s: string): string {
  if (o.lowercase) s = s.toLowerCase();
  s = pyRstrip(s);
  return o.tokenize === '13a' ? tokenize13a(s) : s;
}

function wordNgrams(tokens: string[], maxOrder: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      // tokens never contain whitespace, so a space-joined key is unambiguous
      const key = n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' ');
      m.set(key, (m.get(key) ?? 0) + 1);
    }
  }
  return m;
}

/** sacrebleu's BLEU.compute_bleu on corpus statistics. */
export function computeBleu(s: BleuState, o: BleuOptions): { score: number; precisions: number[]; bp: number } {
  const max = o.maxNgramOrder;
  const correct = [...s.correct];
  const total = [...s.total];
  const smoothValue = o.smoothValue ?? (o.smooth === 'floor' ? 0.1 : o.smooth === 'add-k' ? 1 : 0);
  const bp = s.sysLen < s.refLen ? (s.sysLen > 0 ? Math.exp(1 - s.refLen / s.sysLen) : 0) : 1;
  const precisions = new Array<number>(max).fill(0);
  if (!correct.some((c) => c !== 0)) return { score: 0, precisions, bp };
  let smoothMteval = 1;
  let effOrder = max;
  for (let n = 1; n <= max; n++) {
    if (o.smooth === 'add-k' && n > 1) {
      correct[n - 1] += smoothValue;
      total[n - 1] += smoothValue;
    }
    if (total[n - 1] === 0) break;
    if (o.effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (o.smooth === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
      } else if (o.smooth === 'floor') precisions[n - 1] = (100 * smoothValue) / total[n - 1];
    } else precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
  }
  // Python: sum([my_log(p) for p in precisions[:eff_order]]) / eff_order, summed left to right
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += precisions[i] === 0 ? -9999999999 : Math.log(precisions[i]);
  return { score: bp * Math.exp(logSum / effOrder), precisions, bp };
}

export const bleu = defineMetric<BleuState, BleuOptions>({
  name: 'bleu',
  version: 1,
  higherIsBetter: true,
  inputs: ['texts'],
  description: 'Corpus BLEU (0..100), sacrebleu-compatible: 13a tokenisation, exp smoothing, up to 4-grams.',
  optionsSchema: bleuOptions,
  init: (o) => ({ rows: 0, sysLen: 0, refLen: 0, correct: new Array<number>(o.maxNgramOrder).fill(0), total: new Array<number>(o.maxNgramOrder).fill(0) }),
  update(s, b, o) {
    const { n, predictions, references } = textInputs('bleu', b, true);
    const max = o.maxNgramOrder;
    for (let i = 0; i < n; i++) {
      const refNgrams = new Map<string, number>();
      const refLens: number[] = [];
      for (const r of references[i]) {
        const toks = pySplit(bleuPreprocess(o, r));
        refLens.push(toks.length);
        for (const [g, c] of wordNgrams(toks, max)) {
          const prev = refNgrams.get(g);
          if (prev === undefined || c > prev) refNgrams.set(g, c);
        }
      }
      const hyp = pySplit(bleuPreprocess(o, predictions[i]));
      const hypLen = hyp.length;
      // closest reference length; ties go to the shorter reference
      let closestDiff = -1;
      let closestLen = -1;
      for (const L of refLens) {
        const d = Math.abs(hypLen - L);
        if (closestDiff === -1 || d < closestDiff) {
          closestDiff = d;
          closestLen = L;
        } else if (d === closestDiff && L < closestLen) closestLen = L;
      }
      for (const [g, c] of wordNgrams(hyp, max)) {
        let order = 1;
        for (let q = 0; q < g.length; q++) if (g.charCodeAt(q) === 32) order++;
        s.total[order - 1] += c;
        const rc = refNgrams.get(g);
        if (rc !== undefined) s.correct[order - 1] += c < rc ? c : rc;
      }
      s.sysLen += hypLen;
      s.refLen += closestLen;
    }
    s.rows += n;
    return s;
  },
  merge(a, b) {
    if (a.correct.length !== b.correct.length) throw inputError('bleu', 'cannot merge states with different maxNgramOrder');
    for (let i = 0; i < a.correct.length; i++) {
      a.correct[i] += b.correct[i];
      a.total[i] += b.total[i];
    }
    a.sysLen += b.sysLen;
    a.refLen += b.refLen;
    a.rows += b.rows;
    return a;
  },
  finalize(s, o) {
    if (s.rows === 0) throw emptyError('bleu');
    const r = computeBleu(s, o);
    return {
      value: r.score,
      extras: { precisions: r.precisions, bp: r.bp, sysLen: s.sysLen, refLen: s.refLen, counts: s.correct, totals: s.total },
    };
  },
});

// ---------------------------------------------------------------- chrF
const chrfOptions = z
  .object({
    charOrder: z.number().int().min(1).max(20).default(6),
    /** 2 gives chrF++ */
    wordOrder: z.number().int().min(0).max(6).default(0),
    beta: z.number().min(0).default(2),
    lowercase: z.boolean().default(false),
    whitespace: z.boolean().default(false),
    epsSmoothing: z.boolean().default(false),
  })
  .strict();
type ChrfOptions = z.infer<typeof chrfOptions>;

export interface ChrfState {
  rows: number;
  /** per order: [hyp n-grams, ref n-grams, matches], char orders first then word orders */
  stats: number[];
}

const CHRF_PUNCTS = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** sacrebleu CHRF._remove_punctuation: split one leading or trailing punctuation mark off words. */
function removePunctuation(sent: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sent)) {
    const cps = Array.from(w);
    if (cps.length === 1) out.push(w);
    else if (CHRF_PUNCTS.has(cps[cps.length - 1])) out.push(cps.slice(0, -1).join(''), cps[cps.length - 1]);
    else if (CHRF_PUNCTS.has(cps[0])) out.push(cps[0], cps.slice(1).join(''));
    else out.push(w);
  }
  return out;
}

function chrfNgrams(s: string, o: ChrfOptions): Map<string, number>[] {
  if (o.lowercase) s = s.toLowerCase();
  const line = Array.from(o.whitespace ? s : pyRemoveWhitespace(s)); // code points, as Python indexes str
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= o.charOrder; n++) {
    const grams: string[] = [];
    for (let i = 0; i + n <= line.length; i++) grams.push(line.slice(i, i + n).join(''));
    out.push(counter(grams));
  }
  if (o.wordOrder > 0) {
    const words = removePunctuation(s);
    for (let n = 1; n <= o.wordOrder; n++) {
      const grams: string[] = [];
      for (let i = 0; i + n <= words.length; i++) grams.push(words.slice(i, i + n).join(' '));
      out.push(counter(grams));
    }
  }
  return out;
}

/** sacrebleu CHRF._compute_f_score (0..100). */
export function chrfScore(stats: number[], o: ChrfOptions): number {
  const eps = 1e-16;
  const factor = o.beta ** 2;
  const order = o.charOrder + o.wordOrder;
  let score = 0;
  let eff = 0;
  let avgPrec = 0;
  let avgRec = 0;
  for (let i = 0; i < order; i++) {
    const nHyp = stats[3 * i];
    const nRef = stats[3 * i + 1];
    const nMatch = stats[3 * i + 2];
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      eff++;
    }
  }
  if (o.epsSmoothing) return (100 * score) / order;
  if (eff === 0) avgPrec = avgRec = 0;
  else {
    avgPrec /= eff;
    avgRec /= eff;
  }
  if (avgPrec + avgRec) {
    let f = (1 + factor) * avgPrec * avgRec;
    f /= factor * avgPrec + avgRec;
    return 100 * f;
  }
  return 0;
}

export const chrf = defineMetric<ChrfState, ChrfOptions>({
  name: 'chrf',
  version: 1,
  higherIsBetter: true,
  inputs: ['texts'],
  description: 'Corpus chrF (0..100), sacrebleu-compatible: character 6-grams, beta 2; wordOrder 2 gives chrF++.',
  optionsSchema: chrfOptions,
  init: (o) => ({ rows: 0, stats: new Array<number>(3 * (o.charOrder + o.wordOrder)).fill(0) }),
  update(s, b, o) {
    const { n, predictions, references } = textInputs('chrf', b, true);
    const order = o.charOrder + o.wordOrder;
    for (let i = 0; i < n; i++) {
      const hyp = chrfNgrams(predictions[i], o);
      let best: number[] = [];
      let bestF = -1;
      for (const r of references[i]) {
        const ref = chrfNgrams(r, o);
        const st: number[] = [];
        for (let q = 0; q < order; q++) {
          let hypCount = 0;
          let match = 0;
          for (const [g, c] of hyp[q]) {
            hypCount += c;
            const rc = ref[q].get(g);
            if (rc !== undefined) match += c < rc ? c : rc;
          }
          let refCount = 0;
          for (const c of ref[q].values()) refCount += c;
          st.push(ref[q].size > 0 ? hypCount : 0, refCount, match);
        }
        const f = chrfScore(st, o);
        if (f > bestF) {
          bestF = f;
          best = st;
        }
      }
      for (let q = 0; q < best.length; q++) s.stats[q] += best[q];
    }
    s.rows += n;
    return s;
  },
  merge(a, b) {
    if (a.stats.length !== b.stats.length) throw inputError('chrf', 'cannot merge states with different orders');
    for (let q = 0; q < a.stats.length; q++) a.stats[q] += b.stats[q];
    a.rows += b.rows;
    return a;
  },
  finalize(s, o) {
    if (s.rows === 0) throw emptyError('chrf');
    return { value: chrfScore(s.stats, o), extras: { stats: s.stats } };
  },
});

// ---------------------------------------------------------------- ROUGE-L
/** rouge-score's default tokenizer: lowercase, non [a-z0-9] to spaces, split. */
export function rougeTokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(/\s+/)
    .filter((t) => /^[a-z0-9]+$/.test(t));
}

/** Length of the longest common subsequence (one rolling row). */
export function lcsLength(a: string[], b: string[]): number {
  const row = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : up > row[j - 1] ? up : row[j - 1];
      diag = up;
    }
  }
  return row[b.length];
}

/** rouge-score _score_lcs(target, prediction).fmeasure */
export function rougeLF(target: string[], prediction: string[]): number {
  if (target.length === 0 || prediction.length === 0) return 0;
  const lcs = lcsLength(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

export interface RougeState {
  n: number;
  sum: ExactSumState;
}

export const rougeL = defineMetric<RougeState, Record<string, never>>({
  name: 'rouge_l',
  version: 1,
  higherIsBetter: true,
  inputs: ['texts'],
  description: 'ROUGE-L F-measure (rouge-score rougeL, no stemming), best reference per row, mean over rows.',
  optionsSchema: z.object({}).strict() as z.ZodType<Record<string, never>>,
  init: () => ({ n: 0, sum: [] }),
  update(s, b) {
    const { n, predictions, references } = textInputs('rouge_l', b);
    const buf = scratchF64(n);
    for (let i = 0; i < n; i++) {
      const pred = rougeTokenize(predictions[i]);
      let best = 0;
      for (const r of references[i]) {
        const f = rougeLF(rougeTokenize(r), pred);
        if (f > best) best = f;
      }
      buf[i] = best;
    }
    sharedAcc.load(s.sum);
    sharedAcc.addArray(buf, 0, n);
    s.sum = sharedAcc.toState();
    s.n += n;
    return s;
  },
  merge(a, b) {
    sharedAcc.load(a.sum);
    sharedAcc.addState(b.sum);
    a.sum = sharedAcc.toState();
    a.n += b.n;
    return a;
  },
  finalize(s) {
    if (s.n === 0) throw emptyError('rouge_l');
    sharedAcc.load(s.sum);
    return { value: sharedAcc.value() / s.n };
  },
});
