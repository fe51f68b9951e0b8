// `npm run bench`: throughput of the engine against a raw onnxruntime loop, and of each
// capability's hot path. Prints numbers; asserts nothing (targets are in the docs).
// Sections (BENCH_ONLY=a,b): engine, metrics, lm, cli, isolation, stream, pack (BENCH_PACK_MB, default 1024),
// many (BENCH_MANY, default 1000,10000 prediction files); lmstream (10k and 100k streamed
// conversations, BENCH_LMSTREAM_ROWS; only when named, it takes minutes).
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { runEngineBench } from './engine.ts';
import { runMetricsBench } from './metrics.ts';
import { runLmBench } from './lm.ts';
import { runCliBench } from './cli.ts';
import { runIsolationBench } from './isolation.ts';
import { runStreamBench } from './stream.ts';
import { runPackBench } from './pack.ts';
import { runManyBench } from './many.ts';
import { runLmStreamBench } from './lmstream.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'arbiter-bench-'));
const log = (line: string) => console.log(line);
// 2^21 rows (256 MiB of inputs, one window): the engine's steady state lasts about a second. With
// 524,288 rows it lasted 0.25 s, while the new worker's code was still being compiled (V8's compiler
// threads took 0.19 µs per row there, 0.10 with 2^21 rows), which is not what a long run pays.
const rows = Number(process.env.BENCH_ROWS ?? 2_097_152);

log(`arbiter bench · node ${process.version} · ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length} · load ${os.loadavg()[0]!.toFixed(2)}`);
try {
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);
  if (want('engine')) await runEngineBench({ rows, dir, repo, log });
  if (want('metrics')) { log(''); await runMetricsBench({ rows: Number(process.env.BENCH_METRIC_ROWS ?? 10_000_000), log }); }
  if (want('lm')) { log(''); await runLmBench({ log }); }
  if (only?.includes('lmstream')) { log(''); await runLmStreamBench({ log }); }
  if (want('cli')) { log(''); await runCliBench({ log }); }
  if (want('isolation')) { log(''); await runIsolationBench({ log }); }
  if (want('stream')) { log(''); await runStreamBench({ dir, repo, log }); }
  if (want('pack')) { log(''); await runPackBench({ dir, repo, log }); }
  if (want('many')) { log(''); await runManyBench({ dir, repo, log }); }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
