// Generates the demo submissions into benchmarks/sentiment-demo/submissions/ (git-ignored; seeded, so every
// run writes the same bytes):
//   npx tsx benchmarks/sentiment-demo/make-submissions.ts [--force]
import { fileURLToPath } from 'node:url';
import { buildDemoSubmissions } from './submissions.ts';

const dir = fileURLToPath(new URL('./submissions/', import.meta.url));
const made = await buildDemoSubmissions(dir, { force: process.argv.includes('--force') });
for (const [name, folder] of Object.entries(made)) console.log(`${name}: ${folder}`);
