// The human form of `arbiter check`: one line per rule (PASS / FAIL / SKIP, the rule, why), then
// the metrics on the public sample, then the verdict. A pure function of the report, so the same
// report always prints the same bytes (tests hold inline snapshots of it).
import type { CheckReport } from '../run/check.ts';
import { formatScore } from '../report/format.ts';
import { createColors, sanitizeTerminal, type Colors } from '../report/terminal.ts';
import { formatTable, orderedMetricKeys } from '../report/leaderboard.ts';

export interface CheckFormatOptions {
  /** the metric column order: the primary first */
  primaryMetric: string;
  metricKeys: string[];
  colors?: Colors;
}

export function formatCheckReport(r: CheckReport, opts: CheckFormatOptions): string {
  const col = opts.colors ?? createColors(false);
  const out: string[] = [];
  const name = r.submission ? r.submission.path.split(/[\\/]/).pop()! : '(no file)';
  out.push(`check ${sanitizeTerminal(name)} against ${r.benchmark.id} v${r.benchmark.version}`);
  const width = Math.max(...r.rules.map((x) => x.rule.length));
  for (const x of r.rules) {
    const tag = x.status === 'pass' ? col.green('PASS') : x.status === 'fail' ? col.red('FAIL') : col.yellow('SKIP');
    const why = x.error ? `${col.red(x.error.code)} ${sanitizeTerminal(x.error.message)}` : sanitizeTerminal(x.message);
    out.push(`  ${tag}  ${x.rule.padEnd(width)}  ${why}`);
  }
  if (r.sampleScores && r.sample) {
    const sample = r.sample.path.split(/[\\/]/).pop()!;
    out.push('', `metrics on the public sample ${sanitizeTerminal(sample)} (${r.sample.rows} rows, split as \`arbiter score\` splits; ranked on ${r.rankSplit}):`);
    const splits = ['public', 'private'].filter((s) => r.sampleScores![s]);
    const keys = orderedMetricKeys(opts.primaryMetric, opts.metricKeys);
    const rows = keys.map((k) => [k, ...splits.map((s) => (Object.hasOwn(r.sampleScores![s]!, k) ? formatScore(r.sampleScores![s]![k]!) : ''))]);
    out.push(formatTable(['metric', ...splits.map((s) => (s === r.rankSplit ? `${s}*` : s))].map((h) => col.bold(h)), rows, { align: ['left', ...splits.map(() => 'right' as const)] })
      .split('\n').map((l) => `  ${l}`).join('\n'));
  }
  out.push('');
  out.push(r.ok
    ? col.green('ok: this submission would be admitted and scored')
    : col.red(`not admitted: fix the failing rule${r.rules.filter((x) => x.status === 'fail').length > 1 ? 's' : ''} above, then run arbiter check again`));
  return out.join('\n');
}
