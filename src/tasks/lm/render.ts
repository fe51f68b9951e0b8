// Renders a conversation with the submission's own chat template and cuts the rendered text into
// pieces: template text and message contents, with the assistant contents marked as "scored".
//
// How the assistant spans are found (robust to templates that add text around messages, such as
// Qwen3's empty `<think>\n\n</think>\n\n` block before the last assistant turn):
//   1. Render a *skeleton*: the same conversation with every content replaced by a unique
//      placeholder. Splitting the skeleton at the placeholders gives the template's own text
//      between messages (tpl_0 … tpl_n), whatever the template adds and wherever it adds it.
//   2. Render the real conversation and walk it: it must read tpl_0, content_0, tpl_1, … tpl_n.
//      A content may appear verbatim or as the template transforms it (leading newlines
//      stripped); the variant is accepted only if the next template piece follows it exactly,
//      so a message text that happens to contain template text cannot shift a span.
// A template that does not write each message content exactly once fails with E_TOKENIZER (this
// also catches a template that copies an assistant answer into the prompt); a content that
// changes the template's structure (under Qwen3, an assistant text containing `</think>`)
// fails with E_CHAT_DATA.
import { ArbiterError } from '../../errors.ts';
import type { ChatExample, ChatMessage } from '../../data/lm-rows.ts';

export interface RenderPiece {
  text: string;
  /** 'content': an assistant message's text; 'eos': the end-of-turn token right after it; 'template': everything else */
  kind: 'template' | 'content' | 'eos';
}

/** Renders messages with the chat template (transformers.js apply_chat_template, tokenize: false). */
export type RenderFn = (messages: ChatMessage[], tools: unknown[] | undefined) => string;

const placeholder = (i: number) => `\u0001ARBITER_MSG_${i}\u0002`;

function contentVariants(content: string): string[] {
  const v = [content];
  const l = content.replace(/^\n+/, '');
  if (l !== content) v.push(l);
  const t = content.replace(/\n+$/, '');
  if (t !== content) v.push(t);
  const lt = l.replace(/\n+$/, '');
  if (lt !== l && lt !== t) v.push(lt);
  return v;
}

/**
 * Render and split. `eosToken` (e.g. '<|im_end|>') is split off the template piece right after
 * each assistant content as an 'eos' piece when that piece starts with it.
 */
export function renderPieces(example: ChatExample, render: RenderFn, eosToken: string | null): RenderPiece[] {
  const msgs = example.messages;
  const skeleton = render(msgs.map((m, i) => ({ role: m.role, content: placeholder(i) })), example.tools);
  const tpl: string[] = [];
  let rest = skeleton;
  for (let i = 0; i < msgs.length; i++) {
    const p = placeholder(i);
    const first = skeleton.indexOf(p);
    const at = rest.indexOf(p);
    if (first < 0 || skeleton.indexOf(p, first + p.length) >= 0 || at < 0) {
      throw new ArbiterError('E_TOKENIZER', `the chat template does not write message ${i} (${msgs[i]!.role}) exactly once and in order, so its span cannot be located`, { message: i });
    }
    tpl.push(rest.slice(0, at));
    rest = rest.slice(at + p.length);
  }
  tpl.push(rest);

  const text = render(msgs, example.tools);
  const pieces: RenderPiece[] = [];
  if (!text.startsWith(tpl[0]!)) throw mismatch(0, text, 0);
  let pos = tpl[0]!.length;
  pieces.push({ text: tpl[0]!, kind: 'template' });
  for (let i = 0; i < msgs.length; i++) {
    const next = tpl[i + 1]!;
    const found = contentVariants(msgs[i]!.content).find((c) => text.startsWith(c, pos) && text.startsWith(next, pos + c.length)
      && (i + 1 < msgs.length || pos + c.length + next.length === text.length));
    if (found === undefined) throw mismatch(i, text, pos);
    const isAssistant = msgs[i]!.role === 'assistant';
    pieces.push({ text: found, kind: isAssistant ? 'content' : 'template' });
    pos += found.length;
    if (isAssistant && eosToken && next.startsWith(eosToken)) {
      pieces.push({ text: eosToken, kind: 'eos' });
      pieces.push({ text: next.slice(eosToken.length), kind: 'template' });
    } else {
      pieces.push({ text: next, kind: 'template' });
    }
    pos += next.length;
  }
  // merge neighbouring template pieces and drop empty ones: fewer tokenizer cuts
  const merged: RenderPiece[] = [];
  for (const p of pieces) {
    if (p.text === '') continue;
    const last = merged[merged.length - 1];
    if (last && last.kind === 'template' && p.kind === 'template') last.text += p.text;
    else merged.push({ ...p });
  }
  return merged;
}

function mismatch(i: number, text: string, pos: number): ArbiterError {
  return new ArbiterError('E_CHAT_DATA',
    `the chat template changes message ${i} or the text around it (rendered text at offset ${pos}: ${JSON.stringify(text.slice(pos, pos + 40))}); ` +
    'assistant spans cannot be located (under Qwen3, an assistant text containing </think> does this)', { message: i, offset: pos });
}
