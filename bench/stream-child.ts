// One scoring job for bench/stream.ts, in its own process so its peak memory is its own.
// argv: <benchmark dir> <model> <db> <thread|process>; prints one JSON line.
import { readFileSync } from 'node:fs';
import { score } from '../src/engine/score-job.ts';
import { prepareDataset } from '../src/data/prepare.ts';
import { loadBenchmark } from '../src/spec/loader.ts';

const [benchDir, model, db, isolation] = process.argv.slice(2) as [string, string, string, 'thread' | 'process'];
const t0 = performance.now();
await prepareDataset(loadBenchmark(benchDir)); // timed alone: score() repeats it
const prepareSeconds = (performance.now() - t0) / 1000;
const t1 = performance.now();
const r = await score({ benchmark: benchDir, submissions: [model], workers: 1, isolation, db });
const seconds = (performance.now() - t1) / 1000;
const hwm = Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
process.stdout.write(JSON.stringify({ seconds, prepareSeconds, engineHwmKb: hwm, status: r.rows[0]!.status }) + '\n');
