// `npm run bench` section for language models: chat-loss and multiple-choice throughput
// (tokens/s) on a tiny model over the real Qwen3 vocabulary (151,669 logits per position), with 1
// and 2 piscina workers. Small on purpose (the machine is shared): 24 hidden demo conversations,
// batches of 4; 12 four-choice questions made from them (a user turn and four assistant answers).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { randomLm, qwenTokenizerDir, tinyLmOnnx, writeLmFolder } from '../src/models/hf/tiny-lm.ts';
import { parseChatJsonl, type ChatExample } from '../src/data/lm-rows.ts';
import { lmPoolOptions } from '../src/tasks/lm/pool.ts';
import type { LmTaskMessage, LmTaskResult } from '../src/tasks/lm/worker.ts';
import type { ChoiceExample } from '../src/tasks/lm/choice-score.ts';
import { loadLm } from '../src/models/hf/load.ts';
import { prepareChatExample } from '../src/tasks/lm/chat-score.ts';

const CONVERSATIONS = 24;
const BATCH = 4;

export async function runLmBench(opts: { log: (line: string) => void }): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'arbiter-lm-bench-'));
  try {
    const q = qwenTokenizerDir();
    const folder = writeLmFolder(path.join(dir, 'tiny'), {
      onnx: tinyLmOnnx(randomLm(151669, 1, 64, 16, 1, 0.5)),
      tokenizerJsonPath: path.join(q, 'tokenizer.json'), tokenizerConfigPath: path.join(q, 'tokenizer_config.json'),
    });
    const jsonl = readFileSync(new URL('../datasets/qwen-chat-demo/chat.jsonl', import.meta.url), 'utf8');
    const examples = parseChatJsonl(jsonl).slice(0, CONVERSATIONS);
    const options = { contextLength: 512, truncation: 'left' as const };
    // token counts (model input and scored), measured once in this thread
    const m = await loadLm(folder);
    let inputTokens = 0;
    let scoredTokens = 0;
    for (const ex of examples) {
      const p = prepareChatExample(m, ex, options);
      inputTokens += p.ids.length;
      scoredTokens += p.scored.reduce((a, b) => a + b, 0);
    }
    const batches: ChatExample[][] = [];
    for (let i = 0; i < examples.length; i += BATCH) batches.push(examples.slice(i, i + BATCH));
    let reference: string | null = null;
    for (const threads of [1, 2]) {
      const pool = new Piscina({ ...lmPoolOptions(), minThreads: threads, maxThreads: threads });
      try {
        // warm-up: each worker loads the tokenizer and the model once (not timed)
        await Promise.all(Array.from({ length: threads }, () => pool.run({ kind: 'chat-loss', folder, examples: [examples[0]!], options } satisfies LmTaskMessage)));
        const t0 = performance.now();
        const results = (await Promise.all(batches.map((b) => pool.run({ kind: 'chat-loss', folder, examples: b, options } satisfies LmTaskMessage)))) as LmTaskResult[];
        const s = (performance.now() - t0) / 1000;
        const bits = results.map((r) => (r.ok && r.kind === 'chat-loss' ? Buffer.from(r.scores.nllSums.buffer).toString('hex') : JSON.stringify(r))).join('');
        reference ??= bits;
        opts.log(`lm chat-loss  qwen3-vocab tiny LM  workers=${threads}  batch=${BATCH}  ${examples.length} conv  ` +
          `${(inputTokens / s).toFixed(0)} input tok/s  ${(scoredTokens / s).toFixed(1)} scored tok/s  (${s.toFixed(2)} s)  ` +
          `bits ${bits === reference ? 'identical to workers=1' : 'DIFFER from workers=1'}`);
      } finally {
        await pool.destroy();
      }
    }
    await choiceBench(folder, examples, opts.log);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Multiple choice: 12 questions x 4 choices; input tokens = context + continuation of every choice. */
async function choiceBench(folder: string, chats: ChatExample[], log: (line: string) => void): Promise<void> {
  const text = (ex: ChatExample, role: string) => ex.messages.find((m) => m.role === role)?.content ?? '';
  const questions: ChoiceExample[] = Array.from({ length: 12 }, (_, i) => ({
    context: text(chats[i]!, 'user'), choices: [0, 1, 2, 3].map((k) => text(chats[(i + k) % chats.length]!, 'assistant')),
  }));
  const options = { contextLength: 512, delimiter: ' ' };
  const m = await loadLm(folder);
  let inputTokens = 0;
  for (const q of questions) {
    const ctx = m.tokenizer.encode(q.context).length;
    for (const c of q.choices) inputTokens += Math.min(512, ctx + m.tokenizer.encode(' ' + c).length);
  }
  const batches: ChoiceExample[][] = [];
  for (let i = 0; i < questions.length; i += BATCH) batches.push(questions.slice(i, i + BATCH));
  let reference: string | null = null;
  for (const threads of [1, 2]) {
    const pool = new Piscina({ ...lmPoolOptions(), minThreads: threads, maxThreads: threads });
    try {
      await Promise.all(Array.from({ length: threads }, () => pool.run({ kind: 'multiple-choice', folder, examples: [questions[0]!], options } satisfies LmTaskMessage)));
      const t0 = performance.now();
      const results = (await Promise.all(batches.map((b) => pool.run({ kind: 'multiple-choice', folder, examples: b, options } satisfies LmTaskMessage)))) as LmTaskResult[];
      const s = (performance.now() - t0) / 1000;
      const bits = results.map((r) => (r.ok && r.kind === 'multiple-choice' ? Buffer.from(r.scores.logliks.buffer).toString('hex') : JSON.stringify(r))).join('');
      reference ??= bits;
      log(`lm multiple-choice  qwen3-vocab tiny LM  workers=${threads}  batch=${BATCH}  ${questions.length} questions x 4 choices  ` +
        `${(inputTokens / s).toFixed(0)} input tok/s  ${(questions.length / s).toFixed(2)} questions/s  (${s.toFixed(2)} s)  ` +
        `bits ${bits === reference ? 'identical to workers=1' : 'DIFFER from workers=1'}`);
    } finally {
      await pool.destroy();
    }
  }
}

// run alone: npx tsx bench/lm.ts
if (import.meta.url === `file://${process.argv[1]}`) await runLmBench({ log: (l) => console.log(l) });
