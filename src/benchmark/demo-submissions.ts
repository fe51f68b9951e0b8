// Generated demo submissions of the bundled benchmarks. A bundled benchmark may ship a
// `submissions.ts` exporting `DEMO_SUBMISSIONS` (folder names) and `buildDemoSubmissions(outDir)`
// (seeded, offline): its models are too large to commit (qwen-chat-demo's carry an 11 MB
// tokenizer each), so `arbiter score` builds the missing ones into submissions/ on first use.
// Only benchmarks under the bundled benchmarks folder are trusted to run such code.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLED_BENCHMARKS_DIR, type LoadedBenchmark } from './loader.ts';

interface DemoModule {
  DEMO_SUBMISSIONS?: readonly string[];
  buildDemoSubmissions?: (outDir: string) => Promise<unknown>;
}

/** Build a bundled benchmark's generated submissions when any is missing; returns whether it built. */
export async function ensureBundledSubmissions(b: LoadedBenchmark, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<boolean> {
  const rel = path.relative(path.resolve(BUNDLED_BENCHMARKS_DIR), b.dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const script = path.join(b.dir, 'submissions.ts');
  if (!existsSync(script)) return false;
  const mod = (await import(pathToFileURL(script).href)) as DemoModule;
  if (!mod.DEMO_SUBMISSIONS || !mod.buildDemoSubmissions) return false;
  const out = path.join(b.dir, 'submissions');
  const missing = mod.DEMO_SUBMISSIONS.filter((n) => !existsSync(path.join(out, n, 'onnx', 'model.onnx')));
  if (missing.length === 0) return false;
  log(`${b.spec.id}: building the demo submissions ${missing.join(', ')} into ${out} (seeded, offline; once)`);
  const started = Date.now();
  await mod.buildDemoSubmissions(out);
  log(`${b.spec.id}: demo submissions built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
