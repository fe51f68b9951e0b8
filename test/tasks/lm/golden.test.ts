// Golden bits-per-byte on models whose probabilities are known exactly: every logit is 0 or
// -1000 (exp(-1000) is exactly 0 in float64), so each probability is exactly 1/k.
import { describe, expect, it, beforeAll } from 'vitest';
import path from 'node:path';
import { bigramTableLm, randomLm } from '../../../src/models/hf/tiny-lm.ts';
import { loadLm, type LoadedLm } from '../../../src/models/hf/load.ts';
import { scoreChatBatch, prepareChatExample } from '../../../src/tasks/lm/chat-score.ts';
import type { ChatExample } from '../../../src/data/lm-rows.ts';
import { QWEN_VOCAB, qwenFolder, tempDir, testBitsPerByte, wordLevelFolder } from './helpers.ts';

const V = 8;
const conv: ChatExample = { messages: [{ role: 'user', content: 'b a' }, { role: 'assistant', content: 'a b' }] };
const opts = { contextLength: 64, truncation: 'left' as const };

function table(rows: Record<number, number[]>): Float32Array {
  // rows[prev] = the tokens that get logit 0 after `prev`; all others -1000. Unlisted rows: uniform.
  const t = new Float32Array(V * V);
  for (let p = 0; p < V; p++) {
    const allowed = rows[p];
    if (allowed) for (let k = 0; k < V; k++) t[p * V + k] = allowed.includes(k) ? 0 : -1000;
  }
  return t;
}

describe('golden bits per byte', () => {
  let uniform: LoadedLm;
  let peaked: LoadedLm;
  beforeAll(async () => {
    const root = tempDir();
    uniform = await loadLm(wordLevelFolder(path.join(root, 'uniform'), bigramTableLm(V, new Float32Array(V * V))));
    // after "assistant" (4): 'a' or 'b' (p = 1/2); after 'a' (6): one of 4 tokens (p = 1/4)
    peaked = await loadLm(wordLevelFolder(path.join(root, 'peaked'), bigramTableLm(V, table({ 4: [6, 7], 6: [4, 5, 6, 7] }))));
  });

  it('renders and masks the hand-countable conversation', () => {
    const p = prepareChatExample(uniform, conv, opts);
    // <|im_start|> user b a <|im_end|> <|im_start|> assistant | a b | <|im_end|>
    expect(p.ids).toEqual([0, 3, 7, 6, 1, 0, 4, 6, 7, 1]);
    expect([...p.scored]).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 0]);
    expect(p.byteCount).toBe(3); // "a b"
  });

  it('uniform over 8 tokens: 3 bits per token, 2 tokens over 3 bytes = 2 bits per byte', async () => {
    const r = await scoreChatBatch(uniform, [conv], opts);
    expect(r.tokenCounts[0]).toBe(2);
    expect(r.byteCounts[0]).toBe(3);
    expect(r.nllSums[0]).toBe(2 * Math.log(8)); // exact: logsumexp of eight zeros is log(8)
    expect(testBitsPerByte(r.nllSums, r.byteCounts)).toBeCloseTo(2, 14);
  });

  it('p = 1/2 then 1/4: 1 + 2 bits over 3 bytes = 1 bit per byte', async () => {
    const r = await scoreChatBatch(peaked, [conv], opts);
    expect(r.nllSums[0]).toBe(Math.log(2) + Math.log(4));
    expect(testBitsPerByte(r.nllSums, r.byteCounts)).toBeCloseTo(1, 14);
  });

  it('eos scoring adds the end-of-turn token at 0 bytes', async () => {
    const r = await scoreChatBatch(uniform, [conv], { ...opts, scoredTokens: 'content+eos' });
    expect(r.tokenCounts[0]).toBe(3);
    expect(r.byteCounts[0]).toBe(3);
    expect(r.nllSums[0]).toBe(3 * Math.log(8));
  });

  it('real Qwen3 vocabulary, all-zero logits: log2(151669) bits per scored token', async () => {
    const w = randomLm(QWEN_VOCAB, 1, 8, 4, 0); // E = U = 0 -> every logit is 0
    const m = await loadLm(qwenFolder(path.join(tempDir(), 'zero'), w));
    const ex: ChatExample = { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello there!' }] };
    const r = await scoreChatBatch(m, [ex], opts);
    // "Hello there!" is 3 Qwen tokens (Hello, Ġthere, !) and 12 bytes
    expect(r.tokenCounts[0]).toBe(3);
    expect(r.byteCounts[0]).toBe(12);
    expect(testBitsPerByte(r.nllSums, r.byteCounts)).toBeCloseTo((3 * Math.log2(QWEN_VOCAB)) / 12, 12);
  }, 60_000);
});
