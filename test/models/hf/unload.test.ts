// A warm LM worker moving to the next submission (unloadLmModels): the previous model's
// onnxruntime session is released at once (a call on it fails instead of scoring), the parsed
// tokenizer is kept for a submission with the same tokenizer files (parsed once), and the next
// model scores the same bits as in a fresh worker.
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { clearLmCache, lmLoadStats, loadLm, unloadLmModels } from '../../../src/models/hf/load.ts';
import { scoreChatBatch } from '../../../src/tasks/lm/chat-score.ts';
import { wordChatBenchmark } from '../../../src/models/hf/word-models.ts';
import type { ChatExample } from '../../../src/data/lm-rows.ts';
import { tempDir } from '../../helpers.ts';

const dir = tempDir('arbiter-unload-');
afterAll(() => { clearLmCache(); rmSync(dir, { recursive: true, force: true }); });
const set = wordChatBenchmark(dir, { rows: 8 });
const examples: ChatExample[] = [
  { messages: [{ role: 'user', content: 'how are you ?' }, { role: 'assistant', content: 'fine thanks .' }] },
  { messages: [{ role: 'user', content: 'the cat' }, { role: 'assistant', content: 'the cat sat on the mat .' }] },
];
const opts = { contextLength: 24, truncation: 'left' as const };

describe('unloadLmModels', () => {
  it('releases the sessions, keeps the shared tokenizer, and the next model scores as in a fresh worker', async () => {
    clearLmCache();
    const fresh = await scoreChatBatch(await loadLm(path.join(set.subs, 'unigram')), examples, opts);
    clearLmCache();
    const parses = lmLoadStats.tokenizerParses;
    const bigram = await loadLm(path.join(set.subs, 'bigram'));
    await scoreChatBatch(bigram, examples, opts);
    expect(lmLoadStats.tokenizerParses).toBe(parses + 1);
    await unloadLmModels();
    // the released session cannot run any more: its native memory is gone, not waiting for GC
    await expect(scoreChatBatch(bigram, examples, opts)).rejects.toThrow();
    const unigram = await loadLm(path.join(set.subs, 'unigram'));
    expect(lmLoadStats.tokenizerParses).toBe(parses + 1);
    const warm = await scoreChatBatch(unigram, examples, opts);
    expect(Buffer.from(warm.nllSums.buffer).toString('hex')).toBe(Buffer.from(fresh.nllSums.buffer).toString('hex'));
    expect(Array.from(warm.tokenCounts)).toEqual(Array.from(fresh.tokenCounts));
    expect(warm.tokenCounts[1]).toBeGreaterThan(0);
  }, 60_000);
});
