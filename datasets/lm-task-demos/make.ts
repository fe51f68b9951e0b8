// Writes the hidden sets of the two LM task demos (seeded, so every run writes the same bytes):
//   npx tsx datasets/lm-task-demos/make.ts
//   animals.jsonl  40 multiple-choice questions   (benchmarks/choice-demo)
//   reviews.jsonl  48 labelled review sentences   (benchmarks/sentiment-demo)
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { animalQuestions, HIDDEN_SEED, reviews, toJsonl } from './generate.ts';

for (const [name, text] of [['animals.jsonl', toJsonl(animalQuestions(HIDDEN_SEED, 40))], ['reviews.jsonl', toJsonl(reviews(HIDDEN_SEED, 48))]] as const) {
  const out = new URL(`./${name}`, import.meta.url);
  writeFileSync(out, text);
  console.log(`wrote ${out.pathname}: ${text.split('\n').length - 1} rows, sha256 ${createHash('sha256').update(text).digest('hex')}`);
}
