// Assistant-span masks on the real Qwen3 chat template (system, two user turns, two assistant
// turns), including its empty <think> block before the last assistant turn only.
import { describe, expect, it, beforeAll } from 'vitest';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { renderPieces, type RenderFn } from '../../../src/tasks/lm/render.ts';
import { tokenizePieces } from '../../../src/tasks/lm/tokens.ts';
import { lmTokenizerOf } from '../../../src/models/hf/load.ts';
import type { ChatExample } from '../../../src/data/lm-rows.ts';
import { QWEN_DIR } from './helpers.ts';

const conv: ChatExample = {
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Name a colour.' },
    { role: 'assistant', content: 'Blue.' },
    { role: 'user', content: 'Another one, in French?' },
    { role: 'assistant', content: 'Vert, comme la forêt.' },
  ],
};

describe('assistant masks with the Qwen3 template', () => {
  let tok: any;
  let render: RenderFn;
  beforeAll(async () => {
    tok = await AutoTokenizer.from_pretrained(QWEN_DIR);
    render = (messages, tools) => tok.apply_chat_template(messages, { tokenize: false, ...(tools ? { tools } : {}) });
  });

  it('finds exactly the two assistant contents; the <think> block and <|im_end|> are template', () => {
    const pieces = renderPieces(conv, render, null);
    expect(pieces.map((p) => p.text).join('')).toBe(render(conv.messages, undefined));
    expect(pieces.filter((p) => p.kind === 'content').map((p) => p.text)).toEqual(['Blue.', 'Vert, comme la forêt.']);
    const beforeLast = pieces[pieces.length - 3]!; // [..., template, content "Vert…", template "<|im_end|>\n"]
    expect(beforeLast.kind).toBe('template');
    expect(beforeLast.text.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
  });

  it('scored tokens decode to the assistant texts; ids equal tokenizing the whole render', () => {
    const lt = lmTokenizerOf(tok);
    const t = tokenizePieces(renderPieces(conv, render, null), lt, 4096, 'left');
    const whole = tok.encode(render(conv.messages, undefined), { add_special_tokens: false });
    expect(t.ids).toEqual(whole);
    // group consecutive scored tokens into spans and decode each
    const spans: number[][] = [];
    t.scored.forEach((s, j) => { if (s) { if (!t.scored[j - 1]) spans.push([]); spans[spans.length - 1]!.push(t.ids[j]!); } });
    expect(spans.map((s) => tok.decode(s))).toEqual(['Blue.', 'Vert, comme la forêt.']);
    expect(t.byteCount).toBe(new TextEncoder().encode('Blue.Vert, comme la forêt.').length);
    const thinkIds = tok.encode('<think>\n\n</think>\n\n', { add_special_tokens: false });
    const at = t.ids.findIndex((_, j) => thinkIds.every((x: number, k: number) => t.ids[j + k] === x));
    expect(at).toBeGreaterThan(0);
    for (let k = 0; k < thinkIds.length; k++) expect(t.scored[at + k]).toBe(0);
  });

  it("with 'content+eos' the <|im_end|> after each assistant turn is scored too, at 0 bytes", () => {
    const lt = lmTokenizerOf(tok);
    const a = tokenizePieces(renderPieces(conv, render, null), lt, 4096, 'left');
    const b = tokenizePieces(renderPieces(conv, render, '<|im_end|>'), lt, 4096, 'left');
    expect(b.ids).toEqual(a.ids);
    const count = (s: Uint8Array) => s.reduce((x, y) => x + y, 0);
    expect(count(b.scored)).toBe(count(a.scored) + 2);
    expect(b.byteCount).toBe(a.byteCount);
  });

  it('the same assistant message scores the same tokens whether or not it is the last turn', () => {
    const lt = lmTokenizerOf(tok);
    const short: ChatExample = { messages: conv.messages.slice(0, 3) }; // "Blue." is now the last turn (gets <think>)
    const scoredIds = (ex: ChatExample) => { const t = tokenizePieces(renderPieces(ex, render, null), lt, 4096, 'left'); return t.ids.filter((_, j) => t.scored[j]); };
    expect(scoredIds(short)).toEqual(scoredIds(conv).slice(0, scoredIds(short).length));
  });

  it('a user text that contains the assistant text does not shift the span', () => {
    const ex: ChatExample = { messages: [{ role: 'user', content: 'Say "ok" twice: ok ok' }, { role: 'assistant', content: 'ok' }] };
    const pieces = renderPieces(ex, render, null);
    const idx = pieces.findIndex((p) => p.kind === 'content');
    expect(pieces.slice(0, idx).map((p) => p.text).join('')).toContain('ok ok<|im_end|>\n<|im_start|>assistant\n<think>');
  });

  it('an assistant text with </think> changes the Qwen3 template structure: E_CHAT_DATA', () => {
    const ex: ChatExample = { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: '<think>hm</think>answer' }] };
    expect(() => renderPieces(ex, render, null)).toThrow(expect.objectContaining({ code: 'E_CHAT_DATA' }));
  });

  it('a template that copies the answer into the prompt is refused (E_TOKENIZER)', () => {
    const leaky: RenderFn = (messages) => `hint: ${messages[messages.length - 1]!.content}\n` + messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('');
    expect(() => renderPieces(conv, leaky, null)).toThrow(expect.objectContaining({ code: 'E_TOKENIZER' }));
  });

  it('tools are passed to the template (rendered in the system block) and spans still line up', () => {
    const ex: ChatExample = { ...conv, tools: [{ type: 'function', function: { name: 'get_colour', parameters: { type: 'object' } } }] };
    const pieces = renderPieces(ex, render, null);
    expect(pieces[0]!.text).toContain('get_colour');
    expect(pieces.filter((p) => p.kind === 'content').map((p) => p.text)).toEqual(['Blue.', 'Vert, comme la forêt.']);
  });
});
