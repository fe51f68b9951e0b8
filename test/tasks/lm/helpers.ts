// Test fixtures for language-model tests: the real Qwen3 tokenizer files and a hand-written
// ChatML WordLevel tokenizer whose tokens are easy to count by hand.
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import os from 'node:os';
import { qwenTokenizerDir, tinyLmOnnx, writeLmFolder, type TinyLmWeights } from '../../../src/models/hf/tiny-lm.ts';

export const QWEN_DIR = qwenTokenizerDir();
export const QWEN_VOCAB = 151669;

const created: string[] = [];
// each test file that imports these helpers removes its temp folders (Qwen folders are 13 MB each)
afterAll(() => { for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true }); });

export function tempDir(prefix = 'arbiter-lm-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(d);
  return d;
}

export function qwenFolder(dir: string, w: TinyLmWeights, config: Record<string, unknown> = {}): string {
  return writeLmFolder(dir, {
    onnx: tinyLmOnnx(w), config,
    tokenizerJsonPath: path.join(QWEN_DIR, 'tokenizer.json'), tokenizerConfigPath: path.join(QWEN_DIR, 'tokenizer_config.json'),
  });
}

/** ChatML template that writes each message verbatim (no extra blocks). */
export const CHATML_TEMPLATE = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}";

/** WordLevel vocabulary: 8 tokens; "a" = 6, "b" = 7. */
export const WORD_VOCAB: Record<string, number> = { '<|im_start|>': 0, '<|im_end|>': 1, '<unk>': 2, user: 3, assistant: 4, system: 5, a: 6, b: 7 };

export function wordLevelTokenizer(vocab: Record<string, number> = WORD_VOCAB): { json: unknown; config: unknown } {
  const special = ['<|im_start|>', '<|im_end|>', '<unk>'];
  return {
    json: {
      version: '1.0', truncation: null, padding: null,
      added_tokens: special.map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
      model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
    },
    config: { unk_token: '<unk>', eos_token: '<|im_end|>', pad_token: '<|im_end|>', chat_template: CHATML_TEMPLATE, tokenizer_class: 'PreTrainedTokenizer' },
  };
}

export function wordLevelFolder(dir: string, w: TinyLmWeights, config: Record<string, unknown> = {}): string {
  const t = wordLevelTokenizer();
  return writeLmFolder(dir, { onnx: tinyLmOnnx(w), config, tokenizerJson: t.json, tokenizerConfig: t.config });
}

/** Test-side aggregate: corpus bits per byte = total NLL / total bytes / ln 2 (plain arithmetic). */
export function testBitsPerByte(nllSums: Float64Array, byteCounts: Float64Array): number {
  let nll = 0;
  let bytes = 0;
  for (let i = 0; i < nllSums.length; i++) { nll += nllSums[i]!; bytes += byteCounts[i]!; }
  return nll / bytes / Math.LN2;
}
