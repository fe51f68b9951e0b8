// Generated demo submissions of the bundled benchmarks. Their models are too large to commit
// (qwen-chat-demo's carry an 11 MB tokenizer each), so `arbiter score` builds the missing ones into
// submissions/ on first use (seeded, offline). The generators are engine code (src/demo/, compiled
// to dist/ with the rest): only a benchmark folder under the bundled benchmarks folder with an entry
// in DEMO_GENERATORS gets one, so neither a spec nor a file beside it can make arbiter run code.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEMO_GENERATORS } from './bundled.ts';
import { BUNDLED_BENCHMARKS_DIR, type LoadedBenchmark } from '../benchmark/loader.ts';

/** Build a bundled benchmark's generated submissions when any is missing; returns whether it built. */
export async function ensureBundledSubmissions(b: LoadedBenchmark, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<boolean> {
  const rel = path.relative(path.resolve(BUNDLED_BENCHMARKS_DIR), b.dir);
  if (rel.startsWith('..') || path.isAbsolute(rel) || !Object.hasOwn(DEMO_GENERATORS, rel)) return false;
  const gen = await DEMO_GENERATORS[rel]!();
  const out = path.join(b.dir, 'submissions');
  const missing = gen.DEMO_SUBMISSIONS.filter((n) => !existsSync(path.join(out, n, 'onnx', 'model.onnx')));
  if (missing.length === 0) return false;
  log(`${b.spec.id}: building the demo submissions ${missing.join(', ')} into ${out} (seeded, offline; once)`);
  const started = Date.now();
  await gen.buildDemoSubmissions(out);
  log(`${b.spec.id}: demo submissions built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
