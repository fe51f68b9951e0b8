// Truncation: which tokens survive, which are scored, and how bytes are counted when an
// assistant text is cut. Uses the real Qwen3 tokenizer.
import { describe, expect, it, beforeAll } from 'vitest';
import { AutoTokenizer } from '@huggingface/transformers';
import { coveredBytes, tokenizePieces, type LmTokenizer } from '../../../src/tasks/lm/tokens.ts';
import { lmTokenizerOf } from '../../../src/models/hf/load.ts';
import type { RenderPiece } from '../../../src/tasks/lm/render.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { QWEN_DIR, tempDir, wordLevelTokenizer } from './helpers.ts';

const pieces: RenderPiece[] = [
  { kind: 'template', text: '<|im_start|>user\nCount to five.<|im_end|>\n<|im_start|>assistant\n' },
  { kind: 'content', text: 'One, two, three, four, five.' },
  { kind: 'template', text: '<|im_end|>\n' },
];

describe('truncation', () => {
  let tok: any;
  let lt: LmTokenizer;
  let full: ReturnType<typeof tokenizePieces>;
  beforeAll(async () => {
    tok = await AutoTokenizer.from_pretrained(QWEN_DIR);
    lt = lmTokenizerOf(tok);
    full = tokenizePieces(pieces, lt, 10_000, 'left');
  });

  it('no truncation: all content tokens scored, bytes = UTF-8 bytes of the content', () => {
    expect(full.truncated).toBe(0);
    expect(full.byteCount).toBe(28);
    const contentIds = tok.encode(pieces[1]!.text, { add_special_tokens: false });
    expect(full.scored.reduce((a, b) => a + b, 0)).toBe(contentIds.length);
  });

  it("'right' keeps the first tokens: the end of the answer is cut and its bytes not counted", () => {
    const L = full.ids.length - 5; // drops "<|im_end|>\n" (2 tokens) and the last 3 content tokens
    const t = tokenizePieces(pieces, lt, L, 'right');
    expect(t.ids).toEqual(full.ids.slice(0, L));
    expect(t.truncated).toBe(5);
    const kept = full.ids.filter((_, j) => j < L && full.scored[j]);
    expect(t.ids.filter((_, j) => t.scored[j])).toEqual(kept);
    // bytes of the kept tokens: byte-level BPE tokens map 1 character -> 1 byte
    expect(t.byteCount).toBe(new TextEncoder().encode(tok.decode(kept)).length);
    expect(t.byteCount).toBeLessThan(28);
  });

  it("'left' keeps the last tokens; the first kept token is never scored", () => {
    const firstContent = full.scored.indexOf(1);
    const L = full.ids.length - firstContent; // window starts exactly at the first content token
    const t = tokenizePieces(pieces, lt, L, 'left');
    expect(t.ids).toEqual(full.ids.slice(firstContent));
    expect(t.scored[0]).toBe(0);
    expect(t.scored.reduce((a, b) => a + b, 0)).toBe(full.scored.reduce((a, b) => a + b, 0) - 1);
    const firstTokBytes = lt.tokenBytes(full.ids[firstContent]!);
    expect(t.byteCount).toBe(28 - firstTokBytes);
  });

  it("'left' keeping only template tokens scores nothing", () => {
    const t = tokenizePieces(pieces, lt, 2, 'left');
    expect(t.ids.length).toBe(2);
    expect(t.scored.reduce((a, b) => a + b, 0)).toBe(0);
    expect(t.byteCount).toBe(0);
  });

  it('per-token bytes add up to the UTF-8 bytes for multi-byte text split inside a character', () => {
    const text = 'Sí, café ☕ — 東京.';
    const ids: number[] = tok.encode(text, { add_special_tokens: false });
    expect(ids.reduce((s, id) => s + lt.tokenBytes(id), 0)).toBe(new TextEncoder().encode(text).length);
  });
});

describe('bytes under truncation, WordLevel tokenizer (spaces not in tokens, an <unk> word)', () => {
  // "a zebra b  a": a=6, zebra -> <unk>=2, b=7, a=6; 12 UTF-8 bytes. Template pieces: [<|im_start|>, assistant] and [<|im_end|>]
  const wordPieces: RenderPiece[] = [
    { kind: 'template', text: '<|im_start|>assistant\n' },
    { kind: 'content', text: 'a zebra b  a' },
    { kind: 'template', text: '<|im_end|>\n' },
  ];
  let lt: LmTokenizer;
  beforeAll(async () => {
    const dir = tempDir();
    const t = wordLevelTokenizer();
    writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(t.json));
    writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(t.config));
    lt = lmTokenizerOf(await AutoTokenizer.from_pretrained(dir));
  });

  it('tokenizes as the test assumes; not byte-level', () => {
    expect(tokenizePieces(wordPieces, lt, 64, 'left').ids).toEqual([0, 4, 6, 2, 7, 6, 1]);
    expect(lt.byteLevel).toBe(false);
  });

  it('whole message: the bytes of its text', () => {
    expect(tokenizePieces(wordPieces, lt, 64, 'left').byteCount).toBe(12);
  });

  it('left truncation: the source span of the scored tokens, spaces and the unknown word included', () => {
    // keeps [zebra b a <|im_end|>]; zebra is the first kept token (unscored): "b  a" = 4 bytes (per-token decode said 2)
    expect(tokenizePieces(wordPieces, lt, 4, 'left')).toMatchObject({ ids: [2, 7, 6, 1], byteCount: 4 });
    // keeps [a zebra b a <|im_end|>]; a unscored: "zebra b  a" = 10 bytes (per-token decode: "<unk>" 5 + 1 + 1 = 7)
    expect(tokenizePieces(wordPieces, lt, 5, 'left')).toMatchObject({ ids: [6, 2, 7, 6, 1], byteCount: 10 });
  });

  it('right truncation: the span up to the last scored token, with the spaces after it', () => {
    // keeps [<|im_start|> assistant a zebra b]: "a zebra b  " = 11 bytes (per-token decode: 1 + 5 + 1 = 7)
    expect(tokenizePieces(wordPieces, lt, 5, 'right')).toMatchObject({ ids: [0, 4, 6, 2, 7], byteCount: 11 });
  });

  it('coveredBytes: consecutive runs add up to the whole text', () => {
    const ids = lt.encode('a zebra b  a');
    expect(coveredBytes('a zebra b  a', ids, 0, 2, lt) + coveredBytes('a zebra b  a', ids, 2, 4, lt)).toBe(12);
  });
});
