// Generates short chat conversations from templates with a seeded PRNG (mulberry32). The hidden
// set of the qwen-chat-demo benchmark is seed 20261129; the demo submissions are fitted on a
// disjoint "training" draw (seed 7) so that fitting is honest. Same seed -> same bytes.
import { mulberry32 } from '../../src/models/onnx/builder.ts';

export interface DemoRow {
  system?: string;
  conversations: Array<{ role: 'user' | 'assistant'; content: string }>;
}

export const HIDDEN_SEED = 20261129;
export const TRAIN_SEED = 7;

const CAPITALS: Array<[string, string]> = [
  ['France', 'Paris'], ['Japan', 'Tokyo'], ['Italy', 'Rome'], ['Spain', 'Madrid'], ['Germany', 'Berlin'], ['Canada', 'Ottawa'],
  ['Kenya', 'Nairobi'], ['Peru', 'Lima'], ['Egypt', 'Cairo'], ['Norway', 'Oslo'], ['Chile', 'Santiago'], ['Vietnam', 'Hanoi'],
  ['Portugal', 'Lisbon'], ['Greece', 'Athens'], ['Poland', 'Warsaw'], ['Brazil', 'Brasília'], ['Australia', 'Canberra'], ['Mexico', 'Mexico City'],
];
const WORDS: Array<[string, string, string]> = [ // English, French, German
  ['cat', 'chat', 'Katze'], ['dog', 'chien', 'Hund'], ['house', 'maison', 'Haus'], ['water', 'eau', 'Wasser'], ['bread', 'pain', 'Brot'],
  ['book', 'livre', 'Buch'], ['tree', 'arbre', 'Baum'], ['sun', 'soleil', 'Sonne'], ['school', 'école', 'Schule'], ['apple', 'pomme', 'Apfel'],
  ['friend', 'ami', 'Freund'], ['city', 'ville', 'Stadt'], ['coffee', 'café', 'Kaffee'], ['night', 'nuit', 'Nacht'],
];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const COLOURS: Array<[string, string]> = [['red', 'blue'], ['yellow', 'blue'], ['red', 'yellow'], ['blue', 'white'], ['red', 'white'], ['black', 'white']];
const MIXES: Record<string, string> = { 'red+blue': 'purple', 'yellow+blue': 'green', 'red+yellow': 'orange', 'blue+white': 'light blue', 'red+white': 'pink', 'black+white': 'grey' };
const SYSTEMS = ['You are a helpful assistant.', 'You are a concise assistant. Answer in one sentence.', 'You are a friendly tutor.', ''];
const GREETINGS = ['Hi!', 'Hello.', 'Hey there', 'Good morning!', 'Hi, how are you?'];
const REPLIES = ['Hello! How can I help you today?', 'Hi! What can I do for you?', 'Good to see you. What do you need?', "I'm well, thanks! How can I help?"];

type Turn = [string, string];
type Maker = (r: () => number) => Turn[];
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const MAKERS: Maker[] = [
  (r) => { const [c, k] = pick(r, CAPITALS); return [[`What is the capital of ${c}?`, `The capital of ${c} is ${k}.`]]; },
  (r) => {
    const [c1, k1] = pick(r, CAPITALS); const [c2, k2] = pick(r, CAPITALS);
    return [[`What is the capital of ${c1}?`, `${k1}.`], [`And of ${c2}?`, `The capital of ${c2} is ${k2}.`]];
  },
  (r) => { const a = int(r, 2, 99); const b = int(r, 2, 99); return [[`What is ${a} + ${b}?`, `${a} + ${b} = ${a + b}.`]]; },
  (r) => { const a = int(r, 2, 12); const b = int(r, 2, 12); return [[`What is ${a} times ${b}?`, `${a} times ${b} is ${a * b}.`]]; },
  (r) => {
    const a = int(r, 10, 60); const b = int(r, 2, 9);
    return [[`I have ${a} apples and give away ${b}. How many are left?`, `You have ${a - b} apples left.`], ['Thanks!', "You're welcome!"]];
  },
  (r) => { const [en, fr] = pick(r, WORDS); return [[`How do you say "${en}" in French?`, `"${en}" in French is "${fr}".`]]; },
  (r) => { const [en, , de] = pick(r, WORDS); return [[`Translate "${en}" to German.`, `The German word is "${de}".`]]; },
  (r) => {
    const [en, fr, de] = pick(r, WORDS);
    return [[`Translate "${en}" to French.`, `"${fr}".`], ['And to German?', `In German it is "${de}".`]];
  },
  (r) => { const i = int(r, 0, 6); const n = int(r, 1, 3); return [[`What day comes ${n === 1 ? '' : `${n} days `}after ${DAYS[i]}?`, `${DAYS[(i + n) % 7]}.`]]; },
  (r) => { const [a, b] = pick(r, COLOURS); return [[`What colour do you get by mixing ${a} and ${b}?`, `Mixing ${a} and ${b} gives ${MIXES[`${a}+${b}`]}.`]]; },
  (r) => { const km = int(r, 1, 42); return [[`How many metres are ${km} km?`, `${km} km is ${km * 1000} metres.`]]; },
  (r) => { const c = int(r, 0, 40); return [[`Convert ${c} °C to Fahrenheit.`, `${c} °C is ${(c * 9) / 5 + 32} °F.`]]; },
  (r) => { const w = pick(r, WORDS)[0]; return [[`How many letters are in the word "${w}"?`, `"${w}" has ${w.length} letters.`]]; },
  (r) => { const w = pick(r, WORDS)[0]; return [[`Spell "${w}" backwards.`, `${[...w].reverse().join('')}.`]]; },
  (r) => [[pick(r, GREETINGS), pick(r, REPLIES)]],
  (r) => { const n = int(r, 2, 9); return [[`Is ${n} an even number?`, n % 2 === 0 ? `Yes, ${n} is even.` : `No, ${n} is odd.`]]; },
];

/** `n` conversations from seed `seed`. */
export function generateConversations(seed: number, n: number): DemoRow[] {
  const r = mulberry32(seed);
  const rows: DemoRow[] = [];
  for (let i = 0; i < n; i++) {
    const system = pick(r, SYSTEMS);
    const turns = pick(r, MAKERS)(r);
    const row: DemoRow = { conversations: turns.flatMap(([u, a]) => [{ role: 'user' as const, content: u }, { role: 'assistant' as const, content: a }]) };
    rows.push(system ? { system, ...row } : row);
  }
  return rows;
}

export function toJsonl(rows: DemoRow[]): string {
  return rows.map((x) => JSON.stringify(x)).join('\n') + '\n';
}
