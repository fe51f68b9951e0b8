// Seeded generators of the two small language-model task demos (word-level, so every word is in
// the demo tokenizer's vocabulary):
//   animals    multiple choice: "the <animal>" -> which of four verb phrases it does
//              (choice-demo: acc / acc_norm)
//   reviews    sequence classification: "the <thing> was <adj> [and|but] <adj>" -> neg / pos
//              (sentiment-demo)
// Hidden sets and training text come from different seeds; the demo models are fitted by
// counting on the training text (benchmarks/*/submissions.ts).
import { mulberry32 } from '../../src/models/onnx/builder.ts';

export const HIDDEN_SEED = 20261129;
export const TRAIN_SEED = 7;

/** What each animal does: the gold continuation of "the <animal>". */
export const ANIMALS: Record<string, string> = {
  cat: 'purrs softly', dog: 'barks loudly', cow: 'moos', bird: 'sings sweetly at dawn', lion: 'roars',
  snake: 'hisses quietly', horse: 'neighs', duck: 'quacks on the pond', owl: 'hoots at night', frog: 'croaks',
};
const DETERMINERS = ['the', 'a', 'my', 'that'];
const THINGS = ['film', 'plot', 'acting', 'music', 'ending', 'script', 'cast'];
export const POSITIVE = ['great', 'good', 'superb', 'lovely', 'fun', 'moving'];
export const NEGATIVE = ['bad', 'dull', 'awful', 'boring', 'weak', 'slow'];
export const CLASS_NAMES = ['neg', 'pos'] as const;

/** Every word the demo data uses (the demo tokenizer's vocabulary, after its special tokens). */
export function demoWords(): string[] {
  const words = new Set<string>([...DETERMINERS, ...Object.keys(ANIMALS), 'was', 'and', 'but', ...THINGS, ...POSITIVE, ...NEGATIVE, ...CLASS_NAMES]);
  for (const p of Object.values(ANIMALS)) for (const w of p.split(' ')) words.add(w);
  return [...words];
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Multiple-choice rows: context "the <animal>", the animal's phrase and three others' (shuffled), label = gold index. */
export function animalQuestions(seed: number, rows: number): Array<{ id: string; context: string; choices: string[]; label: number }> {
  const rand = mulberry32(seed);
  const names = Object.keys(ANIMALS);
  const out = [];
  for (let i = 0; i < rows; i++) {
    const animal = names[i % names.length]!;
    const others = names.filter((n) => n !== animal);
    const distractors: string[] = [];
    while (distractors.length < 3) {
      const d = pick(rand, others);
      if (!distractors.includes(d)) distractors.push(d);
    }
    const order = [animal, ...distractors].map((a) => ({ a, k: rand() })).sort((x, y) => x.k - y.k).map((x) => x.a);
    out.push({ id: `q${String(i + 1).padStart(3, '0')}`, context: `${pick(rand, DETERMINERS)} ${animal}`, choices: order.map((a) => ANIMALS[a]!), label: order.indexOf(animal) });
  }
  return out;
}

/** Training sentences for the animal models: "<det> <animal> <phrase>", the right phrase 90% of the time. */
export function animalTrainingText(seed: number, rows: number): string[] {
  const rand = mulberry32(seed);
  const names = Object.keys(ANIMALS);
  return Array.from({ length: rows }, () => {
    const animal = pick(rand, names);
    const phrase = rand() < 0.9 ? ANIMALS[animal]! : ANIMALS[pick(rand, names)]!;
    return `${pick(rand, DETERMINERS)} ${animal} ${phrase}`;
  });
}

/**
 * Review rows: "the <thing> was <a1>" or "... <a1> and <a2>" (same polarity) or "... <a1> but <a2>"
 * (opposite polarity: the second adjective decides). label = 1 positive, 0 negative; 5% of the
 * labels are flipped (annotator noise), so no model is perfect.
 */
export function reviews(seed: number, rows: number): Array<{ id: string; text: string; label: string }> {
  const rand = mulberry32(seed);
  const adj = (pos: boolean) => pick(rand, pos ? POSITIVE : NEGATIVE);
  return Array.from({ length: rows }, (_, i) => {
    const shape = rand();
    let pos = rand() < 0.5;
    let text = `${pick(rand, DETERMINERS)} ${pick(rand, THINGS)} was ${adj(pos)}`;
    if (shape < 0.35) text += ` and ${adj(pos)}`;
    else if (shape < 0.7) { pos = !pos; text += ` but ${adj(pos)}`; }
    if (rand() < 0.05) pos = !pos;
    return { id: `r${String(i + 1).padStart(3, '0')}`, text, label: CLASS_NAMES[pos ? 1 : 0] };
  });
}

export const toJsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
