// Leaderboard output in four formats: an aligned table for people, JSON for machines, CSV
// (RFC 4180 quoting) and Markdown (pipes escaped) for publishing.
import type { ScoreResult } from '../engine/score-job.ts';

export type LeaderboardFormat = 'table' | 'json' | 'csv' | 'md';

function num(v: number | undefined): string {
  if (v === undefined) return '';
  return Math.abs(v) >= 1e6 || (v !== 0 && Math.abs(v) < 1e-4) ? v.toExponential(6) : v.toFixed(6);
}

function cells(result: ScoreResult, metricKeys: string[]): { header: string[]; rows: string[][] } {
  const header = ['rank', 'participant', 'submission', 'status', ...metricKeys, 'error'];
  const rows = result.rows.map((r) => [
    r.rank === null ? '-' : String(r.rank), r.participant, r.submission.slice(0, 12), r.status,
    ...metricKeys.map((k) => num(r.scores[k])), r.error ? `${r.error.code}: ${r.error.message}` : '',
  ]);
  return { header, rows };
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatLeaderboard(result: ScoreResult, format: LeaderboardFormat, metricKeys: string[], opts: { width?: number } = {}): string {
  if (format === 'json') return JSON.stringify(result);
  if (format === 'csv') {
    const header = ['rank', 'participant', 'submission', 'status', ...metricKeys, 'error_code', 'error_message'];
    const lines = result.rows.map((r) => [
      r.rank === null ? '' : String(r.rank), r.participant, r.submission, r.status,
      ...metricKeys.map((k) => (r.scores[k] === undefined ? '' : String(r.scores[k]))), r.error?.code ?? '', r.error?.message ?? '',
    ].map(csvField).join(','));
    return [header.join(','), ...lines].join('\r\n') + '\r\n';
  }
  const { header, rows } = cells(result, metricKeys);
  if (format === 'md') {
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    return [
      `| ${header.map(esc).join(' | ')} |`,
      `| ${header.map((h, i) => (i === 0 || (i >= 4 && i < 4 + metricKeys.length) ? '---:' : '---')).join(' | ')} |`,
      ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
    ].join('\n') + '\n';
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === header.length - 1 ? 0 : r[i]!.length))));
  const right = (i: number) => i === 0 || (i >= 4 && i < 4 + metricKeys.length);
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : right(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const maxWidth = opts.width ?? 0;
  const clip = (s: string) => (maxWidth > 0 && s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  return [line(header), ...rows.map(line)].map(clip).join('\n') + '\n';
}
