// Generates the demo submissions into benchmarks/qwen-chat-demo/submissions/ (git-ignored: each
// folder carries the 11 MB Qwen3 tokenizer). Seeded and counted, so every run writes the same bytes:
//   npx tsx benchmarks/qwen-chat-demo/make-submissions.ts [--force]
import { fileURLToPath } from 'node:url';
import { buildDemoSubmissions } from './submissions.ts';

const dir = fileURLToPath(new URL('./submissions/', import.meta.url));
const made = await buildDemoSubmissions(dir, { force: process.argv.includes('--force') });
for (const [name, folder] of Object.entries(made)) console.log(`${name}: ${folder}`);
