// Generated demo submissions of the bundled benchmarks. Their models are too large to commit
// (qwen-chat-demo's carry an 11 MB tokenizer each), so `arbiter score` builds the missing ones into
// submissions/ on first use (seeded, offline). The generators are engine code (src/demo/, compiled
// to dist/ with the rest): only a benchmark folder under the bundled benchmarks folder with an entry
// in DEMO_GENERATORS gets one, so neither a spec nor a file beside it can make arbiter run code.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DEMO_GENERATORS, type DemoGenerator } from './bundled.ts';
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
  await buildAtomically(gen, b.dir, out, missing);
  log(`${b.spec.id}: demo submissions built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

/**
 * Build into a private folder beside submissions/ and rename each missing folder into place, so a
 * concurrent `arbiter score` or `work` drainer on the same benchmark never sees a half-written
 * model: a folder is either absent or whole. When another process renamed its copy first, ours is
 * dropped (the generators are seeded, so both copies are the same bytes).
 */
export async function buildAtomically(gen: DemoGenerator, benchmarkDir: string, out: string, missing: readonly string[]): Promise<void> {
  const scratch = path.join(benchmarkDir, `.submissions-building-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await gen.buildDemoSubmissions(scratch);
    mkdirSync(out, { recursive: true });
    for (const name of missing) {
      if (!placeFolder(path.join(scratch, name), path.join(out, name))) {
        // A folder without its model, left by a build killed before builds were atomic: move it
        // aside (only one process can) and try once more.
        try { renameSync(path.join(out, name), `${scratch}-stale-${name}`); } catch { /* another process moved it */ }
        rmSync(`${scratch}-stale-${name}`, { recursive: true, force: true });
        placeFolder(path.join(scratch, name), path.join(out, name));
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Rename a built folder into place; true when the target now holds a model (ours or another process's). */
function placeFolder(from: string, to: string): boolean {
  try {
    renameSync(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
  }
  return existsSync(path.join(to, 'onnx', 'model.onnx'));
}
