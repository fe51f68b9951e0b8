// Peak resident memory of a whole process tree: runs a command and, every 50 ms, sums VmRSS over
// the command and all its descendants (read from /proc, Linux only), so worker threads and
// isolated child processes count together as the host pays for them. GNU time's "Maximum
// resident set size" is the peak of the largest single process, not of the tree.
// Usage: npx tsx bench/tree-rss.ts -- <command> [args...]   (prints one JSON line on stderr at the end)
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** pid -> parent pid of every process now. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // the command name (field 2) may hold spaces and parentheses: fields after the last ')'
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), Number(rest[1]));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** Sum of VmRSS (kB) over `root` and its descendants, how many processes that is, and each one's share. */
export function treeRssKb(root: number): { kb: number; processes: number; each: string[] } {
  const ppid = parents();
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of ppid) if (!tree.has(pid) && tree.has(parent)) { tree.add(pid); grew = true; }
  }
  let kb = 0;
  const each: string[] = [];
  for (const pid of tree) {
    const k = rssKb(pid);
    kb += k;
    let cmd = '';
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).map((a) => a.split('/').pop()).join(' ').slice(0, 60); } catch { /* exited */ }
    each.push(`${Math.round(k / 1024)} MB ${cmd}`);
  }
  return { kb, processes: tree.size, each };
}

/** Sample the tree of `pid` until `done` resolves; resolves to the peak. */
export async function samplePeak(pid: number, done: Promise<unknown>, everyMs = 50): Promise<{ peakMb: number; processes: number; each: string[] }> {
  let peak = 0;
  let processes = 0;
  let each: string[] = [];
  let finished = false;
  void done.finally(() => { finished = true; });
  while (!finished) {
    const s = treeRssKb(pid);
    if (s.kb > peak) { peak = s.kb; processes = s.processes; each = s.each; }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return { peakMb: peak / 1024, processes, each };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--');
  const cmd = process.argv.slice(at + 1);
  if (at < 0 || cmd.length === 0) { process.stderr.write('usage: tree-rss.ts -- <command> [args...]\n'); process.exit(2); }
  const t0 = performance.now();
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
  const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  const { peakMb, processes, each } = await samplePeak(child.pid!, exit);
  const code = await exit;
  process.stderr.write(JSON.stringify({ peakTreeRssMb: Math.round(peakMb), processesAtPeak: processes, atPeak: each, wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)), exit: code }) + '\n');
  process.exit(code);
}
