// Word-level tiny models for tests and demos whose probabilities are known exactly by
// construction: a WordLevel tokenizer over a handful of words (ChatML specials first), a causal
// LM given as a table "previous word -> logits of the next word", and a bag-of-words classifier
// given as "word -> one vote per class". Folders load offline with transformers.js.
import { bagOfWordsClassifierOnnx, bigramTableLm, tinyLmOnnx, writeLmFolder, type TinyLmWeights } from './tiny-lm.ts';

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
