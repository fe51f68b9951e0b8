// What every command shares: printing, error reporting with stable exit codes, and paths
// shown relative to the working directory.
import path from 'node:path';
import { ArbiterError, ERROR_CODES, toErrorData } from '../errors.ts';

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Report an error on stderr (and as JSON on stdout when asked) and set the exit code. */
export function reportError(err: unknown, json = false): void {
  const data = toErrorData(err);
  if (json) process.stdout.write(`${JSON.stringify({ error: data })}\n`);
  process.stderr.write(`arbiter: ${data.code}: ${data.message}\n`);
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
