// Main-side parsing of the chat dataset: JSONL rows in the common conversation form
// (optional `system`, `conversations: [{role, content}]`, optional `tools`) or the OpenAI form
// (`messages: [{role, content}]`), validated into plain ChatExample objects that travel to workers.
import { ArbiterError } from '../../errors.ts';

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

/** A multiple-choice row: `{ context: string, choices: string[], label: int }` (lm-eval's doc_to_text / doc_to_choice / doc_to_target). */
export function choiceRowFromJson(row: unknown, line: number): { example: { context: string; choices: string[] }; label: number } {
  const r = (row && typeof row === 'object' ? row : {}) as Record<string, unknown>;
  if (typeof r.context !== 'string') fail(line, '"context" must be a string');
  if (!Array.isArray(r.choices) || r.choices.length < 2 || !r.choices.every((c) => typeof c === 'string' && c.length > 0)) {
    fail(line, '"choices" must be an array of at least 2 non-empty strings');
  }
  const choices = r.choices as string[];
  if (!Number.isInteger(r.label) || (r.label as number) < 0 || (r.label as number) >= choices.length) {
    fail(line, `"label" must be an integer index into the ${choices.length} choices, found ${JSON.stringify(r.label)}`);
  }
  return { example: { context: r.context, choices }, label: r.label as number };
}

/** A sequence-classification row: `{ text: string, label: int in [0, numClasses) }`. */
export function textRowFromJson(row: unknown, line: number, numClasses: number): { text: string; label: number } {
  const r = (row && typeof row === 'object' ? row : {}) as Record<string, unknown>;
  if (typeof r.text !== 'string') fail(line, '"text" must be a string');
  if (!Number.isInteger(r.label) || (r.label as number) < 0 || (r.label as number) >= numClasses) {
    fail(line, `"label" must be an integer in [0, ${numClasses}), found ${JSON.stringify(r.label)}`);
  }
  return { text: r.text, label: r.label as number };
}
