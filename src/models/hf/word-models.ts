// Word-level tiny models for tests and demos whose probabilities are known exactly by
// construction: a WordLevel tokenizer over a handful of words (ChatML specials first), a causal
// LM given as a table "previous word -> logits of the next word", and a bag-of-words classifier
// given as "word -> one vote per class". Folders load offline with transformers.js.
import { bagOfWordsClassifierOnnx, bigramTableLm, tinyLmOnnx, writeLmFolder, type TinyLmWeights } from './tiny-lm.ts';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';

export const WORD_SPECIALS = ['<|im_start|>', '<|im_end|>', '<unk>'] as const;

/** Vocabulary: the three specials (ids 0, 1, 2), then `words` in the order given. */
export function wordVocab(words: readonly string[]): Record<string, number> {
  const v: Record<string, number> = {};
  [...WORD_SPECIALS, ...words].forEach((w, i) => {
    if (v[w] !== undefined) throw new Error(`wordVocab: "${w}" twice`);
    v[w] = i;
  });
  return v;
}

/** tokenizer.json (WordLevel, whitespace pre-tokenizer) and tokenizer_config.json of a word vocabulary. */
export function wordTokenizerFiles(vocab: Record<string, number>): { json: unknown; config: Record<string, unknown> } {
  return {
    json: {
      version: '1.0', truncation: null, padding: null,
      added_tokens: WORD_SPECIALS.map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
      model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
    },
    // unk_token must be here too: transformers.js reads it from tokenizer_config.json (stack-facts §9)
    config: { unk_token: '<unk>', eos_token: '<|im_end|>', pad_token: '<|im_end|>', tokenizer_class: 'PreTrainedTokenizer' },
  };
}

/** Logit of a next token that `next` does not list: exp(-1000 - max) is exactly 0 in float64. */
export const IMPOSSIBLE = -1000;

/**
 * A causal LM whose logits after token `prev` are `next(prev)` (word -> logit; unlisted tokens get
 * IMPOSSIBLE). Give log-probabilities that sum to 1 and the model's probabilities are exactly
 * those (up to the float32 rounding of the logits).
 */
export function wordTableLm(vocab: Record<string, number>, next: (prev: string) => Record<string, number>): TinyLmWeights {
  const words = Object.keys(vocab).sort((a, b) => vocab[a]! - vocab[b]!);
  const V = words.length;
  const t = new Float32Array(V * V).fill(IMPOSSIBLE);
  for (const prev of words) {
    for (const [w, logit] of Object.entries(next(prev))) {
      const id = vocab[w];
      if (id === undefined) throw new Error(`wordTableLm: "${w}" is not in the vocabulary`);
      t[vocab[prev]! * V + id] = logit;
    }
  }
  return bigramTableLm(V, t);
}

/** Write a causal word LM folder (model_type qwen3 unless config says otherwise). */
export function writeWordLmFolder(dir: string, vocab: Record<string, number>, w: TinyLmWeights, config: Record<string, unknown> = {}): string {
  const t = wordTokenizerFiles(vocab);
  return writeLmFolder(dir, { onnx: tinyLmOnnx(w), config: { vocab_size: w.vocab, ...config }, tokenizerJson: t.json, tokenizerConfig: t.config });
}

/**
 * Write a bag-of-words classifier folder (model_type bert, AutoModelForSequenceClassification):
 * logits[k] = sum over the text's tokens of votes[token][k] (unlisted tokens vote 0).
 */
export function writeWordClassifierFolder(dir: string, vocab: Record<string, number>, classNames: readonly string[], votes: Record<string, readonly number[]>): string {
  const V = Object.keys(vocab).length;
  const K = classNames.length;
  const table = new Float32Array(V * K);
  for (const [w, v] of Object.entries(votes)) {
    const id = vocab[w];
    if (id === undefined || v.length !== K) throw new Error(`writeWordClassifierFolder: bad votes for "${w}"`);
    v.forEach((x, k) => { table[id * K + k] = x; });
  }
  const t = wordTokenizerFiles(vocab);
  return writeLmFolder(dir, {
    onnx: bagOfWordsClassifierOnnx(V, K, table),
    config: {
      model_type: 'bert', vocab_size: V, max_position_embeddings: 512,
      id2label: Object.fromEntries(classNames.map((n, i) => [String(i), n])), label2id: Object.fromEntries(classNames.map((n, i) => [n, i])),
    },
    tokenizerJson: t.json, tokenizerConfig: t.config,
  });
}

/**
 * A word LM fitted by counting on whitespace-split sentences: order 2 is a bigram model
 * P(next | prev), order 1 a unigram model P(next) (every row the same); add-`smoothing` over
 * the non-special words. Specials are never predicted; unknown words in `sentences` throw.
 */
