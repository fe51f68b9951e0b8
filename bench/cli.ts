// `arbiter --help` start-up time: the median wall time of `node bin/arbiter.js --help` over N
// child processes (hyperfine is not installed). Also times a bare `node -e 0` as the floor, and,
// when dist/ is built, `score --help` (which loads yargs and every command module) and the source
// (tsx) path forced with ARBITER_FROM_SOURCE=1 for comparison.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// Preloaded into each child: prints the child's own CPU time (user + sys) at exit. CPU time is
// far less sensitive than wall time to other processes sharing the cores.
const CPU_HOOK = "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\n@cpu ' + (u.user + u.system) / 1000 + '\\n'); });";

interface Timing { median: number; min: number; cpuMedian: number }

/** Median and min wall time (ms), and median CPU time, of `runs` runs of `node <args>`, after one warm-up run. */
export function timeNode(args: string[], runs: number, env: NodeJS.ProcessEnv = process.env): Timing {
  const once = () => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(CPU_HOOK)}`, ...args], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    const cpu = Number(/@cpu ([\d.]+)/.exec(r.stderr)?.[1] ?? Number.NaN);
    return { ms, cpu };
  };
  once();
  const times = Array.from({ length: runs }, once);
  return { median: median(times.map((t) => t.ms)), min: Math.min(...times.map((t) => t.ms)), cpuMedian: median(times.map((t) => t.cpu)) };
}

export async function runCliBench(opts: { log: (line: string) => void; runs?: number }): Promise<void> {
  opts.log(`cli: load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`);
  const runs = opts.runs ?? Number(process.env.BENCH_CLI_RUNS ?? 15);
  const bin = path.join(REPO, 'bin/arbiter.js');
  const fmt = (t: Timing) => `wall median ${t.median.toFixed(0)} ms (min ${t.min.toFixed(0)} ms), cpu median ${t.cpuMedian.toFixed(0)} ms`;
  opts.log(`cli: node -e 0 (floor)                        ${fmt(timeNode(['-e', '0'], runs))} over ${runs} runs`);
  const compiled = existsSync(path.join(REPO, 'dist/src/cli/main.js'));
  opts.log(`cli: arbiter --help (${compiled ? 'compiled dist/' : 'source via tsx'})${compiled ? '   ' : ''}       ${fmt(timeNode([bin, '--help'], runs))}`);
  if (compiled) opts.log(`cli: arbiter score --help (compiled, loads yargs) ${fmt(timeNode([bin, 'score', '--help'], runs))}`);
  if (compiled) opts.log(`cli: arbiter --help (source via tsx, forced)   ${fmt(timeNode([bin, '--help'], runs, { ...process.env, ARBITER_FROM_SOURCE: '1' }))}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runCliBench({ log: (l) => console.log(l) });
}
