// The history of a federation's rounds in every format a leaderboard has (table, JSON, CSV,
// Markdown) and as a self-contained HTML page with the global score per round (the chart where
// "over time" means something: one point per round, accepted rounds highlighted, the best accepted
// score so far as a line). Plain data in, text out; pure, so the same rounds print the same bytes.
import { csvField, csvText, formatTable, mdCell } from './leaderboard.ts';
import { escapeHtml as e, formatScore, shortHash } from './format.ts';
import { scatterSvg } from './charts.ts';
import { REPORT_CSP, REPORT_CSS } from './html.ts';
import { sanitizeTerminal } from './terminal.ts';

export interface RoundsRow {
  round: number;
  modelSha256: string;
  modelKind: string;
  parentRound: number | null;
  /** metric key -> global score (empty when no partial was valid) */
  globalScores: Record<string, number>;
  accepted: boolean;
  /** party -> counted vote */
  votes: Record<string, 'accept' | 'reject'>;
  flagged: Array<{ party: string; reason: string }>;
  /** party -> amount (integer string) */
  rewards: Record<string, string>;
}

export interface RoundsTable {
  federation: { id: string; version: number; specHash: string };
  primary: string;
  higherIsBetter: boolean;
  rounds: RoundsRow[];
}

export type RoundsFormat = 'table' | 'json' | 'csv' | 'md' | 'html';

const votesText = (v: Record<string, string>) => Object.entries(v).map(([p, d]) => `${p}:${d}`).join(' ');
const flaggedText = (f: RoundsRow['flagged']) => f.map((x) => `${x.party}(${x.reason})`).join(' ');
const rewardsText = (r: Record<string, string>) => Object.entries(r).map(([p, a]) => `${p}:${a}`).join(' ');

function cells(t: RoundsTable, r: RoundsRow, full: boolean): string[] {
  const score = r.globalScores[t.primary];
  return [
    String(r.round), full ? r.modelSha256 : shortHash(r.modelSha256),
    score === undefined ? '' : full ? String(score) : formatScore(score),
    r.accepted ? 'yes' : 'no', r.parentRound === null ? '' : String(r.parentRound),
    votesText(r.votes), flaggedText(r.flagged), rewardsText(r.rewards),
  ];
}

function headers(t: RoundsTable): string[] {
  return ['round', 'model', `global ${t.primary}`, 'accepted', 'parent', 'votes', 'flagged', 'rewards'];
}

/** The rounds in one of five formats (table/md without a final newline for table, with one for the rest). */
export function formatRounds(t: RoundsTable, format: RoundsFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(t)}\n`;
    case 'csv': {
      const lines = [headers(t).map(csvField).join(',')];
      for (const r of t.rounds) lines.push(cells(t, r, true).map((c, i) => (i >= 5 ? csvText(c) : csvField(c))).join(','));
      return `${lines.join('\r\n')}\r\n`;
    }
    case 'md': {
      const h = headers(t);
      const lines = [`| ${h.map(mdCell).join(' | ')} |`, `|${h.map((_, i) => (i === 0 || i === 2 ? ' ---: ' : ' --- ')).join('|')}|`];
      for (const r of t.rounds) lines.push(`| ${cells(t, r, false).map(mdCell).join(' | ')} |`);
      return `${lines.join('\n')}\n`;
    }
    case 'html':
      return roundsHtml(t);
    default:
      return formatTable(headers(t), t.rounds.map((r) => cells(t, r, false).map(sanitizeTerminal)), { align: ['right', 'left', 'right'] });
  }
}

/** The HTML page: a summary, the score per round chart, the rounds table. No script, no network. */
export function roundsHtml(t: RoundsTable): string {
  const title = `${t.federation.id} v${t.federation.version} — federated rounds`;
  const points = t.rounds.filter((r) => t.primary in r.globalScores).map((r) => ({
    x: r.round, y: r.globalScores[t.primary]!, highlight: r.accepted,
    label: `round ${r.round}: ${t.primary} ${formatScore(r.globalScores[t.primary]!)} (${r.accepted ? 'accepted' : 'rejected'})`,
  }));
  const chart = scatterSvg(points, { title: `global ${t.primary} per round (filled: accepted)`, xLabel: 'round', yLabel: t.primary });
  const accepted = t.rounds.filter((r) => r.accepted).length;
  const rows = t.rounds.map((r) => {
    const c = cells(t, r, false);
    return `<tr class="${r.accepted ? 'ok' : 'failed'}"><td class="num">${e(c[0]!)}</td><td><code title="${e(r.modelSha256)}">${e(c[1]!)}</code></td><td class="num">${e(c[2]!)}</td><td>${e(c[3]!)}</td><td class="num">${e(c[4]!)}</td><td>${e(c[5]!)}</td><td>${e(c[6]!)}</td><td>${e(c[7]!)}</td></tr>`;
  }).join('');
  return [
    '<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(title)}</title>`, '<link rel="icon" href="data:,">', `<style>${REPORT_CSS}</style>`, '</head>', '<body>',
    `<header><h1>${e(title)}</h1><p class="sub">Federation <code>${e(t.federation.id)}</code> · spec <code>${e(shortHash(t.federation.specHash))}</code> · ${t.rounds.length} round${t.rounds.length === 1 ? '' : 's'}, ${accepted} accepted · decided by <code>${e(t.primary)}</code> (${t.higherIsBetter ? 'higher' : 'lower'} is better)</p></header>`,
    `<section id="chart"><h2>Score per round</h2><div class="charts"><figure class="metric">${chart}</figure></div></section>`,
    `<section id="rounds"><h2>Rounds</h2><table><thead><tr>${headers(t).map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></section>`,
    '<footer>Generated by arbiter fl rounds. Self-contained page: no script, no network.</footer>',
    '</body>', '</html>', '',
  ].join('\n');
}
