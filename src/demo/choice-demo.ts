// The demo submissions of choice-demo: three tiny word-level causal LMs (qwen3-typed folders with
// a hand-written WordLevel tokenizer), of clearly different quality:
//   bigram-fitted   P(next word | previous word), counted on 2,000 training sentences (seed 7)
//   unigram-fitted  P(next word), counted on the same sentences
//   uniform         every word equally likely
// Seeded and counted, so every build writes the same bytes; generated on first use by
// `arbiter score --benchmark choice-demo` (or `npx tsx benchmarks/choice-demo/make-submissions.ts`).
// Compiled with the engine (dist/src/demo/) so an installed arbiter builds them without tsx;
// benchmarks/choice-demo/submissions.ts re-exports this module.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { countedWordLm, wordTableLm, wordVocab, writeWordLmFolder } from '../models/hf/word-models.ts';
import { animalTrainingText, demoWords, TRAIN_SEED } from '../../datasets/lm-task-demos/generate.ts';

export const DEMO_SUBMISSIONS = ['bigram-fitted', 'unigram-fitted', 'uniform'] as const;
export type DemoSubmission = (typeof DEMO_SUBMISSIONS)[number];

export async function buildDemoSubmissions(outDir: string, opts: { force?: boolean } = {}): Promise<Record<DemoSubmission, string>> {
  const out = Object.fromEntries(DEMO_SUBMISSIONS.map((n) => [n, path.join(outDir, n)])) as Record<DemoSubmission, string>;
  if (!opts.force && DEMO_SUBMISSIONS.every((n) => existsSync(path.join(out[n], 'onnx', 'model.onnx')))) return out;
  const vocab = wordVocab(demoWords());
  const train = animalTrainingText(TRAIN_SEED, 2000);
  const words = demoWords();
  const weights = {
    'bigram-fitted': countedWordLm(vocab, train, { order: 2, smoothing: 0.1 }),
    'unigram-fitted': countedWordLm(vocab, train, { order: 1, smoothing: 0.1 }),
    uniform: wordTableLm(vocab, () => Object.fromEntries(words.map((w) => [w, 0]))),
  };
  for (const n of DEMO_SUBMISSIONS) writeWordLmFolder(out[n], vocab, weights[n], { max_position_embeddings: 64, architectures: ['Qwen3ForCausalLM'] });
  return out;
}
