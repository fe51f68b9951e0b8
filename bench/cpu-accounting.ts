// Where a bench run's CPU goes, per thread and per child process, from /proc (Linux only; every
// function returns null elsewhere). The engine bench uses it to split the steady state's CPU per
// row into the main thread, the threads the run started (worker threads and what they start),
// the threads that were there before it (V8's collector and compiler, libuv's pool) and the
// inference child processes, so the closing figures say which of them sets the pace.
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSnapshot {
  /** CPU seconds of each thread of this process, by thread id */
  threads: Map<number, number>;
  /** CPU seconds of each live child process (all its threads), by pid */
  children: Map<number, number>;
}

const TICKS = 100; // USER_HZ

function statFields(file: string): string[] | null {
  try {
    const stat = readFileSync(file, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // the thread or process is gone
  }
}

/** utime + stime of a /proc stat line's fields, in seconds */
const cpuOf = (f: string[]) => (Number(f[11]) + Number(f[12])) / TICKS;

export function cpuSnapshot(): CpuSnapshot | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const threads = new Map<number, number>();
  for (const tid of tids) {
    const f = statFields(`/proc/self/task/${tid}/stat`);
    if (f) threads.set(Number(tid), cpuOf(f));
  }
  const children = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(`/proc/${entry}/stat`);
    if (f && Number(f[1]) === process.pid) children.set(Number(entry), cpuOf(f));
  }
  return { threads, children };
}

export interface CpuSplit { main: number; newThreads: number; oldThreads: number; children: number }

/**
 * CPU seconds spent between two snapshots: the main thread; threads that did not exist at
 * `before` (for a thread pool made by the run: its workers); threads that did (the runtime's own);
 * child processes alive at `after` (their CPU since `before`, or since they started).
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, poolStart: CpuSnapshot = before): CpuSplit {
  const split: CpuSplit = { main: 0, newThreads: 0, oldThreads: 0, children: 0 };
  for (const [tid, cpu] of after.threads) {
    const d = cpu - (before.threads.get(tid) ?? 0);
    if (tid === process.pid) split.main += d;
    else if (poolStart.threads.has(tid)) split.oldThreads += d;
    else split.newThreads += d;
  }
  for (const [pid, cpu] of after.children) split.children += cpu - (before.children.get(pid) ?? 0);
  return split;
}
