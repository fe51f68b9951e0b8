// Writes datasets/qwen-chat-demo/chat.jsonl, the hidden set of the qwen-chat-demo benchmark:
//   npx tsx datasets/qwen-chat-demo/make.ts
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { generateConversations, HIDDEN_SEED, toJsonl } from './generate.ts';

export const HIDDEN_ROWS = 300;
const text = toJsonl(generateConversations(HIDDEN_SEED, HIDDEN_ROWS));
const out = new URL('./chat.jsonl', import.meta.url);
writeFileSync(out, text);
console.log(`wrote ${out.pathname}: ${HIDDEN_ROWS} conversations, ${text.length} bytes, sha256 ${createHash('sha256').update(text).digest('hex')}`);
