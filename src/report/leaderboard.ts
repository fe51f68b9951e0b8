// Human and machine output for the CLI: colours that switch off for pipes and NO_COLOR,
// box-free aligned tables, and the leaderboard in table / JSON / CSV / Markdown form.
// Everything here is a pure function of its arguments (the environment is passed in, with
// process.env as the default), so the same result always prints the same bytes.
import { createColors, displayWidth, sanitizeTerminal, type Colors } from './terminal.ts';
import { formatScore, shortHash } from './format.ts';
import type { ReportRow, ScoreResult } from './types.ts';

export {
  colorsFor,
  createColors,
  displayWidth,
  sanitizeTerminal,
  shouldColor,
  stripAnsi,
  truncateToWidth,
  type ColorName,
  type Colors,
  type TtyLike,
} from './terminal.ts';
export { formatScore, shortHash } from './format.ts';

export type Align = 'left' | 'right';

/**
 * An aligned, box-free table: a header line, a dashed rule, then one line per row; columns are
 * separated by two spaces and trailing spaces are trimmed. `align[i]` defaults to 'left'.
 * Cells may carry colour sequences; widths ignore them. Returns lines joined by '\n', no final newline.
 */
export function formatTable(headers: string[], rows: string[][], opts: { align?: Align[] } = {}): string {
  const align = opts.align ?? [];
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i] - displayWidth(cell));
        return align[i] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .replace(/ +$/, '');
  const out = [line(headers), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of rows) out.push(line(headers.map((_, i) => r[i] ?? '')));
  return out.join('\n');
}

export type LeaderboardFormat = 'table' | 'json' | 'csv' | 'md';

export interface LeaderboardOptions {
  /** listed first among the metric columns */
  primaryMetric: string;
  /** the metric columns, in this order (the primary is moved to the front; duplicates dropped) */
  metricKeys: string[];
  /** colours for the 'table' format; default none (plain text) */
  colors?: Colors;
}

/** The metric columns: primary first, then the others in the order given, each once. */
export function orderedMetricKeys(primaryMetric: string, metricKeys: string[]): string[] {
  const out = [primaryMetric];
  for (const k of metricKeys) if (!out.includes(k)) out.push(k);
  return out;
}

interface Cells {
  rank: string;
  participant: string;
  submission: string;
  status: string;
  metrics: string[];
  reward: string;
  errorCode: string;
  errorMessage: string;
}

function cellsOf(row: ReportRow, keys: string[], num: (v: number) => string): Cells {
  return {
    rank: row.rank === null ? '' : String(row.rank),
    participant: row.participant,
    submission: row.submission,
    // A prediction copy ranked after its original (admission.duplicates, policy rank-after).
    status: row.duplicateOf ? `${row.status} (copy of ${row.duplicateOf.participant})` : row.status,
    metrics: keys.map((k) => (Object.hasOwn(row.scores, k) ? num(row.scores[k]) : '')),
    reward: row.reward ?? '',
    errorCode: row.error?.code ?? '',
    errorMessage: row.error?.message ?? '',
  };
}

/** Rank, metric and reward columns are right-aligned (columns: rank, participant, submission, status, metrics..., reward?, error). */
function isNumericColumn(i: number, metricCount: number, withReward: boolean): boolean {
  return i === 0 || (i >= 4 && i < 4 + metricCount + (withReward ? 1 : 0));
}

/** One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A CSV field holding user text (participant, error message): control and bidirectional
 * characters shown as `\u001b`-style escapes, and a cell a spreadsheet would read as a formula
 * (starting with = + - @, TAB or CR) prefixed with `'` (the OWASP CSV-injection defence).
 */
export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return csvField(sanitizeTerminal(safe));
}

/**
 * Text for one GitHub-flavoured Markdown table cell: backslash-escapes the characters that
 * would end the cell or start inline markup or raw HTML (\ | ` * _ [ ] < >), turns line
 * breaks into spaces so the row stays one line, and shows other control characters as \u001b.
 */
