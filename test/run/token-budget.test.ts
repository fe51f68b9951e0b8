// Token-budget batching (batching.maxTokens) through the one run lifecycle: on sentiment-demo,
// choice-demo and a word-level chat-loss set, a spec with a budget on 1 worker thread gives
// byte-identical rows to the spec without a budget on 2 isolated worker processes (these models'
// outputs do not depend on batch composition, so every cut must leave every score unchanged),
// and to 3 shards of the budgeted spec (rows mode) merged. The budget is a spec field: refused below the
// context length and for tabular tasks.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { score } from '../../src/run/lifecycle.ts';
import { mergeShards, scoreShard } from '../../src/run/shard-job.ts';
import { parsePart, serializePart } from '../../src/run/shard.ts';
import { loadBenchmark } from '../../src/benchmark/loader.ts';
import { ensureBundledSubmissions } from '../../src/demo/demo-submissions.ts';
import { countedWordLm, wordTableLm, wordVocab, writeWordLmFolder } from '../../src/models/hf/word-models.ts';
import type { ScoreResult } from '../../src/run/types.ts';
import { REPO, tempDir } from '../helpers.ts';

const root = tempDir('arbiter-budget-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
// the demos' submissions are generated on first use, as `arbiter score -b <id>` does
beforeAll(async () => {
  for (const id of ['choice-demo', 'sentiment-demo']) await ensureBundledSubmissions(loadBenchmark(path.join(REPO, 'benchmarks', id, 'benchmark.yaml')));
}, 120_000);
const rowsOf = (r: { rows: ScoreResult['rows'] }) => JSON.stringify(r.rows);

/** A copy of a bundled benchmark's spec with its dataset path made absolute and `batching` replaced. */
function variant(id: string, name: string, batching: string): { spec: string; subs: string } {
  const dir = path.join(root, `${id}-${name}`);
  mkdirSync(dir, { recursive: true });
  const bundled = path.join(REPO, 'benchmarks', id);
  const yaml = readFileSync(path.join(bundled, 'benchmark.yaml'), 'utf8')
    .replace(/path: (\.\.\/\.\.\/datasets\/\S+)/, (_m, p: string) => `path: ${path.resolve(bundled, p)}`)
    .replace(/batching:\n(  .*\n)+/, `batching:\n${batching}`);
  writeFileSync(path.join(dir, 'benchmark.yaml'), yaml);
  return { spec: path.join(dir, 'benchmark.yaml'), subs: path.join(bundled, 'submissions') };
}

// ---- a word-level chat-loss set: WordLevel tokenizer, a ChatML-like template, counted word LMs ----
const WORDS = ['user', 'assistant', 'system', 'the', 'a', 'cat', 'dog', 'sat', 'ran', 'on', 'mat', 'far', 'fast', 'slow', 'hello', 'how', 'are', 'you', 'fine', 'thanks', 'be', 'terse', '.', '?'];
const TEMPLATE = "{% for message in messages %}<|im_start|>{{ message['role'] }} {{ message['content'] }} <|im_end|> {% endfor %}";

function chatSet(): { spec: (batching: string, name: string) => string; subs: string } {
  const dir = path.join(root, 'chat');
  mkdirSync(dir, { recursive: true });
  let s = 7;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  const content = WORDS.slice(3);
  const sentence = (n: number) => Array.from({ length: n }, () => content[Math.floor(rnd() * content.length)]!).join(' ');
  const rows: string[] = [];
  const sentences: string[] = [];
  for (let i = 0; i < 36; i++) {
    // lengths from 1 to 30 words: with contextLength 24 some conversations are cut
    const u = sentence(1 + Math.floor(rnd() * 6));
    const a = sentence(1 + Math.floor(rnd() * (i % 5 === 0 ? 24 : 8)));
    sentences.push(a);
    const messages = [...(i % 3 === 0 ? [{ role: 'system', content: 'be terse .' }] : []), { role: 'user', content: u }, { role: 'assistant', content: a }];
    rows.push(JSON.stringify({ id: `c${i}`, messages }));
  }
  const jsonl = rows.join('\n') + '\n';
  writeFileSync(path.join(dir, 'chat.jsonl'), jsonl);
  const sha = createHash('sha256').update(jsonl).digest('hex');
  const vocab = wordVocab(WORDS);
  const subs = path.join(dir, 'subs');
  const uniform = Object.fromEntries(content.map((w) => [w, -Math.log(content.length)]));
  const folders = [
    writeWordLmFolder(path.join(subs, 'bigram'), vocab, countedWordLm(vocab, sentences, { order: 2, smoothing: 0.5 })),
    writeWordLmFolder(path.join(subs, 'unigram'), vocab, countedWordLm(vocab, sentences, { order: 1, smoothing: 1 })),
    writeWordLmFolder(path.join(subs, 'uniform'), vocab, wordTableLm(vocab, () => uniform)),
  ];
  for (const f of folders) {
    const cfg = JSON.parse(readFileSync(path.join(f, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(f, 'tokenizer_config.json'), JSON.stringify({ ...cfg, chat_template: TEMPLATE }));
  }
  const spec = (batching: string, name: string) => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'benchmark.yaml'), [
      'id: word-chat', 'version: 1', 'task:', '  type: chat-loss', '  contextLength: 24', '  truncation: left', '  maxParams: 100000',
      'dataset:', `  path: ${path.join(dir, 'chat.jsonl')}`, '  format: chat-jsonl', `  sha256: ${sha}`,
      `batching:\n${batching.trimEnd()}`, 'metrics:', '  - name: bits_per_byte', '  - name: nll_per_token',
      'split:', '  key: word-chat-split-key', '  publicFraction: 0.3', '',
    ].join('\n'));
    return path.join(d, 'benchmark.yaml');
  };
  return { spec, subs };
}

