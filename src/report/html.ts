// The HTML report of a scored run: one self-contained file (inline CSS, inline SVG, no script,
// no network, no external font) with the leaderboard, failures, per-metric charts, the
// winner's confusion matrix and the run's provenance. Every string from the input is escaped,
// and a Content-Security-Policy forbids scripts outright, so a hostile participant name or
// error message cannot run code. Output is a pure function of the input: same input, same bytes.
import { heatmapSvg, histogramSvg, scatterSvg, type ScatterPoint } from './charts.ts';
import { escapeHtml, formatScore, parseIsoUtc, shortHash } from './format.ts';
import type { ReportRow, ScoreResult } from './types.ts';

/**
 * Everything the HTML report shows. It is the ScoreResult of the run (rows may carry a
 * `reward`) plus presentation facts the result does not hold.
 */
export interface HtmlReportInput extends Omit<ScoreResult, 'rows'> {
  /** rank order, as in ScoreResult; `reward` (decimal string in pool units) is optional per row */
  rows: ReportRow[];
  /** shown in the footer and the generator meta tag, e.g. 'arbiter 0.1.0' */
  generatedBy: string;
  /** metric key -> true when higher is better; gives the column arrows and the best-so-far line */
  higherIsBetter: Record<string, boolean>;
  /** the ranking metric: first metric column, headline of the summary */
  primaryMetric: string;
  /** page title; default '<benchmark id> v<version> — run <id>' */
  title?: string;
  /** submission sha256 -> ISO 8601 time it was submitted; enables the score-over-time charts */
  submittedAt?: Record<string, string>;
  /** sha256 of the signed receipt of this run, shown under provenance */
  receiptHash?: string;
  /** the winner's confusion matrix (rows: true label, columns: predicted), for classification */
  confusion?: { labels: string[]; matrix: number[][] };
  /** a time to print in the footer (the page never reads the clock itself) */
  generatedAt?: string;
  /** when the run started and finished (ISO 8601 UTC, from the store): the header shows the date and the duration */
  startedAt?: string;
  finishedAt?: string | null;
}

/** Fewer distinct submission times than this: the score-over-time chart would be one instant, so it is not drawn. */
export const MIN_DISTINCT_TIMES = 3;

