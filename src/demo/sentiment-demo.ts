// The demo submissions of sentiment-demo: three tiny bag-of-words sequence classifiers
// (model_type bert, logits [batch, 2]) over a hand-written WordLevel tokenizer:
//   naive-bayes  multinomial naive Bayes: per word [log P(w | neg), log P(w | pos)], counted on
//                600 training reviews (seed 7) with add-one smoothing
//   keywords     votes only for "great" (pos) and "bad" (neg); no vote -> tie -> neg
//   always-pos   every determiner votes pos
// Generated on first use by `arbiter score --benchmark sentiment-demo`
// (or `npx tsx benchmarks/sentiment-demo/make-submissions.ts`).
// Compiled with the engine (dist/src/demo/) so an installed arbiter builds them without tsx;
// benchmarks/sentiment-demo/submissions.ts re-exports this module.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { wordVocab, writeWordClassifierFolder } from '../models/hf/word-models.ts';
import { CLASS_NAMES, demoWords, reviews, TRAIN_SEED } from '../../datasets/lm-task-demos/generate.ts';

export const DEMO_SUBMISSIONS = ['naive-bayes', 'keywords', 'always-pos'] as const;
export type DemoSubmission = (typeof DEMO_SUBMISSIONS)[number];

/** Naive Bayes log-likelihood votes per word, fitted on training reviews. */
export function naiveBayesVotes(words: readonly string[], rows: ReadonlyArray<{ text: string; label: string }>): Record<string, number[]> {
  const counts = [new Map<string, number>(), new Map<string, number>()];
  const totals = [0, 0];
  for (const r of rows) {
    const k = r.label === 'pos' ? 1 : 0;
    for (const w of r.text.split(' ')) { counts[k]!.set(w, (counts[k]!.get(w) ?? 0) + 1); totals[k]!++; }
  }
  return Object.fromEntries(words.map((w) => [w, [0, 1].map((k) => Math.log(((counts[k]!.get(w) ?? 0) + 1) / (totals[k]! + words.length)))]));
}

export async function buildDemoSubmissions(outDir: string, opts: { force?: boolean } = {}): Promise<Record<DemoSubmission, string>> {
  const out = Object.fromEntries(DEMO_SUBMISSIONS.map((n) => [n, path.join(outDir, n)])) as Record<DemoSubmission, string>;
  if (!opts.force && DEMO_SUBMISSIONS.every((n) => existsSync(path.join(out[n], 'onnx', 'model.onnx')))) return out;
  const words = demoWords();
  const vocab = wordVocab(words);
  const votes: Record<DemoSubmission, Record<string, number[]>> = {
    'naive-bayes': naiveBayesVotes(words, reviews(TRAIN_SEED, 600)),
    keywords: { great: [0, 1], bad: [1, 0] },
    'always-pos': { the: [0, 1], a: [0, 1], my: [0, 1], that: [0, 1] },
  };
  for (const n of DEMO_SUBMISSIONS) writeWordClassifierFolder(out[n], vocab, CLASS_NAMES, votes[n]);
  return out;
}
