// Real piscina workers running the LM worker module: 1 worker and 2 workers give bit-identical
// per-example NLL sums; a batch of mixed lengths (right-padded, with an attention mask that the
// model reads) gives each example the same bits as scoring it alone, and so does a batch cut into
// passes by a token budget.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { Piscina } from 'piscina';
import { randomLm } from '../../../src/models/hf/tiny-lm.ts';
import { loadLm } from '../../../src/models/hf/load.ts';
import { scoreChatBatch } from '../../../src/tasks/lm/chat-score.ts';
import { lmPoolOptions } from '../../../src/tasks/lm/pool.ts';
import type { LmTaskMessage, LmTaskResult } from '../../../src/tasks/lm/worker.ts';
import type { ChatExample } from '../../../src/data/lm-rows.ts';
import { QWEN_VOCAB, qwenFolder, tempDir } from './helpers.ts';

const say = (u: string, a: string, sys?: string): ChatExample => ({
  messages: [...(sys ? [{ role: 'system' as const, content: sys }] : []), { role: 'user', content: u }, { role: 'assistant', content: a }],
});
const examples: ChatExample[] = [
  say('Hi', 'Hello! How can I help you today?'),
  say('What is 2 + 2?', '4.', 'You are a calculator.'),
  { messages: [{ role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: 'Paris.' }, { role: 'user', content: 'And of Japan?' }, { role: 'assistant', content: 'Tokyo (東京), since 1868.' }] },
  say('Translate "cat" to German.', 'Katze.'),
  say('Tell me a very short story.', 'A fox found a key, opened a door, and found another fox holding a key.'),
  say('¿Qué hora es?', 'No lo sé: no tengo reloj.'),
];
const opts = { contextLength: 256, truncation: 'left' as const };
const bitsOf = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('LM worker pool', () => {
  let folder: string;
  const pools: Piscina[] = [];
  beforeAll(() => {
    folder = qwenFolder(path.join(tempDir(), 'mixer'), randomLm(QWEN_VOCAB, 42, 32, 16, 1, 0.5));
  });
  afterAll(async () => { for (const p of pools) await p.destroy(); });

  async function scoreWith(threads: number, batchSize: number): Promise<Float64Array> {
    const pool = new Piscina({ ...lmPoolOptions(), minThreads: threads, maxThreads: threads });
    pools.push(pool);
    const batches: ChatExample[][] = [];
    for (let i = 0; i < examples.length; i += batchSize) batches.push(examples.slice(i, i + batchSize));
    const results = await Promise.all(batches.map((b) => pool.run({ kind: 'chat-loss', folder, examples: b, options: opts } satisfies LmTaskMessage) as Promise<LmTaskResult>));
    const out = new Float64Array(examples.length);
    let k = 0;
    for (const r of results) {
      if (!r.ok || r.kind !== 'chat-loss') throw new Error(JSON.stringify(r));
      out.set(r.scores.nllSums, k);
      k += r.scores.nllSums.length;
    }
    return out;
  }

  it('1 worker and 2 workers give identical bits (fixed batch plan of 2)', async () => {
    const one = await scoreWith(1, 2);
    const two = await scoreWith(2, 2);
    expect(one.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(bitsOf(two)).toBe(bitsOf(one));
  }, 120_000);

  it('padding inside a batch of mixed lengths does not change a single example’s bits', async () => {
    const model = await loadLm(folder);
    const together = await scoreChatBatch(model, examples, opts);
    const alone = new Float64Array(examples.length);
    for (let i = 0; i < examples.length; i++) alone[i] = (await scoreChatBatch(model, [examples[i]!], opts)).nllSums[0]!;
    expect(bitsOf(together.nllSums)).toBe(bitsOf(alone));
  }, 120_000);

  it('a token budget (batching.maxTokens) cuts the batch into passes within it; every example keeps its bits', async () => {
    const model = await loadLm(folder);
    const whole = await scoreChatBatch(model, examples, opts);
    const passes: number[][] = [];
    const counting = { ...model, tokenLogProbs: (ids: BigInt64Array, mask: BigInt64Array, batch: number, seq: number, pos: BigInt64Array, tgt: BigInt64Array) => {
      passes.push([batch, seq]);
      return model.tokenLogProbs(ids, mask, batch, seq, pos, tgt);
    } };
    const budget = 64;
    const cut = await scoreChatBatch(counting, examples, { ...opts, maxTokens: budget });
    expect(passes.length).toBeGreaterThan(1);
    expect(passes.reduce((n, [b]) => n + b!, 0)).toBe(examples.length);
    for (const [b, s] of passes) if (b! > 1) expect(b! * s!).toBeLessThanOrEqual(budget);
    expect(bitsOf(cut.nllSums)).toBe(bitsOf(whole.nllSums));
    expect(bitsOf(cut.tokenCounts)).toBe(bitsOf(whole.tokenCounts));
    expect(bitsOf(cut.byteCounts)).toBe(bitsOf(whole.byteCounts));
  }, 120_000);

  it('a bad submission comes back as error data, not a crash', async () => {
    const pool = new Piscina({ ...lmPoolOptions(), minThreads: 1, maxThreads: 1 });
    pools.push(pool);
    const r = await pool.run({ kind: 'chat-loss', folder: path.join(tempDir(), 'nothing-here'), examples, options: opts } satisfies LmTaskMessage) as LmTaskResult;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('E_MODEL_FORMAT');
  }, 60_000);
});