/** A duration as people read it: 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function formatRunDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** "run 3 · 2026-11-20 10:00 UTC · took 12.3 s", as much of it as is known. */
function runLine(input: HtmlReportInput): string {
  const parts = [`run ${input.run.id}`];
  const start = input.startedAt !== undefined ? parseIsoUtc(input.startedAt) : NaN;
  if (Number.isFinite(start)) parts.push(`${new Date(start).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  const end = input.finishedAt ? parseIsoUtc(input.finishedAt) : NaN;
  if (Number.isFinite(start) && Number.isFinite(end)) parts.push(`took ${formatRunDuration(end - start)}`);
  return parts.join(' · ');
}

const e = escapeHtml;

/** The metric columns: primary first, then higherIsBetter's keys, then any other key found in scores, each once. */
export function reportMetricKeys(input: Pick<HtmlReportInput, 'rows' | 'higherIsBetter' | 'primaryMetric'>): string[] {
  const keys = [input.primaryMetric];
  const add = (k: string) => {
    if (!keys.includes(k)) keys.push(k);
  };
  for (const k of Object.keys(input.higherIsBetter)) add(k);
  for (const r of input.rows) for (const k of Object.keys(r.scores)) add(k);
  return keys;
}

/** The metric's direction, or undefined when unknown (own keys only: a metric named 'constructor' is not a prototype lookup). */
function higherIsBetter(input: HtmlReportInput, key: string): boolean | undefined {
  return Object.hasOwn(input.higherIsBetter, key) ? input.higherIsBetter[key] : undefined;
}

function direction(hib: boolean | undefined): string {
  if (hib === undefined) return '';
  return hib ? ' <span class="dir" title="higher is better">↑</span>' : ' <span class="dir" title="lower is better">↓</span>';
}

function bestValue(rows: ReportRow[], key: string, hib: boolean | undefined): number | undefined {
  if (hib === undefined) return undefined;
  let best: number | undefined;
  for (const r of rows) {
    if (r.status !== 'scored' || !Object.hasOwn(r.scores, key)) continue;
    const v = r.scores[key];
    if (!Number.isFinite(v)) continue;
    if (best === undefined || (hib ? v > best : v < best)) best = v;
  }
  return best;
}

/** Hover text of a score cell: the exact value, then the value on each split. */
function scoreTitle(row: ReportRow, key: string): string {
  const parts = [String(row.scores[key])];
  for (const [split, scores] of Object.entries(row.splitScores)) {
    if (Object.hasOwn(scores, key)) parts.push(`${split} ${String(scores[key])}`);
  }
  return parts.join(' · ');
}

function leaderboardTable(input: HtmlReportInput, keys: string[]): string {
  const withReward = input.rows.some((r) => r.reward !== undefined);
  const best = keys.map((k) => bestValue(input.rows, k, higherIsBetter(input, k)));
  const head =
    '<tr><th class="num">Rank</th><th>Participant</th><th>Submission</th><th>Status</th>' +
    keys.map((k) => `<th class="num${k === input.primaryMetric ? ' primary' : ''}">${e(k)}${direction(higherIsBetter(input, k))}</th>`).join('') +
    (withReward ? '<th class="num" title="integer amount in the smallest unit of the reward pool (rewards.pool)">Reward (pool units)</th>' : '') +
    '<th>Error</th></tr>';
  const body = input.rows
    .map((r) => {
      const cells = keys
        .map((k, i) => {
          if (!Object.hasOwn(r.scores, k)) return '<td class="num"></td>';
          const v = r.scores[k];
          const cls = r.status === 'scored' && best[i] !== undefined && v === best[i] ? 'num best' : 'num';
          return `<td class="${cls}" title="${e(scoreTitle(r, k))}">${e(formatScore(v))}</td>`;
        })
        .join('');
      // The code only: the message is in the Failures section (once per page).
      const err = r.error ? `<code class="code">${e(r.error.code)}</code>` : '';
      return (
        `<tr class="row-${e(r.status)}" data-status="${e(r.status)}">` +
        `<td class="num rank">${r.rank === null ? '—' : e(String(r.rank))}</td>` +
        `<td class="participant">${e(r.participant)}</td>` +
        `<td><code class="sha" title="${e(r.submission)}">${e(shortHash(r.submission))}</code></td>` +
        `<td><span class="status status-${e(r.status)}">${e(r.status)}</span></td>` +
        cells +
        (withReward ? `<td class="num reward">${e(r.reward ?? '')}</td>` : '') +
        `<td class="error">${err}</td></tr>`
      );
    })
    .join('\n');
  return `<div class="scroll"><table class="leaderboard"><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>`;
}

function failuresSection(rows: ReportRow[]): string {
  const bad = rows.filter((r) => r.status !== 'scored');
  if (bad.length === 0) return '';
  const items = bad
    .map(
      (r) =>
        `<tr data-status="${e(r.status)}"><td class="participant">${e(r.participant)}</td><td><code class="sha" title="${e(r.submission)}">${e(shortHash(r.submission))}</code></td>` +
        `<td><span class="status status-${e(r.status)}">${e(r.status)}</span></td><td><code class="code">${e(r.error?.code ?? '')}</code></td><td class="reason">${e(r.error?.message ?? '')}</td></tr>`,
    )
    .join('\n');
  return (
    `<section id="failures"><h2>Failures <span class="count">${bad.length}</span></h2>` +
    `<div class="scroll"><table class="failures"><thead><tr><th>Participant</th><th>Submission</th><th>Status</th><th>Code</th><th>Reason</th></tr></thead><tbody>\n${items}\n</tbody></table></div></section>`
  );
}

function splitsSection(rows: ReportRow[], keys: string[]): string {
  const splits: string[] = [];
  for (const r of rows) for (const s of Object.keys(r.splitScores)) if (!splits.includes(s)) splits.push(s);
  if (splits.length === 0) return '';
  const head = `<tr><th class="num">Rank</th><th>Participant</th>${splits.map((s) => keys.map((k) => `<th class="num">${e(s)} ${e(k)}</th>`).join('')).join('')}</tr>`;
  const body = rows
    .filter((r) => r.status === 'scored')
    .map(
      (r) =>
        `<tr><td class="num">${r.rank === null ? '—' : e(String(r.rank))}</td><td class="participant">${e(r.participant)}</td>` +
        splits
          .map((s) => keys.map((k) => (r.splitScores[s] && Object.hasOwn(r.splitScores[s], k) ? `<td class="num" title="${e(String(r.splitScores[s][k]))}">${e(formatScore(r.splitScores[s][k]))}</td>` : '<td class="num"></td>')).join(''))
          .join('') +
        '</tr>',
    )
    .join('\n');
  return `<details class="splits"><summary>Scores by split (${splits.map(e).join(', ')})</summary><div class="scroll"><table class="splits"><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div></details>`;
}

function chartsSection(input: HtmlReportInput, keys: string[]): string {
  const scored = input.rows.filter((r) => r.status === 'scored');
  const winner = input.rows.find((r) => r.rank === 1 && r.status === 'scored');
  const times = input.submittedAt ?? {};
  const timed = scored.filter((r) => Object.hasOwn(times, r.submission) && Number.isFinite(parseIsoUtc(times[r.submission])));
  const figures = keys.map((k) => {
    const values = scored.filter((r) => Object.hasOwn(r.scores, k)).map((r) => r.scores[k]);
    const hist = histogramSvg(values, { title: `${k}: distribution`, xLabel: k });
    let scatter: string;
    const distinct = new Set(timed.map((r) => parseIsoUtc(times[r.submission]))).size;
    if (distinct > 0 && distinct < MIN_DISTINCT_TIMES) {
      scatter = `<p class="note">The submissions were made at ${distinct === 1 ? 'one instant' : `only ${distinct} distinct times`}: a score-over-time chart needs at least ${MIN_DISTINCT_TIMES}.</p>`;
    } else if (Object.keys(times).length > 0) {
      const points: ScatterPoint[] = timed
        .filter((r) => Object.hasOwn(r.scores, k))
        .map((r) => ({
          x: parseIsoUtc(times[r.submission]),
          y: r.scores[k],
          label: `${r.participant} (${shortHash(r.submission)}) ${times[r.submission]}: ${formatScore(r.scores[k])}`,
          highlight: r === winner,
        }));
      const hib = higherIsBetter(input, k);
      scatter = scatterSvg(points, { title: `${k}: over time`, xLabel: 'submitted (UTC)', yLabel: k, xIsTime: true, best: hib === undefined ? undefined : hib ? 'max' : 'min' });
    } else {
      scatter = '<p class="note">No submission times given: the score-over-time chart needs <code>submittedAt</code>.</p>';
    }
    return `<figure class="metric"><figcaption>${e(k)}${direction(higherIsBetter(input, k))}</figcaption><div class="charts">${hist}${scatter}</div></figure>`;
  });
  return `<section id="charts"><h2>Metrics</h2>${figures.join('\n')}</section>`;
}

function confusionSection(input: HtmlReportInput): string {
  if (!input.confusion) return '';
  const winner = input.rows.find((r) => r.rank === 1 && r.status === 'scored');
  const who = winner ? `${winner.participant} (${shortHash(winner.submission)})` : 'winner';
  const svg = heatmapSvg(input.confusion.labels, input.confusion.matrix, { title: 'Confusion matrix' });
  return `<section id="confusion"><h2>Winner's confusion matrix</h2><p class="note">Submission of <span class="participant">${e(who)}</span>. Rows are true labels, columns predicted labels; shade is the share of the row.</p>${svg}</section>`;
}

const FINGERPRINT_ORDER = ['engine', 'onnxruntime', 'node', 'platform', 'arch', 'cpu', 'batchSize', 'graphOptimizationLevel', 'specHash', 'datasetSha256'];

function provenanceSection(input: HtmlReportInput): string {
  const fp = input.run.fingerprint as unknown as Record<string, unknown>;
  const keys = [...FINGERPRINT_ORDER.filter((k) => Object.hasOwn(fp, k)), ...Object.keys(fp).filter((k) => !FINGERPRINT_ORDER.includes(k))];
  const rows: [string, string][] = [
    ['benchmark', `${input.benchmark.id} v${input.benchmark.version}`],
    ['run', runLine(input)],
    // The spec hash once: the fingerprint carries it as specHash when it has it.
    ...(Object.hasOwn(fp, 'specHash') ? [] : [['benchmark spec hash', input.benchmark.specHash] as [string, string]]),
    ...keys.map((k): [string, string] => [k, typeof fp[k] === 'string' ? (fp[k] as string) : JSON.stringify(fp[k])]),
  ];
  if (input.receiptHash !== undefined) rows.push(['receipt hash', input.receiptHash]);
  const body = rows.map(([k, v]) => `<tr><th>${e(k)}</th><td><code>${e(v)}</code></td></tr>`).join('\n');
  return `<section id="provenance"><h2>Provenance</h2><p class="note">Scores reproduce bit for bit under the same fingerprint.</p><table class="kv fingerprint"><tbody>\n${body}\n</tbody></table></section>`;
}

function summarySection(input: HtmlReportInput): string {
  const count = (s: ReportRow['status']) => input.rows.filter((r) => r.status === s).length;
  const winner = input.rows.find((r) => r.rank === 1 && r.status === 'scored');
  const card = (label: string, value: string, cls = '') => `<div class="card${cls}"><div class="card-value">${value}</div><div class="card-label">${e(label)}</div></div>`;
  const win = winner
    ? card(
        `winner · ${input.primaryMetric}${Object.hasOwn(winner.scores, input.primaryMetric) ? ' ' + formatScore(winner.scores[input.primaryMetric]) : ''}`,
        `<span class="participant">${e(winner.participant)}</span>`,
        ' winner',
      )
    : card('winner', '—');
  return (
    `<section id="summary" class="cards">` +
    card('submissions', String(input.rows.length)) +
    card('scored', String(count('scored'))) +
    card('failed', String(count('failed')), count('failed') > 0 ? ' bad' : '') +
    card('duplicates', String(count('duplicate'))) +
    win +
    `</section>`
  );
}

export const REPORT_CSS = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--accent:#0969da;--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;--heat:#0969da;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#151b23;--line:#3d444d;--accent:#4493f8;--good:#3fb950;--bad:#f85149;--warn:#d29922;--heat:#4493f8}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:24px;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 12px;border-bottom:1px solid var(--line);padding-bottom:4px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
.sub,.note,footer{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 16px;min-width:120px}
.card-value{font-size:22px;font-weight:600;overflow-wrap:anywhere}.card-label{color:var(--muted);font-size:12px}
.card.bad .card-value{color:var(--bad)}.card.winner .card-value{color:var(--good)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--panel);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
th.primary{color:var(--accent)}
td.best{font-weight:700}
td.participant{overflow-wrap:anywhere;max-width:280px}
td.error,td.reason{overflow-wrap:anywhere;max-width:420px}
tr.row-failed,tr.row-duplicate{color:var(--muted)}
.status{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;border:1px solid currentColor}
.status-scored{color:var(--good)}.status-failed{color:var(--bad)}.status-duplicate{color:var(--warn)}
.code{color:var(--bad)}
.dir{color:var(--muted);font-weight:400}
.count{color:var(--muted);font-weight:400}
details.splits{margin-top:12px}summary{cursor:pointer;color:var(--accent)}
figure.metric{margin:0 0 16px}figcaption{font-weight:600;margin-bottom:4px}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.charts .note{width:360px;margin:0;padding:16px;border:1px dashed var(--line);border-radius:6px}
svg.chart{background:var(--panel);border:1px solid var(--line);border-radius:6px;max-width:100%;height:auto}
svg .chart-title{font-size:12px;font-weight:600;fill:var(--fg)}
svg .axis{stroke:var(--muted);stroke-width:1}
svg .grid{stroke:var(--line);stroke-width:1;stroke-dasharray:2 3}
svg .tick,svg .axis-label,svg .chart-empty{font-size:10px;fill:var(--muted)}
svg .bar{fill:var(--accent);fill-opacity:.75}
svg .pt{fill:var(--accent);fill-opacity:.7}
svg .pt-win{fill:var(--good);fill-opacity:1;stroke:var(--bg);stroke-width:1.5}
svg .best{fill:none;stroke:var(--good);stroke-width:1.5}
svg .cell rect{fill:var(--heat);stroke:var(--bg)}
svg .cell.diag rect{stroke:var(--fg);stroke-opacity:.25}
svg .cell-text{fill:var(--fg)}svg .cell-text.dark{fill:#fff}
table.kv th{width:220px;font-weight:600;white-space:nowrap}
table.kv td code{overflow-wrap:anywhere}
footer{margin-top:40px;border-top:1px solid var(--line);padding-top:8px;font-size:12px}
`;

/** Scripts are forbidden outright; only the inline stylesheet and data: images are allowed. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/**
 * The report as one HTML document (UTF-8 text). Throws ArbiterError E_INTERNAL when the
 * confusion matrix does not match its labels (the engine built it, so that is a bug).
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const keys = reportMetricKeys(input);
  const title = input.title ?? `${input.benchmark.id} v${input.benchmark.version} — run ${input.run.id}`;
  const footer = `Generated by ${e(input.generatedBy)}${input.generatedAt !== undefined ? ` at ${e(input.generatedAt)}` : ''}. Self-contained page: no script, no network.`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="${e(input.generatedBy)}">`,
    `<title>${e(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${e(title)}</h1><p class="sub">Benchmark <code>${e(input.benchmark.id)}</code> v${e(String(input.benchmark.version))} · ${e(runLine(input))} · ranked by <code>${e(input.primaryMetric)}</code></p></header>`,
    summarySection(input),
    `<section id="leaderboard"><h2>Leaderboard</h2>${leaderboardTable(input, keys)}${splitsSection(input.rows, keys)}</section>`,
    failuresSection(input.rows),
    chartsSection(input, keys),
    confusionSection(input),
    provenanceSection(input),
    `<footer>${footer}</footer>`,
    '</body>',
    '</html>',
    '',
  ]
    .filter((s) => s !== '')
    .join('\n')
    .concat('\n');
}
