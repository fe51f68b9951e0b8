// The model registry's output (`arbiter models`, `arbiter models show`): a table for a terminal,
// JSON, CSV and Markdown, like the leaderboard's, with every piece of user text (participant names,
// file names, base-model names, federation names, metric names) neutralised the same way.
// Pure functions of their arguments: the same registry always prints the same bytes.
import { csvField, csvText, formatTable, mdCell, type Align, type LeaderboardFormat } from './leaderboard.ts';
import { createColors, sanitizeTerminal, truncateToWidth, type Colors } from './terminal.ts';
import { formatScore, shortHash } from './format.ts';
import type { LineageLink, ModelEntry, ModelScore } from '../models/registry.ts';

export type ModelsFormat = LeaderboardFormat;

/** Who brought the model: each submission as `participant (benchmark)`, each round as `federation round N`. */
function sourcesText(e: ModelEntry): string {
  return [
    ...e.submissions.map((s) => `${s.participant} (${s.benchmark})`),
    ...e.rounds.map((r) => `${r.federation} round ${r.round}${r.accepted ? '' : ' (rejected)'}`),
  ].join(', ');
}

function parentText(e: ModelEntry): string {
  return e.rounds.filter((r) => r.parentRound !== null).map((r) => `${r.federation} round ${r.parentRound}`).join(', ');
}

function baseText(e: ModelEntry): string {
  if (!e.baseModel) return '';
  return `${e.baseModel.name}${e.baseModel.source === 'config' ? ' (config)' : ''}`;
}

function weightsText(e: ModelEntry, full: boolean): string {
  if (e.factsError) return `unreadable (${e.factsError.code})`;
  if (e.sameWeightsAs) return `same weights as ${full ? e.sameWeightsAs : shortHash(e.sameWeightsAs)}`;
  return e.weightsHash ? (full ? e.weightsHash : shortHash(e.weightsHash)) : '';
}

/** Scores grouped by where they come from: `bench run 3 private: m=v, m=v; fed round 2: m=v`. */
export function scoresText(scores: readonly ModelScore[], num: (v: number) => string, withheld = 0): string {
  const groups = new Map<string, string[]>();
  for (const s of scores) {
    const key = s.source === 'run' ? `${s.benchmark} run ${s.run} ${s.split}` : `${s.federation} round ${s.round}`;
    let g = groups.get(key);
    if (!g) { g = []; groups.set(key, g); }
    g.push(`${s.metric}=${num(s.value)}`);
  }
  const parts = [...groups.entries()].map(([k, v]) => `${k}: ${v.join(', ')}`);
  if (withheld > 0) parts.push(`${withheld} withheld until release`);
  return parts.join('; ');
}

const HEADERS = ['model', 'kind', 'bytes', 'params', 'submitted by / round', 'base model', 'parent round', 'weights', 'scores'];
const ALIGN: Align[] = ['left', 'left', 'right', 'right', 'left', 'left', 'left', 'left', 'left'];
/** The widest base-model name a table cell shows (names may have 200 characters). */
const TABLE_NAME_WIDTH = 40;

/**
 * Every model, one row each, in one of four formats:
 * - 'json': `{"models": [ModelEntry...]}` on one line (the full data);
 * - 'csv': RFC 4180 with full hashes and full-precision scores, user text neutralised (csvText);
 * - 'md': a GFM table, short hashes, markup escaped;
 * - 'table': aligned columns, short hashes, control characters escaped.
 */
export function formatModels(entries: readonly ModelEntry[], format: ModelsFormat, colors?: Colors): string {
  if (format === 'json') return `${JSON.stringify({ models: entries })}\n`;
  if (format === 'csv') {
    const lines = [[...HEADERS.slice(0, 4), 'submitted_by', 'base_model', 'parent_round', 'weights', 'scores'].map(csvField).join(',')];
    for (const e of entries) {
      lines.push([csvField(e.sha256), csvText(e.kind), csvField(String(e.bytes)), csvField(e.params === null ? '' : String(e.params)),
        csvText(sourcesText(e)), csvText(baseText(e)), csvText(parentText(e)), csvField(weightsText(e, true)),
        csvText(scoresText(e.scores, (v) => String(v), e.withheldScores))].join(','));
    }
    return lines.join('\r\n') + '\r\n';
  }
  const rows = entries.map((e) => [shortHash(e.sha256), e.kind, String(e.bytes), e.params === null ? '' : String(e.params),
    sourcesText(e), baseText(e), parentText(e), weightsText(e, false), scoresText(e.scores, formatScore, e.withheldScores)]);
  if (format === 'md') {
    const lines = [`| ${HEADERS.map(mdCell).join(' | ')} |`, `| ${ALIGN.map((a) => (a === 'right' ? '---:' : '---')).join(' | ')} |`];
    for (const r of rows) lines.push(`| ${r.map(mdCell).join(' | ')} |`);
    return lines.join('\n') + '\n';
  }
  const col = colors ?? createColors(false);
  const body = rows.map((r) => r.map((cell, i) => {
    const safe = sanitizeTerminal(cell);
    if (i === 5) return truncateToWidth(safe, TABLE_NAME_WIDTH);
    if (i === 7 && cell.startsWith('same weights')) return col.yellow(safe);
    return safe;
  }));
  return formatTable(HEADERS.map((h) => col.bold(h)), body, { align: ALIGN });
}