export function mdCell(value: string): string {
  const oneLine = sanitizeTerminal(value.replace(/\r\n|\r|\n/g, ' '));
  return oneLine.replace(/[\\|`*_[\]<>]/g, (c) => `\\${c}`);
}

/**
 * The leaderboard of a run in one of four formats.
 * - 'table': aligned columns for a terminal; short hashes; errors as "CODE message"; control
 *   characters in user text escaped; ends without a newline.
 * - 'json': the ScoreResult itself as one line of JSON, plus a final newline (docs/cli.md: --json is one line).
 * - 'csv': RFC 4180 (CRLF line ends, quoting as needed), full hashes, full-precision numbers
 *   (shortest round-trip form), separate error_code / error_message columns, final CRLF; user
 *   text neutralised (csvText: no control or bidi characters, no cell a spreadsheet runs as a formula).
 * - 'md': a GFM table with pipes and markup escaped, short hashes, final newline.
 * A reward column appears in table/csv/md when any row carries a reward; the error column of
 * table/md appears when any row has an error (csv always has error_code and error_message).
 */
export function formatLeaderboard(result: ScoreResult, format: LeaderboardFormat, opts: LeaderboardOptions): string {
  if (format === 'json') return JSON.stringify(result) + '\n';
  const rows = result.rows as ReportRow[];
  const keys = orderedMetricKeys(opts.primaryMetric, opts.metricKeys);
  const withReward = rows.some((r) => r.reward !== undefined);
  const withError = rows.some((r) => r.error !== null);
  const errorHeader = withError ? ['error'] : [];

  if (format === 'csv') {
    const header = ['rank', 'participant', 'submission', 'status', ...keys, ...(withReward ? ['reward'] : []), 'error_code', 'error_message'];
    const lines = [header.map(csvField).join(',')];
    for (const row of rows) {
      const c = cellsOf(row, keys, (v) => String(v));
      // CSV keeps the plain status vocabulary (scored, failed, duplicate); the copy note is for people.
      // user text (participant, error message) is neutralised; numbers such as -0.5 stay numbers
      const fields = [csvField(c.rank), csvText(c.participant), csvText(c.submission), csvField(row.status), ...c.metrics.map(csvField),
        ...(withReward ? [csvField(c.reward)] : []), csvField(c.errorCode), csvText(c.errorMessage)];
      lines.push(fields.join(','));
    }
    return lines.join('\r\n') + '\r\n';
  }

  if (format === 'md') {
    const header = ['rank', 'participant', 'submission', 'status', ...keys, ...(withReward ? ['reward'] : []), ...errorHeader];
    const alignRow = header.map((_, i) => (isNumericColumn(i, keys.length, withReward) ? '---:' : '---'));
    const lines = [`| ${header.map(mdCell).join(' | ')} |`, `| ${alignRow.join(' | ')} |`];
    for (const row of rows) {
      const c = cellsOf(row, keys, formatScore);
      const error = c.errorCode === '' ? '' : `${c.errorCode}: ${c.errorMessage}`;
      const fields = [c.rank, c.participant, shortHash(c.submission), c.status, ...c.metrics, ...(withReward ? [c.reward] : []), ...(withError ? [error] : [])];
      lines.push(`| ${fields.map(mdCell).join(' | ')} |`);
    }
    return lines.join('\n') + '\n';
  }

  // 'table'
  const col = opts.colors ?? createColors(false);
  const header = ['rank', 'participant', 'submission', 'status', ...keys, ...(withReward ? ['reward'] : []), ...errorHeader];
  const align: Align[] = header.map((_, i) => (isNumericColumn(i, keys.length, withReward) ? 'right' : 'left'));
  const body = rows.map((row) => {
    const c = cellsOf(row, keys, formatScore);
    const status = row.status === 'scored' ? col.green(c.status) : row.status === 'failed' ? col.red(c.status) : col.yellow(c.status);
    const error = c.errorCode === '' ? '' : `${col.red(c.errorCode)} ${sanitizeTerminal(c.errorMessage)}`;
    return [c.rank === '' ? '-' : c.rank, sanitizeTerminal(c.participant), shortHash(c.submission), status, ...c.metrics, ...(withReward ? [sanitizeTerminal(c.reward)] : []), ...(withError ? [error] : [])];
  });
  return formatTable(header.map((h) => col.bold(h)), body, { align });
}
