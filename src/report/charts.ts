// Inline SVG charts for the HTML report, generated as strings: a histogram, a scatter plot with
// a best-so-far line, and a confusion-matrix heatmap. No script, no external resource; hover
// details are SVG <title> elements. Pure: the same data gives the same bytes (coordinates are
// rounded to 0.01 px, numbers are formatted without locale). Styling comes from CSS classes
// that the page defines (see html.ts), so charts follow the page's light/dark colours.
import { ArbiterError } from '../errors.ts';
import { escapeHtml, formatScore, formatUtcMinute } from './format.ts';

const W = 360;
const H = 220;
const M = { top: 28, right: 14, bottom: 40, left: 48 };

/** A coordinate with 2 decimals, never "-0". */
function c(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

/**
 * "Nice" axis ticks between lo and hi (1, 2 or 5 times a power of ten), about `count` of them.
 * Tick values are computed as integer multiples of the step, so they print without float noise.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  if (lo > hi) [lo, hi] = [hi, lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  // round the raw step to the nearest of 1, 2, 5, 10 on a log scale (the thresholds d3 uses)
  const stepMul = norm >= Math.sqrt(50) ? 10 : norm >= Math.sqrt(10) ? 5 : norm >= Math.sqrt(2) ? 2 : 1;
  const exp = Math.floor(Math.log10(raw));
  const out: number[] = [];
  const first = Math.ceil(lo / (stepMul * mag) - 1e-9);
  const last = Math.floor(hi / (stepMul * mag) + 1e-9);
  for (let i = first; i <= last; i++) {
    // i * stepMul * 10^exp, rounded to the step's decimals to avoid 0.30000000000000004
    const v = i * stepMul * mag;
    out.push((exp < 0 ? Number(v.toFixed(-exp)) : v) || 0); // `|| 0` turns -0 into 0
  }
  return out;
}

function frame(title: string, body: string, extraClass = ''): string {
  const t = escapeHtml(title);
  return (
    `<svg class="chart${extraClass}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${t}">` +
    `<title>${t}</title>` +
    `<text class="chart-title" x="${M.left}" y="16">${t}</text>` +
    body +
    `</svg>`
  );
}

function emptyChart(title: string, message: string): string {
  return frame(title, `<text class="chart-empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">${escapeHtml(message)}</text>`);
}

function axes(xLabel: string, yLabel: string): string {
  const x0 = M.left;
  const y0 = H - M.bottom;
  return (
    `<line class="axis" x1="${x0}" y1="${M.top}" x2="${x0}" y2="${y0}"/>` +
    `<line class="axis" x1="${x0}" y1="${y0}" x2="${W - M.right}" y2="${y0}"/>` +
    `<text class="axis-label" x="${c((x0 + W - M.right) / 2)}" y="${H - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>` +
    `<text class="axis-label" x="12" y="${c((M.top + y0) / 2)}" text-anchor="middle" transform="rotate(-90 12 ${c((M.top + y0) / 2)})">${escapeHtml(yLabel)}</text>`
  );
}

function yTicks(ticks: number[], sy: (v: number) => number, fmt: (v: number) => string): string {
  return ticks
    .map((t) => {
      const y = c(sy(t));
      return `<line class="grid" x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}"/><text class="tick" x="${M.left - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(fmt(t))}</text>`;
    })
    .join('');
}

/** `edges`: anchor the first label at its start and the last at its end, so long labels (times) stay inside. */
function xTicks(ticks: number[], sx: (v: number) => number, fmt: (v: number) => string, edges = false): string {
  const y0 = H - M.bottom;
  return ticks
    .map((t, i) => {
      const x = c(sx(t));
      const anchor = !edges || ticks.length === 1 ? 'middle' : i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle';
      return `<line class="axis" x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 4}"/><text class="tick" x="${x}" y="${y0 + 15}" text-anchor="${anchor}">${escapeHtml(fmt(t))}</text>`;
    })
    .join('');
}

/** Sturges' rule, ceil(log2 n) + 1, capped at 20 bins (as numpy's 'sturges' before the cap). */
export function binCount(n: number): number {
  return Math.min(20, Math.max(1, Math.ceil(Math.log2(n)) + 1));
}

export interface HistogramBin {
  lo: number;
  hi: number;
  count: number;
}

/**
 * Equal-width bins from min to max (the last bin includes max); Sturges' rule for the bin
 * count, at most 20; a single bin when all values are equal. Non-finite values are ignored.
 */
export function histogramBins(values: readonly number[]): HistogramBin[] {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return [];
  let lo = v[0];
  let hi = v[0];
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (lo === hi) return [{ lo, hi, count: v.length }];
  const k = binCount(v.length);
  const width = (hi - lo) / k;
  const bins: HistogramBin[] = [];
  for (let i = 0; i < k; i++) bins.push({ lo: lo + i * width, hi: i === k - 1 ? hi : lo + (i + 1) * width, count: 0 });
  for (const x of v) bins[Math.min(k - 1, Math.floor((x - lo) / width))].count++;
  return bins;
}

/** A histogram of score values: one bar per bin, hover shows the range and count. */
export function histogramSvg(values: readonly number[], opts: { title: string; xLabel: string }): string {
  const bins = histogramBins(values);
  if (bins.length === 0) return emptyChart(opts.title, 'no scored submissions');
  const lo = bins[0].lo;
  const hi = bins[bins.length - 1].hi;
  const maxCount = Math.max(...bins.map((b) => b.count));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const sy = (n: number) => H - M.bottom - (n / maxCount) * plotH;
  const barW = plotW / bins.length;
  const bars = bins
    .map((b, i) => {
      const x = M.left + i * barW;
      const y = sy(b.count);
      const range = lo === hi ? formatScore(lo) : `${formatScore(b.lo)} – ${formatScore(b.hi)}`;
      return `<rect class="bar" x="${c(x + 1)}" y="${c(y)}" width="${c(Math.max(1, barW - 2))}" height="${c(H - M.bottom - y)}"><title>${escapeHtml(`${range}: ${b.count}`)}</title></rect>`;
    })
    .join('');
  const yt = niceTicks(0, maxCount, Math.min(4, maxCount)).filter((t) => Number.isInteger(t));
  const sx = (v: number) => (lo === hi ? M.left + plotW / 2 : M.left + ((v - lo) / (hi - lo)) * plotW);
  const xt = lo === hi ? [lo] : niceTicks(lo, hi, 4).filter((t) => t >= lo && t <= hi);
  return frame(opts.title, axes(opts.xLabel, 'submissions') + yTicks(yt, sy, String) + bars + xTicks(xt, sx, formatScore));
}

export interface ScatterPoint {
  /** epoch milliseconds when `xIsTime`, else any number (e.g. submission order) */
  x: number;
  y: number;
  /** hover text (escaped here) */
  label: string;
  /** drawn larger and in the highlight colour (the winner) */
  highlight?: boolean;
}

/**
 * A scatter plot of score against submission time (or order). With `best` set, a step line
 * shows the best score so far ('max' when higher is better, 'min' when lower is better).
 * Points are drawn in x order (ties keep their input order).
 */
export function scatterSvg(
  points: readonly ScatterPoint[],
  opts: { title: string; xLabel: string; yLabel: string; xIsTime?: boolean; best?: 'max' | 'min' },
): string {
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p, i) => ({ p, i }));
  if (pts.length === 0) return emptyChart(opts.title, 'no scored submissions');
  pts.sort((a, b) => a.p.x - b.p.x || a.i - b.i);
  let xlo = pts[0].p.x;
  let xhi = pts[pts.length - 1].p.x;
  let ylo = Math.min(...pts.map((q) => q.p.y));
  let yhi = Math.max(...pts.map((q) => q.p.y));
  if (xlo === xhi) {
    xlo -= 1;
    xhi += 1;
  }
  if (ylo === yhi) {
    const pad = ylo === 0 ? 1 : Math.abs(ylo) * 0.1;
    ylo -= pad;
    yhi += pad;
  }
  const plotW = W - M.left - M.right - 8;
  const plotH = H - M.top - M.bottom - 8;
  const sx = (v: number) => M.left + 4 + ((v - xlo) / (xhi - xlo)) * plotW;
  const sy = (v: number) => H - M.bottom - 4 - ((v - ylo) / (yhi - ylo)) * plotH;
  const yt = niceTicks(ylo, yhi, 4).filter((t) => t >= ylo && t <= yhi);
  const xt = opts.xIsTime
    ? points.length === 1 || pts[0].p.x === pts[pts.length - 1].p.x
      ? [pts[0].p.x]
      : [pts[0].p.x, pts[pts.length - 1].p.x]
    : niceTicks(xlo, xhi, 4).filter((t) => t >= xlo && t <= xhi);
  const xfmt = opts.xIsTime ? formatUtcMinute : formatScore;

  let line = '';
  if (opts.best) {
    let best = pts[0].p.y;
    let d = `M${c(sx(pts[0].p.x))} ${c(sy(best))}`;
    for (const { p } of pts.slice(1)) {
      d += ` H${c(sx(p.x))}`;
      const better = opts.best === 'max' ? p.y > best : p.y < best;
      if (better) {
        best = p.y;
        d += ` V${c(sy(best))}`;
      }
    }
    line = `<path class="best" d="${d}"><title>best so far</title></path>`;
  }
  const dots = pts
    .map(({ p }) => `<circle class="${p.highlight ? 'pt pt-win' : 'pt'}" cx="${c(sx(p.x))}" cy="${c(sy(p.y))}" r="${p.highlight ? 5 : 3.5}"><title>${escapeHtml(p.label)}</title></circle>`)
    .join('');
  return frame(opts.title, axes(opts.xLabel, opts.yLabel) + yTicks(yt, sy, formatScore) + xTicks(xt, sx, xfmt, opts.xIsTime === true) + line + dots);
}

