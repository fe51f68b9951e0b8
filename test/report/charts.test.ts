import { describe, expect, it } from 'vitest';
import { binCount, heatmapSvg, histogramBins, histogramSvg, niceTicks, scatterSvg } from '../../src/report/charts.ts';
import { escapeHtml, formatUtcMinute, parseIsoUtc } from '../../src/report/format.ts';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten, without float noise', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.5, 0.9666666666666667, 4)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(niceTicks(0, 7, 4)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(-3, 3, 3)).toEqual([-2, 0, 2]);
    expect(niceTicks(0.1, 0.3, 2)).toEqual([0.1, 0.2, 0.3]);
    expect(niceTicks(5, 5)).toEqual([5]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });
});

describe('histogramBins', () => {
  it('matches numpy.histogram(values, bins="sturges") on the fixture scores', () => {
    // numpy 1.24.2: np.histogram([0.5, 0.9333333333333333, 0.9666666666666667], bins=3) -> [1, 0, 2]
    expect(histogramBins([0.5, 0.9333333333333333, 0.9666666666666667]).map((b) => b.count)).toEqual([1, 0, 2]);
    // np.histogram([0.1*i for i in range(11)] + [0.95, 0.95], bins=5) -> [2, 2, 2, 2, 5]
    const v = [...Array.from({ length: 11 }, (_, i) => 0.1 * i), 0.95, 0.95];
    const bins = histogramBins(v);
    expect(bins.map((b) => b.count)).toEqual([2, 2, 2, 2, 5]);
    expect(bins[0].lo).toBe(0);
    expect(bins[4].hi).toBe(1); // the last bin ends exactly at the maximum and includes it
  });

  it('puts equal values in one bin, ignores non-finite values, and is empty for no data', () => {
    expect(histogramBins([0.7, 0.7, 0.7])).toEqual([{ lo: 0.7, hi: 0.7, count: 3 }]);
    expect(histogramBins([Number.NaN, 1, Number.POSITIVE_INFINITY, 1])).toEqual([{ lo: 1, hi: 1, count: 2 }]);
    expect(histogramBins([])).toEqual([]);
  });

  it('caps the bin count at 20', () => {
    expect([1, 2, 3, 13, 20_000, 1 << 19, (1 << 19) + 1, 1e9].map(binCount)).toEqual([1, 2, 3, 5, 16, 20, 20, 20]); // Sturges says 21 for 2^19+1
    expect(histogramBins(Array.from({ length: 20_000 }, (_, i) => i)).length).toBe(16); // ceil(log2 20000) + 1
  });
});

describe('histogramSvg', () => {
  it('draws one bar per bin with its count on hover, and an empty chart for no data', () => {
    const svg = histogramSvg([0.5, 0.9333333333333333, 0.9666666666666667], { title: 'acc', xLabel: 'acc' });
    expect(svg.match(/<rect class="bar"/g)?.length).toBe(3);
    expect(svg).toContain('<title>0.5 – 0.655556: 1</title>');
    expect(svg).toContain('<title>0.811111 – 0.966667: 2</title>');
    expect(histogramSvg([], { title: 't', xLabel: 'x' })).toContain('no scored submissions');
    expect(histogramSvg([1, 1], { title: 't', xLabel: 'x' })).toContain('<title>1: 2</title>');
  });
});

