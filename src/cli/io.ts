// What every command shares: printing, error reporting with stable exit codes, and paths
// shown relative to the working directory.
import path from 'node:path';
import { ArbiterError, ERROR_CODES, toErrorData } from '../errors.ts';
import { sanitizeTerminal } from '../report/terminal.ts';

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Report an error on stderr (sanitised for a terminal; and as JSON on stdout when asked) and set the exit code. */
export function reportError(err: unknown, json = false): void {
  const data = toErrorData(err);
  if (json) process.stdout.write(`${JSON.stringify({ error: data })}\n`);
  // messages quote file and participant names: no control or bidi character reaches the terminal
  process.stderr.write(`arbiter: ${data.code}: ${sanitizeTerminal(data.message)}\n`);
  process.exitCode = ERROR_CODES[data.code]?.exit ?? 1;
  if (data.code === 'E_INTERNAL' && err instanceof Error && process.env.ARBITER_DEBUG) process.stderr.write(`${err.stack}\n`);
}

export function usageError(message: string): ArbiterError {
  return new ArbiterError('E_USAGE', message);
}

/** A path as people read it: relative to the working directory when inside it. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/**
 * Turn SIGINT and SIGTERM into a cancel: the first one aborts the returned signal (the command
 * lets the tasks in flight settle, marks its run cancelled and exits with E_CANCELLED, 130); a
 * second one exits at once with 130 (the journal keeps everything already folded). Call the
 * returned `dispose` when the command is done.
 */
export function cancelOnSignals(what: string): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`arbiter: ${sig} again: exiting now\n`);
      process.exit(130);
    }
    process.stderr.write(`arbiter: ${sig}: stopping ${what} after the tasks in flight (send it again to exit at once)\n`);
    controller.abort(new ArbiterError('E_CANCELLED', `cancelled: ${sig} received`, { signal: sig }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); },
  };
}

/**
 * Test seam for tests that stop real processes mid-run (kill -9, SIGTERM, a second `--resume`):
 * ARBITER_TEST_TASK_DELAY_MS=<ms> waits that long after each inference task before it is folded.
 * Slower, never different: the fold order is fixed by the batch plan.
 */
export function testTaskDelay(env: NodeJS.ProcessEnv = process.env): { afterTask: () => Promise<void> } | undefined {
  const ms = Number(env.ARBITER_TEST_TASK_DELAY_MS ?? '');
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return { afterTask: () => new Promise((resolve) => setTimeout(resolve, ms)) };
}