/** Shortens a label for an axis; the full text stays in the cell's hover title. */
function clip(label: string, max: number): string {
  const cps = [...label];
  return cps.length <= max ? label : cps.slice(0, max - 1).join('') + '…';
}

/**
 * A confusion-matrix heatmap: rows are true labels, columns predicted labels, each cell shows
 * its count; shade is the cell's share of its row (so recall per class reads along the
 * diagonal). `matrix` must be labels.length x labels.length of finite non-negative numbers.
 */
export function heatmapSvg(labels: readonly string[], matrix: readonly (readonly number[])[], opts: { title: string }): string {
  const n = labels.length;
  if (matrix.length !== n || matrix.some((r) => r.length !== n)) {
    throw new ArbiterError('E_INTERNAL', `confusion matrix must be ${n} x ${n} to match its ${n} labels, found ${matrix.length} rows of lengths ${matrix.map((r) => r.length).join(',')}`);
  }
  if (matrix.some((r) => r.some((v) => !Number.isFinite(v) || v < 0))) {
    throw new ArbiterError('E_INTERNAL', 'confusion matrix cells must be finite non-negative counts');
  }
  if (n === 0) return emptyChart(opts.title, 'no classes');
  const cell = Math.max(16, Math.min(48, Math.floor(360 / n)));
  const maxLen = Math.min(14, Math.max(...labels.map((l) => [...l].length)));
  const left = 28 + maxLen * 7;
  const top = 44;
  const width = Math.max(left + n * cell + 10, 16 + [...opts.title].length * 7);
  const height = top + n * cell + 16 + maxLen * 5;
  const t = escapeHtml(opts.title);
  const parts: string[] = [];
  parts.push(`<svg class="chart heatmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${t}"><title>${t}</title>`);
  parts.push(`<text class="chart-title" x="8" y="16">${t}</text>`);
  parts.push(`<text class="axis-label" x="${c(left + (n * cell) / 2)}" y="34" text-anchor="middle">predicted</text>`);
  parts.push(`<text class="axis-label" x="12" y="${c(top + (n * cell) / 2)}" text-anchor="middle" transform="rotate(-90 12 ${c(top + (n * cell) / 2)})">true</text>`);
  for (let i = 0; i < n; i++) {
    const y = top + i * cell;
    parts.push(`<text class="tick" x="${left - 4}" y="${c(y + cell / 2)}" text-anchor="end" dominant-baseline="middle">${escapeHtml(clip(labels[i], 14))}</text>`);
    const x = left + i * cell + cell / 2;
    const ly = top + n * cell + 6;
    parts.push(`<text class="tick" x="${c(x)}" y="${ly}" text-anchor="end" dominant-baseline="middle" transform="rotate(-45 ${c(x)} ${ly})">${escapeHtml(clip(labels[i], 14))}</text>`);
  }
  const fontSize = Math.min(12, Math.max(8, Math.floor(cell / 3)));
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (const v of matrix[i]) rowSum += v;
    for (let j = 0; j < n; j++) {
      const v = matrix[i][j];
      const frac = rowSum > 0 ? v / rowSum : 0;
      const x = left + j * cell;
      const y = top + i * cell;
      const alpha = Math.round((0.04 + 0.96 * frac) * 1000) / 1000;
      const share = rowSum > 0 ? ` (${formatScore(Math.round(frac * 10000) / 100)}% of true ${labels[i]})` : '';
      parts.push(
        `<g class="${i === j ? 'cell diag' : 'cell'}"><rect x="${c(x)}" y="${c(y)}" width="${cell}" height="${cell}" fill-opacity="${alpha}"/>` +
          `<text class="${frac > 0.55 ? 'cell-text dark' : 'cell-text'}" x="${c(x + cell / 2)}" y="${c(y + cell / 2)}" text-anchor="middle" dominant-baseline="middle" font-size="${fontSize}">${escapeHtml(formatScore(v))}</text>` +
          `<title>${escapeHtml(`true ${labels[i]}, predicted ${labels[j]}: ${formatScore(v)}${share}`)}</title></g>`,
      );
    }
  }
  parts.push('</svg>');
  return parts.join('');
}
