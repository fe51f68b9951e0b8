// Runs the arbiter command line in this test process, as `node bin/arbiter.js <args>` would run it
// in a child, but without a process start (about 1–2 s under tsx): stdout, stderr and the exit code
// are captured, the working directory and environment variables are set for the call and
// restored after. Calls are serialized (they swap process-wide state). Use a real child process
// only where the process boundary is what a test is about (signals, kill -9, limits, the
// installed build).
import { format } from 'node:util';
import { main } from '../src/cli/program.ts';

export interface CliResult { code: number; stdout: string; stderr: string }

let queue: Promise<unknown> = Promise.resolve();

export function arbiterInProcess(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const run = queue.then(() => runOnce(args, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (sink: string[]) => ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((r): r is () => void => typeof r === 'function');
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  // yargs prints --help through console.log, which vitest reroutes away from process.stdout:
  // capture the console too, as a child's would land on its stdout and stderr.
  const line = (sink: string[]) => (...a: unknown[]) => { sink.push(`${format(...a)}\n`); };
  const saved = {
    out: process.stdout.write, err: process.stderr.write, cwd: process.cwd(), exitCode: process.exitCode, env: {} as Record<string, string | undefined>,
    log: console.log, info: console.info, warn: console.warn, error: console.error,
  };
  const env = { NO_COLOR: '1', ...opts.env };
  for (const [k, v] of Object.entries(env)) {
    saved.env[k] = process.env[k];
    if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  console.log = line(out);
  console.info = line(out);
  console.warn = line(err);
  console.error = line(err);
  process.exitCode = undefined;
  try {
    if (opts.cwd) process.chdir(opts.cwd);
    await main(args);
    return { code: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    Object.assign(console, { log: saved.log, info: saved.info, warn: saved.warn, error: saved.error });
    process.exitCode = saved.exitCode;
    process.chdir(saved.cwd);
    for (const [k, v] of Object.entries(saved.env)) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
}
