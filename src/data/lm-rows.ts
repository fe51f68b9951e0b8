// Main-side parsing of the chat dataset: JSONL rows in the common conversation form
// (optional `system`, `conversations: [{role, content}]`, optional `tools`) or the OpenAI form
// (`messages: [{role, content}]`), validated into plain ChatExample objects that travel to workers.
import { ArbiterError } from '../errors.ts';

export type ChatRole = 'system' | 'user' | 'assistant';
export interface ChatMessage { role: ChatRole; content: string }
/** One conversation, ready to render with a chat template. Plain JSON: it crosses the worker boundary as is. */
export interface ChatExample {
  messages: ChatMessage[];
  /** tool definitions passed to the template as `tools` (JSON values, kept as given) */
  tools?: unknown[];
}

const ROLES = new Set<string>(['system', 'user', 'assistant']);

function fail(line: number, message: string): never {
  throw new ArbiterError('E_CHAT_DATA', `chat data line ${line}: ${message}`, { line });
}

/** Validate one parsed row (line is 1-based, for messages). */
export function chatExampleFromRow(row: unknown, line: number): ChatExample {
  if (!row || typeof row !== 'object' || Array.isArray(row)) fail(line, `expected a JSON object, found ${JSON.stringify(row)?.slice(0, 40)}`);
  const r = row as Record<string, unknown>;
  const hasConv = r.conversations !== undefined;
  const hasMsgs = r.messages !== undefined;
  if (hasConv === hasMsgs) fail(line, 'expected exactly one of "conversations" or "messages"');
  const list = hasConv ? r.conversations : r.messages;
  if (!Array.isArray(list) || list.length === 0) fail(line, 'expected a non-empty array of {role, content} turns');
  const messages: ChatMessage[] = [];
  if (r.system !== undefined) {
    if (typeof r.system !== 'string') fail(line, `"system" must be a string, found ${typeof r.system}`);
    if (r.system.length > 0) messages.push({ role: 'system', content: r.system });
  }
  list.forEach((m, i) => {
    if (!m || typeof m !== 'object') fail(line, `turn ${i} is not an object`);
    const { role, content } = m as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role)) fail(line, `turn ${i}: role must be user, assistant or system, found ${JSON.stringify(role)}`);
    if (typeof content !== 'string') fail(line, `turn ${i}: content must be a string, found ${typeof content}`);
    if (role === 'system' && (messages.length > 0 || i > 0)) fail(line, `turn ${i}: a system turn is only allowed first (and not together with "system")`);
    messages.push({ role: role as ChatRole, content });
  });
  if (!messages.some((m) => m.role === 'assistant' && m.content.length > 0)) fail(line, 'no assistant turn with text: nothing to score');
  const ex: ChatExample = { messages };
  if (r.tools !== undefined) {
    if (!Array.isArray(r.tools)) fail(line, '"tools" must be an array');
    ex.tools = r.tools;
  }
  return ex;
}

/** Parse a whole JSONL text (blank lines skipped). Throws E_CHAT_DATA with the line number. */
export function parseChatJsonl(text: string): ChatExample[] {
  const out: ChatExample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    if (s === '') continue;
    let row: unknown;
    try { row = JSON.parse(s); } catch (e) { fail(i + 1, `not valid JSON (${(e as Error).message})`); }
    out.push(chatExampleFromRow(row, i + 1));
  }
  if (out.length === 0) throw new ArbiterError('E_CHAT_DATA', 'chat data has no rows');
  return out;
}

function failAs(kind: string, line: number, message: string): never {
  throw new ArbiterError('E_CHAT_DATA', `${kind} data line ${line}: ${message}`, { line });
}

const isObject = (row: unknown): row is Record<string, unknown> => !!row && typeof row === 'object' && !Array.isArray(row);

/**
 * A multiple-choice row: `{ context, choices: string[], label }` (lm-eval's doc_to_text /
 * doc_to_choice / doc_to_target). `query` is accepted for context and `gold` for label (the
 * names of lm-eval's own multiple-choice JSONL). The label is the gold choice's 0-based index, or
 * its exact text when that text occurs once among the choices.
 */
export function choiceRowFromJson(row: unknown, line: number): { example: { context: string; choices: string[] }; label: number } {
  const f = (m: string): never => failAs('multiple-choice', line, m);
  if (!isObject(row)) f(`expected a JSON object, found ${JSON.stringify(row)?.slice(0, 40)}`);
  const r = row as Record<string, unknown>;
  const pick = (a: string, b: string): unknown => {
    if (r[a] !== undefined && r[b] !== undefined) f(`give "${a}" or "${b}", not both`);
    return r[a] !== undefined ? r[a] : r[b];
  };
  const context = pick('context', 'query');
  if (typeof context !== 'string') f(`"context" (or "query") must be a string, found ${context === undefined ? 'nothing' : typeof context}`);
  const choices = r.choices;
  if (!Array.isArray(choices) || choices.length < 2 || !choices.every((c) => typeof c === 'string' && c.length > 0)) {
    f('"choices" must be an array of at least 2 non-empty strings');
  }
  const cs = choices as string[];
  const label = pick('label', 'gold');
  let index: number;
  if (typeof label === 'string') {
    const hits = cs.flatMap((c, i) => (c === label ? [i] : []));
    if (hits.length !== 1) f(`"label" ${JSON.stringify(label)} must be exactly one of the choices' texts (found ${hits.length} matches)`);
    index = hits[0]!;
  } else {
    if (!Number.isInteger(label) || (label as number) < 0 || (label as number) >= cs.length) {
      f(`"label" (or "gold") must be an integer index into the ${cs.length} choices or one choice's text, found ${JSON.stringify(label)}`);
    }
    index = label as number;
  }
  return { example: { context: context as string, choices: cs }, label: index };
}

/**
 * A sequence-classification row: `{ text, label }`, the label a class index in [0, numClasses)
 * or, when the task names its classes (`task.labels`), one of those names.
 */
export function textRowFromJson(row: unknown, line: number, numClasses: number, names?: readonly string[]): { text: string; label: number } {
  const f = (m: string): never => failAs('classification', line, m);
  if (!isObject(row)) f(`expected a JSON object, found ${JSON.stringify(row)?.slice(0, 40)}`);
  const r = row as Record<string, unknown>;
  if (typeof r.text !== 'string') f(`"text" must be a string, found ${r.text === undefined ? 'nothing' : typeof r.text}`);
  const label = r.label;
  if (typeof label === 'string') {
    const i = names ? names.indexOf(label) : -1;
    if (i < 0) f(names ? `"label" ${JSON.stringify(label)} is not one of the class names ${names.join(', ')}` : `"label" must be a class index (the task names no classes), found ${JSON.stringify(label)}`);
    return { text: r.text as string, label: i };
  }
  if (!Number.isInteger(label) || (label as number) < 0 || (label as number) >= numClasses) {
    f(`"label" must be an integer in [0, ${numClasses})${names ? ' or a class name' : ''}, found ${JSON.stringify(label)}`);
  }
  return { text: r.text as string, label: label as number };
}