export function countedWordLm(vocab: Record<string, number>, sentences: readonly string[], opts: { order: 1 | 2; smoothing: number }): TinyLmWeights {
  const words = Object.keys(vocab).filter((w) => !(WORD_SPECIALS as readonly string[]).includes(w));
  const counts = new Map<string, Map<string, number>>();
  const bump = (prev: string, next: string) => {
    if (vocab[next] === undefined || vocab[prev] === undefined) throw new Error(`countedWordLm: "${vocab[next] === undefined ? next : prev}" is not in the vocabulary`);
    const row = counts.get(prev) ?? new Map<string, number>();
    row.set(next, (row.get(next) ?? 0) + 1);
    counts.set(prev, row);
  };
  for (const s of sentences) {
    const toks = s.split(/\s+/).filter((t) => t.length > 0);
    for (let j = 1; j < toks.length; j++) bump(opts.order === 2 ? toks[j - 1]! : '<unk>', toks[j]!);
  }
  return wordTableLm(vocab, (prev) => {
    const row = counts.get(opts.order === 2 ? prev : '<unk>') ?? new Map<string, number>();
    let total = 0;
    for (const w of words) total += (row.get(w) ?? 0) + opts.smoothing;
    return Object.fromEntries(words.map((w) => [w, Math.log(((row.get(w) ?? 0) + opts.smoothing) / total)]));
  });
}

/** Words of the generated word-level chat sets (wordChatBenchmark). */
export const WORD_CHAT_WORDS = ['user', 'assistant', 'system', 'the', 'a', 'cat', 'dog', 'sat', 'ran', 'on', 'mat', 'far', 'fast', 'slow', 'hello', 'how', 'are', 'you', 'fine', 'thanks', 'be', 'terse', '.', '?'];
/** A ChatML-like template whose pieces a WordLevel tokenizer splits at spaces. */
export const WORD_CHAT_TEMPLATE = "{% for message in messages %}<|im_start|>{{ message['role'] }} {{ message['content'] }} <|im_end|> {% endfor %}";

/**
 * A generated chat-loss benchmark for tests and the streaming bench: `rows` short conversations
 * (seeded; ids `c0`, `c1`, ...; a system turn in every third) in `dir/chat.jsonl`, a spec over it
 * (context 24 tokens, left truncation, `batching.size` = `batchSize`) at `dir/benchmark.yaml`, and
 * `models` word-level submissions under `dir/subs` (a bigram and a unigram fitted on the first
 * 2,000 answers, then a uniform model) with the template. Deterministic in its arguments.
 */
export function wordChatBenchmark(dir: string, opts: { rows: number; batchSize?: number; models?: number; seed?: number }): { spec: string; subs: string; jsonl: string; bytes: number } {
  mkdirSync(dir, { recursive: true });
  let s = opts.seed ?? 7;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  const content = WORD_CHAT_WORDS.slice(3);
  const sentence = (n: number) => Array.from({ length: n }, () => content[Math.floor(rnd() * content.length)]!).join(' ');
  const jsonl = path.join(dir, 'chat.jsonl');
  const fit: string[] = [];
  const h = createHash('sha256');
  let bytes = 0;
  const fd = openSync(jsonl, 'w');
  try {
    let buf: string[] = [];
    const flush = () => { const b = Buffer.from(buf.join('')); writeSync(fd, b); h.update(b); bytes += b.length; buf = []; };
    for (let i = 0; i < opts.rows; i++) {
      const u = sentence(1 + Math.floor(rnd() * 6));
      const a = sentence(1 + Math.floor(rnd() * (i % 5 === 0 ? 24 : 8)));
      if (fit.length < 2000) fit.push(a);
      const messages = [...(i % 3 === 0 ? [{ role: 'system', content: 'be terse .' }] : []), { role: 'user', content: u }, { role: 'assistant', content: a }];
      buf.push(JSON.stringify({ id: `c${i}`, messages }) + '\n');
      if (buf.length === 4096) flush();
    }
    flush();
  } finally { closeSync(fd); }
  const vocab = wordVocab(WORD_CHAT_WORDS);
  const subs = path.join(dir, 'subs');
  const uniform = Object.fromEntries(content.map((w) => [w, -Math.log(content.length)]));
  const makers: Array<[string, () => TinyLmWeights]> = [
    ['bigram', () => countedWordLm(vocab, fit, { order: 2, smoothing: 0.5 })],
    ['unigram', () => countedWordLm(vocab, fit, { order: 1, smoothing: 1 })],
    ['uniform', () => wordTableLm(vocab, () => uniform)],
  ];
  for (const [name, make] of makers.slice(0, opts.models ?? 3)) {
    const f = writeWordLmFolder(path.join(subs, name), vocab, make());
    const cfg = JSON.parse(readFileSync(path.join(f, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(f, 'tokenizer_config.json'), JSON.stringify({ ...cfg, chat_template: WORD_CHAT_TEMPLATE }));
  }
  const spec = path.join(dir, 'benchmark.yaml');
  writeFileSync(spec, [
    'id: word-chat', 'version: 1', 'task:', '  type: chat-loss', '  contextLength: 24', '  truncation: left', '  maxParams: 100000',
    'dataset:', `  path: ${jsonl}`, '  format: chat-jsonl', `  sha256: ${h.digest('hex')}`,
    'batching:', `  size: ${opts.batchSize ?? 4}`, 'metrics:', '  - name: bits_per_byte', '  - name: nll_per_token',
    'split:', '  key: word-chat-split-key', '  publicFraction: 0.3', '',
  ].join('\n'));
  return { spec, subs, jsonl, bytes };
}
