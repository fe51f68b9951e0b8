// The qwen-chat-demo benchmark end to end on a slice of its hidden set: the committed chat.jsonl
// is what the seeded generator writes, its sha256 is the one benchmark.yaml commits to, the demo
// submissions pass the spec's admission rules, and they rank bigram < unigram < random.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { generateConversations, HIDDEN_SEED, toJsonl } from '../../../datasets/qwen-chat-demo/generate.ts';
import { buildDemoSubmissions, DEMO_SUBMISSIONS } from '../../../benchmarks/qwen-chat-demo/submissions.ts';
import { parseChatJsonl } from '../../../src/data/lm-rows.ts';
import { chatLossTaskSchema, admissionRulesOf } from '../../../src/benchmark/lm-task.ts';
import { admitLmFolder } from '../../../src/models/hf/admission.ts';
import { loadLm } from '../../../src/models/hf/load.ts';
import { scoreChatBatch } from '../../../src/tasks/lm/chat-score.ts';
import { tempDir, testBitsPerByte } from './helpers.ts';

const root = new URL('../../../', import.meta.url);
const jsonl = readFileSync(new URL('datasets/qwen-chat-demo/chat.jsonl', root), 'utf8');
const spec = parseYaml(readFileSync(new URL('benchmarks/qwen-chat-demo/benchmark.yaml', root), 'utf8'));

describe('qwen-chat-demo', () => {
  it('chat.jsonl is the seeded generator output and matches the committed sha256', () => {
    expect(jsonl).toBe(toJsonl(generateConversations(HIDDEN_SEED, 300)));
    expect(createHash('sha256').update(jsonl).digest('hex')).toBe(spec.dataset.sha256);
    expect(parseChatJsonl(jsonl)).toHaveLength(300);
  });

  describe('demo submissions', () => {
    let folders: Record<string, string>;
    beforeAll(async () => { folders = await buildDemoSubmissions(tempDir('arbiter-demo-')); }, 120_000);

    it('pass the spec admission rules', () => {
      const task = chatLossTaskSchema.parse(spec.task);
      for (const n of DEMO_SUBMISSIONS) expect(admitLmFolder(folders[n]!, admissionRulesOf(task)).modelType).toBe('qwen3');
    });

    it('rank bigram-fitted < unigram-fitted < random in bits per byte (first 8 hidden conversations)', async () => {
      const task = chatLossTaskSchema.parse(spec.task);
      const examples = parseChatJsonl(jsonl).slice(0, 8);
      const bpb: Record<string, number> = {};
      for (const n of DEMO_SUBMISSIONS) {
        const r = await scoreChatBatch(await loadLm(folders[n]!), examples, task);
        bpb[n] = testBitsPerByte(r.nllSums, r.byteCounts);
      }
      expect(bpb['bigram-fitted']!).toBeLessThan(bpb['unigram-fitted']!);
      expect(bpb['unigram-fitted']!).toBeLessThan(bpb.random!);
      expect(bpb['bigram-fitted']!).toBeLessThan(2);
    }, 300_000);
  });
});
