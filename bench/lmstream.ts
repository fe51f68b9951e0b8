// `npm run bench` section `lmstream`: a chat-loss hidden set of 10,000 and of 100,000 short
// generated conversations (src/models/hf/word-models.ts wordChatBenchmark: a WordLevel tokenizer,
// a ChatML-like template, a counted bigram word LM), each scored end to end by `score()` (the run
// lifecycle, 2 isolated worker processes, batches of 32) in its own child process, whose whole
// process tree is sampled for RSS every 50 ms (bench/tree-rss.ts). Also the hidden set's
// preparation alone (read, sha256, parse, ids, split: lmJobPlan) in a child of its own, with
// what the prepared set keeps alive after a full GC. Prints rows/s and peak RSS for both sizes,
// so that a peak growing with the row count shows.
// BENCH_LMSTREAM_ROWS=10000,100000 (default) picks the sizes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wordChatBenchmark } from '../src/models/hf/word-models.ts';
import { lmPoolOptions } from '../src/tasks/lm/pool.ts';
import { samplePeak } from './tree-rss.ts';

interface ChildResult { phase: string; rows: number; seconds: number; mainMaxRssMb: number; retainedMb: number }

export async function runLmStreamBench(opts: { log: (line: string) => void }): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'arbiter-lmstream-'));
  const sizes = (process.env.BENCH_LMSTREAM_ROWS ?? '10000,100000').split(',').map(Number);
  try {
    for (const rows of sizes) {
      const t0 = performance.now();
      const set = wordChatBenchmark(path.join(dir, String(rows)), { rows, batchSize: 32, models: 1 });
      const made = (performance.now() - t0) / 1000;
      opts.log(`lmstream  ${rows} conversations  ${(set.bytes / 1048576).toFixed(1)} MB of JSONL (made in ${made.toFixed(1)} s)`);
      for (const phase of ['prepare', 'score']) {
        const { result, peakMb } = await child(phase, rows, set.spec, set.subs, path.join(dir, `${rows}-${phase}.db`));
        opts.log(`lmstream  ${rows} conversations  ${phase === 'prepare' ? 'prepare (read, sha256, parse, ids, split)' : 'score (2 worker processes, batch 32)'}  ` +
          `${(rows / result.seconds).toFixed(0)} rows/s  (${result.seconds.toFixed(1)} s)  peak RSS: tree ${peakMb.toFixed(0)} MB, main process ${result.mainMaxRssMb.toFixed(0)} MB` +
          (phase === 'prepare' ? `  kept after GC ${result.retainedMb.toFixed(2)} MB (${((result.retainedMb * 1048576) / rows).toFixed(1)} bytes/row)` : ''));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run one phase in a fresh process (its own peak), sampling its whole tree. */
async function child(phase: string, rows: number, spec: string, subs: string, db: string): Promise<{ result: ChildResult; peakMb: number }> {
  const file = fileURLToPath(import.meta.url);
  const p = spawn(process.execPath, [...lmPoolOptions().execArgv, file, '--child', phase, spec, subs, db], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LMSTREAM_ROWS: String(rows) } });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exit = new Promise<number>((resolve) => p.on('close', (code) => resolve(code ?? 1)));
  const { peakMb } = await samplePeak(p.pid!, exit);
  const code = await exit;
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`lmstream child ${phase} failed (${code}): ${err.slice(-2000)}`);
  return { result: JSON.parse(last) as ChildResult, peakMb };
}

async function childMain(phase: string, spec: string, subs: string, db: string): Promise<void> {
  const { loadBenchmark } = await import('../src/benchmark/loader.ts');
  const { lmJobPlan } = await import('../src/tasks/lm/plans.ts');
  const { score } = await import('../src/run/lifecycle.ts');
  const { collectGarbage } = await import('../src/inference/heap.ts');
  const live = () => { collectGarbage(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  const b = loadBenchmark(spec);
  const before = live();
  const t0 = performance.now();
  const rows = Number(process.env.LMSTREAM_ROWS);
  let keep: unknown;
  if (phase === 'prepare') {
    keep = lmJobPlan(b);
  } else {
    const r = await score({ benchmark: spec, submissions: [subs], workers: 2, db });
    if (r.rows[0]?.status !== 'scored') throw new Error(`lmstream: the submission was not scored: ${JSON.stringify(r.rows[0])}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  // what the prepared set keeps alive (JS heap + array buffers after a full GC), against before
  const retainedMb = (live() - before) / 1048576;
  void keep;
  process.stdout.write(JSON.stringify({ phase, rows, seconds, mainMaxRssMb: process.resourceUsage().maxRSS / 1024, retainedMb } satisfies ChildResult) + '\n');
}

if (process.argv[2] === '--child') await childMain(process.argv[3]!, process.argv[4]!, process.argv[5]!, process.argv[6]!);
// run alone: npx tsx bench/lmstream.ts
else if (import.meta.url === `file://${process.argv[1]}`) await runLmStreamBench({ log: (l) => console.log(l) });