const cases: Array<[string, () => { plain: string; budget: string; subs: string }]> = [
  ['sentiment-demo', () => ({ plain: variant('sentiment-demo', 'plain', '  size: 8\n').spec, ...budgeted('sentiment-demo') })],
  ['choice-demo', () => ({ plain: variant('choice-demo', 'plain', '  size: 4\n').spec, ...budgeted('choice-demo') })],
  ['word chat-loss', () => { const c = chatSet(); return { plain: c.spec('  size: 4\n', 'plain'), budget: c.spec('  size: 16\n  maxTokens: 40\n', 'budget'), subs: c.subs }; }],
];

/** Bigger batches of rows, cut into passes by a budget of about one context: many passes per batch. */
function budgeted(id: string): { budget: string; subs: string } {
  const v = variant(id, 'budget', '  size: 16\n  maxTokens: 40\n');
  return { budget: v.spec, subs: v.subs };
}

describe.each(cases)('token-budget batching: %s', (_name, make) => {
  const c = make();
  let reference: ScoreResult;

  // One comparison covers both: the budgeted spec on 1 worker thread against the spec without a
  // budget on 2 isolated worker processes (a difference from either would show).
  it('1 worker thread with the budget, 2 worker processes without it: byte-identical rows', async () => {
    const dir = path.dirname(c.budget);
    reference = await score({ benchmark: c.budget, submissions: [c.subs], workers: 1, isolation: 'thread', db: path.join(dir, 'one.db') });
    expect(reference.rows.filter((r) => r.status === 'scored').length).toBeGreaterThanOrEqual(3);
    const plain = await score({ benchmark: c.plain, submissions: [c.subs], workers: 2, isolation: 'process', db: path.join(dir, 'plain.db') });
    expect(rowsOf(plain)).toBe(rowsOf(reference));
  }, 180_000);

  it('--shard i/3 (rows mode) then merge: the rows of one arbiter score', async () => {
    const parts = [];
    for (let index = 0; index < 3; index++) {
      const part = await scoreShard({ benchmark: c.budget, submissions: [c.subs], shard: { index, count: 3 }, mode: 'rows', workers: 1, isolation: 'thread', db: path.join(path.dirname(c.budget), `shard${index}.db`) });
      parts.push(parsePart(serializePart(part)));
    }
    expect(rowsOf(mergeShards(parts.reverse()))).toBe(rowsOf(reference));
  }, 180_000);
});

describe('batching.maxTokens in the spec', () => {
  it('is refused below task.contextLength and for a tabular task (E_SPEC_INVALID)', () => {
    const small = variant('choice-demo', 'small', '  size: 4\n  maxTokens: 31\n');
    expect(() => loadBenchmark(small.spec)).toThrow(/batching\.maxTokens: expected at least task\.contextLength \(32\).*found 31/);
    const tab = variant('tabular-demo', 'budget', '  size: 64\n  maxTokens: 4096\n');
    expect(() => loadBenchmark(tab.spec)).toThrow(/batching\.maxTokens: expected no token budget for a classification task/);
  });
});
