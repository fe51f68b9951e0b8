// Opens the HTML report in real headless Chromium (Debian's /usr/bin/chromium, driven over the
// DevTools pipe) and checks what a person would see: the page loads with no console error and
// no network request, the leaderboard has the expected rows, hostile names stay text, and a
// screenshot is written to test-artifacts/report.png (and report-dark.png). Skips with a notice when Chromium is absent.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html.ts';
import { fixtureInput, SHA_A, XSS } from '../report/fixture.ts';
import { CdpBrowser, type CdpEvent } from './cdp.ts';

const CHROMIUM = process.env.ARBITER_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');

if (!HAVE_CHROMIUM) {
  console.warn(`[browser tests skipped] ${CHROMIUM} not found. Install it with: apt-get install -y --no-install-recommends chromium`);
}

interface LoadedPage {
  sessionId: string;
  /** console errors, uncaught exceptions and browser log errors (CSP violations, failed loads) */
  errors: string[];
  /** every URL the page asked for */
  requests: string[];
}

/** Opens `url` in a fresh 1280x900 page and waits for its load event. */
async function load(browser: CdpBrowser, url: string): Promise<LoadedPage> {
  const sessionId = await browser.newPage();
  const page: LoadedPage = { sessionId, errors: [], requests: [] };
  browser.onEvent((e: CdpEvent) => {
    if (e.sessionId !== sessionId) return;
    const p = e.params as Record<string, any>;
    if (e.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert')) {
      page.errors.push(`console.${p.type}: ${(p.args ?? []).map((a: any) => a.value ?? a.description).join(' ')}`);
    } else if (e.method === 'Runtime.exceptionThrown') {
      page.errors.push(`exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
    } else if (e.method === 'Log.entryAdded' && p.entry?.level === 'error') {
      page.errors.push(`log (${p.entry.source}): ${p.entry.text}`);
    } else if (e.method === 'Network.requestWillBeSent') {
      page.requests.push(p.request.url);
    }
  });
  for (const domain of ['Page', 'Runtime', 'Log', 'Network']) await browser.send(`${domain}.enable`, {}, sessionId);
  await browser.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
  const loaded = browser.waitFor((e) => e.sessionId === sessionId && e.method === 'Page.loadEventFired');
  await browser.send('Page.navigate', { url }, sessionId);
  await loaded;
  return page;
}

async function evaluate<T>(browser: CdpBrowser, sessionId: string, expression: string): Promise<T> {
  const r = await browser.send<{ result: { value: T }; exceptionDetails?: { text: string } }>('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
  if (r.exceptionDetails) throw new Error(`evaluate failed: ${r.exceptionDetails.text}`);
  return r.result.value;
}

describe.skipIf(!HAVE_CHROMIUM)('HTML report in headless Chromium', () => {
  let browser: CdpBrowser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbiter-browser-'));
    browser = CdpBrowser.launch(CHROMIUM, join(dir, 'profile'));
    const v = await browser.send<{ product: string }>('Browser.getVersion');
    expect(v.product).toMatch(/Chrome/);
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no console error and no network request, shows the leaderboard, and renders a screenshot', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtmlReport(fixtureInput()));
    const url = pathToFileURL(file).href;
    const page = await load(browser, url);

    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([url]); // the file itself, nothing else: no font, no CDN, no favicon

    const rows = await evaluate<string[][]>(
      browser,
      page.sessionId,
      `Array.from(document.querySelectorAll('table.leaderboard tbody tr')).map((tr) => Array.from(tr.cells).map((td) => td.textContent))`,
    );
    expect(rows.length).toBe(5);
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      ['1', 'alice', SHA_A.slice(0, 12), 'scored'],
      ['2', 'carol | "the, best"', 'b2'.repeat(6), 'scored'],
      ['3', XSS, 'c3'.repeat(6), 'scored'],
      ['—', 'mallory', 'd4'.repeat(6), 'failed'],
      ['—', 'dave\\u001b[2J', 'e5'.repeat(6), 'duplicate'],
    ]);
    // The leaderboard shows the code; the message is in the Failures section, once.
    expect(rows[3][7]).toBe('E_MODEL_CONTRACT');
    const reasons = await evaluate<string[]>(browser, page.sessionId, `Array.from(document.querySelectorAll('table.failures td.reason')).map((td) => td.textContent)`);
    expect(reasons[0]).toMatch(/^expected input 'X' float32 \[batch,4\], found "><img src=x onerror="window.__xss=1">$/);

    const facts = await evaluate<Record<string, unknown>>(
      browser,
      page.sessionId,
      `({ scripts: document.scripts.length, imgs: document.images.length, xss: window.__xss ?? null,
          svgs: document.querySelectorAll('svg.chart').length, title: document.title,
          overflow: document.documentElement.scrollWidth > window.innerWidth,
          fullHash: document.querySelector('table.leaderboard code.sha').getAttribute('title'),
          chartsDrawn: Array.from(document.querySelectorAll('svg.chart')).every((el) => el.getBoundingClientRect().width >= 200),
          bars: document.querySelectorAll('svg rect.bar').length, points: document.querySelectorAll('svg circle.pt').length,
          cells: document.querySelectorAll('svg g.cell').length })`,
    );
    expect(facts).toEqual({
      scripts: 0, imgs: 0, xss: null, svgs: 5, title: 'iris-demo v2 — run 7', overflow: false, fullHash: SHA_A,
      chartsDrawn: true, bars: 6, points: 6, cells: 9, // 2 metrics x 3 bins, 2 metrics x 3 timed rows, 3 x 3 matrix
    });

    const shot = await browser.send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, page.sessionId);
    const png = Buffer.from(shot.data, 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const width = png.readUInt32BE(16); // IHDR: the 1280 px viewport, less a scrollbar if one is drawn
    expect(width).toBeGreaterThan(1200);
    expect(width).toBeLessThanOrEqual(1280);
    expect(png.readUInt32BE(20)).toBeGreaterThan(1500); // the whole page, not just the viewport
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'report.png'), png);
    expect(readFileSync(join(ARTIFACTS, 'report.png')).length).toBe(png.length);

    // the same page for a reader whose system is in dark mode
    const bg = `getComputedStyle(document.body).backgroundColor`;
    expect(await evaluate<string>(browser, page.sessionId, bg)).toBe('rgb(255, 255, 255)');
    await browser.send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: 'dark' }] }, page.sessionId);
    expect(await evaluate<string>(browser, page.sessionId, bg)).toBe('rgb(13, 17, 23)');
    const dark = await browser.send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, page.sessionId);
    writeFileSync(join(ARTIFACTS, 'report-dark.png'), Buffer.from(dark.data, 'base64'));
    expect(page.errors).toEqual([]);
  });

  it('control: a script smuggled into the page is blocked by the CSP, and the blocking is reported as an error', async () => {
    // proves the error collection above can fail: the same page with markup that escaping prevents
    const html = renderHtmlReport(fixtureInput()).replace(
      '</body>',
      `<script>window.__xss = 1</script><img src="data:," onerror="window.__xss = 2"></body>`,
    );
    const file = join(dir, 'tampered.html');
    writeFileSync(file, html);
    const page = await load(browser, pathToFileURL(file).href);
    expect(await evaluate<unknown>(browser, page.sessionId, 'window.__xss ?? null')).toBe(null);
    expect(page.errors.length).toBeGreaterThanOrEqual(1);
    expect(page.errors.join('\n')).toMatch(/Content Security Policy/);
  });
});