function linkText(l: LineageLink, full: boolean): string {
  const hash = l.sha256 === null ? 'not in the store' : full ? l.sha256 : shortHash(l.sha256);
  const what = l.relation === 'parent-round'
    ? `parent round: ${l.federation} round ${l.round} (${hash})`
    : `base model: ${l.name}${l.source === 'config' ? ' (from config.json)' : ''}${l.sha256 === null ? '' : ` (${hash})`}`;
  return l.cycle ? `${what} (cycle: already in this chain)` : what;
}

/**
 * One model with its lineage chain and every score:
 * - 'json': `{"model": ModelEntry, "lineage": [LineageLink...]}` on one line;
 * - 'table' / 'md' / 'csv': the model's fields, the chain (this model first, each step indented),
 *   then one line per score (csv: field,value rows and score rows).
 */
export function formatModelShow(model: ModelEntry, lineage: readonly LineageLink[], format: ModelsFormat, colors?: Colors): string {
  if (format === 'json') return `${JSON.stringify({ model, lineage })}\n`;
  const full = format === 'csv';
  const fields: Array<[string, string]> = [
    ['model', model.sha256],
    ['kind', model.kind],
    ['bytes', String(model.bytes)],
    ['params', model.params === null ? 'unknown' : String(model.params)],
    ['weights', weightsText(model, true) || 'unknown'],
    ['submitted by / round', sourcesText(model)],
    ['base model', baseText(model)],
    ['parent round', parentText(model)],
    ...(model.factsError ? [['bytes unreadable', `${model.factsError.code}: ${model.factsError.message}`] as [string, string]] : []),
    ...(model.withheldScores > 0 ? [['withheld scores', `${model.withheldScores} (until the benchmark's release)`] as [string, string]] : []),
  ];
  const chain = [full ? model.sha256 : shortHash(model.sha256), ...lineage.map((l) => linkText(l, full))];
  const scoreRows = model.scores.map((s) => s.source === 'run'
    ? [`${s.benchmark} run ${s.run}`, s.split, s.metric, full ? String(s.value) : formatScore(s.value)]
    : [`${s.federation} round ${s.round}${s.accepted ? '' : ' (rejected)'}`, 'global', s.metric, full ? String(s.value) : formatScore(s.value)]);

  if (format === 'csv') {
    const lines = ['section,name,value,split,metric'];
    for (const [k, v] of fields) lines.push(['field', csvField(k), csvText(v), '', ''].join(','));
    chain.forEach((c, i) => lines.push(['lineage', csvField(String(i)), csvText(c), '', ''].join(',')));
    for (const [where, split, metric, value] of scoreRows) lines.push(['score', csvText(where!), csvField(value!), csvText(split!), csvText(metric!)].join(','));
    return lines.join('\r\n') + '\r\n';
  }
  if (format === 'md') {
    const out = ['| field | value |', '| --- | --- |', ...fields.map(([k, v]) => `| ${mdCell(k)} | ${mdCell(v)} |`), '', '**Lineage**', ''];
    chain.forEach((c, i) => out.push(`${'  '.repeat(i)}- ${mdCell(c)}`));
    out.push('', '| where | split | metric | value |', '| --- | --- | --- | ---: |');
    for (const r of scoreRows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
    return out.join('\n') + '\n';
  }
  const col = colors ?? createColors(false);
  const out = [formatTable(['field', 'value'].map((h) => col.bold(h)), fields.map(([k, v]) => [k, sanitizeTerminal(v)])), '', col.bold('lineage')];
  chain.forEach((c, i) => out.push(`${i === 0 ? '' : `${'  '.repeat(i - 1)}└─ `}${sanitizeTerminal(c)}`));
  out.push('');
  out.push(scoreRows.length === 0 ? 'no scores' : formatTable(['where', 'split', 'metric', 'value'].map((h) => col.bold(h)), scoreRows.map((r) => r.map(sanitizeTerminal)), { align: ['left', 'left', 'left', 'right'] }));
  return out.join('\n');
}