describe('scatterSvg', () => {
  const pts = [
    { x: 2, y: 0.7, label: 'c' },
    { x: 0, y: 0.5, label: 'a' },
    { x: 1, y: 0.4, label: 'b', highlight: true },
  ];
  const bestPath = (svg: string) => /<path class="best" d="([^"]*)"/.exec(svg)?.[1] ?? '';

  it('draws every point, highlighting the winner, in x order', () => {
    const svg = scatterSvg(pts, { title: 't', xLabel: 'x', yLabel: 'y' });
    expect(svg.match(/<circle /g)?.length).toBe(3);
    expect(svg.match(/class="pt pt-win"/g)?.length).toBe(1);
    expect([...svg.matchAll(/<circle[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1])).toEqual(['a', 'b', 'c']);
    expect(svg).not.toContain('class="best"');
  });

  it('steps the best-so-far line only on improvements', () => {
    // max: 0.5 -> (0.4 no) -> 0.7 improves once; min: 0.5 -> 0.4 improves once -> (0.7 no)
    const max = bestPath(scatterSvg(pts, { title: 't', xLabel: 'x', yLabel: 'y', best: 'max' }));
    const min = bestPath(scatterSvg(pts, { title: 't', xLabel: 'x', yLabel: 'y', best: 'min' }));
    expect(max.match(/V/g)?.length).toBe(1);
    expect(min.match(/V/g)?.length).toBe(1);
    expect(max.match(/H/g)?.length).toBe(2);
    // max ends at the top of the plot (0.7 is the highest value), min ends at the bottom (0.4)
    expect(max.endsWith(`V${/cy="([\d.]+)"[^>]*><title>c</.exec(scatterSvg(pts, { title: 't', xLabel: 'x', yLabel: 'y' }))?.[1]}`)).toBe(true);
    expect(min).not.toBe(max);
  });

  it('labels a time axis in UTC and survives a single point', () => {
    const t0 = Date.UTC(2026, 10, 17, 12, 0);
    const t1 = Date.UTC(2026, 10, 20, 10, 0);
    const svg = scatterSvg([{ x: t0, y: 1, label: 'a' }, { x: t1, y: 2, label: 'b' }], { title: 't', xLabel: 'x', yLabel: 'y', xIsTime: true });
    expect(svg).toContain('>2026-11-17 12:00</text>');
    expect(svg).toContain('>2026-11-20 10:00</text>');
    const one = scatterSvg([{ x: t0, y: 0.5, label: 'a' }], { title: 't', xLabel: 'x', yLabel: 'y', xIsTime: true, best: 'max' });
    expect(one.match(/<circle /g)?.length).toBe(1);
    expect(one).not.toMatch(/NaN|Infinity/);
  });
});

describe('heatmapSvg', () => {
  it('draws n x n cells with counts, the diagonal marked, labels escaped', () => {
    const svg = heatmapSvg(['cat', '<b>dog</b>'], [[3, 1], [0, 4]], { title: 'cm' });
    expect(svg.match(/<g class="cell/g)?.length).toBe(4);
    expect(svg.match(/<g class="cell diag"/g)?.length).toBe(2);
    expect(svg).toContain('&lt;b&gt;dog&lt;/b&gt;');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('<title>true cat, predicted &lt;b&gt;dog&lt;/b&gt;: 1 (25% of true cat)</title>');
    // row share drives the shade: 3/4 of row 0 -> 0.04 + 0.96 * 0.75 = 0.76
    expect(svg).toContain('fill-opacity="0.76"');
  });

  it('rejects a matrix that does not match its labels', () => {
    expect(() => heatmapSvg(['a', 'b'], [[1, 2]], { title: 'x' })).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    expect(() => heatmapSvg(['a', 'b'], [[1, 2], [3]], { title: 'x' })).toThrow(/must be 2 x 2/);
    expect(() => heatmapSvg(['a'], [[-1]], { title: 'x' })).toThrow(/non-negative/);
  });
});

describe('format helpers', () => {
  it('escapes markup characters and control characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml('bell\x07 esc\x1b ok\ttab\nline')).toBe('bell\\u0007 esc\\u001b ok\ttab\nline');
  });

  it('reads times without a zone as UTC, so the page does not depend on the machine', () => {
    expect(parseIsoUtc('2026-11-20T10:00:00')).toBe(Date.UTC(2026, 10, 20, 10, 0, 0));
    expect(parseIsoUtc('2026-11-20T10:00:00Z')).toBe(Date.UTC(2026, 10, 20, 10, 0, 0));
    expect(parseIsoUtc('2026-11-20T12:00:00+02:00')).toBe(Date.UTC(2026, 10, 20, 10, 0, 0));
    expect(parseIsoUtc('yesterday')).toBeNaN();
    expect(formatUtcMinute(Date.UTC(2026, 0, 2, 3, 4, 59))).toBe('2026-01-02 03:04');
  });
});
