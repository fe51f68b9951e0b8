import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatRate, renderProgressLine } from '../../src/report/progress.ts';
import { displayWidth, stripAnsi } from '../../src/report/terminal.ts';

/** A real Writable that records what is written and claims to be a terminal of `columns` width. */
class FakeTty extends Writable {
  chunks: string[] = [];
  isTTY: boolean;
  columns: number;
  constructor(isTTY = true, columns = 80) {
    super();
    this.isTTY = isTTY;
    this.columns = columns;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk.toString('utf8'));
    cb();
  }
}

/** A clock the test moves by hand. */
function clock(startMs = 1000) {
  let t = startMs;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** The last frame written: text after the last \r, without the clear-to-end sequence. */
function lastFrame(s: FakeTty): string {
  const all = s.chunks.join('');
  return all.slice(all.lastIndexOf('\r') + 1).replace('\x1b[K', '');
}

describe('createProgress', () => {
  it('writes nothing at all when the stream is not a TTY', () => {
    const s = new FakeTty(false);
    const c = clock();
    const p = createProgress({ total: 10, label: 'job', stream: s, now: c.now, env: {} });
    for (let i = 0; i < 10; i++) {
      c.advance(500);
      p.tick();
    }
    p.setTotal(20);
    p.done();
    expect(s.chunks).toEqual([]);
  });

  it('draws a full bar on a terminal that reports 0 columns', () => {
    const s = new FakeTty(true, 0);
    const c = clock();
    const p = createProgress({ total: 10, label: 'job', stream: s, now: c.now, env: { NO_COLOR: '1' } });
    c.advance(500);
    p.tick(5);
    expect(lastFrame(s)).toContain('job');
    expect(lastFrame(s)).toContain('5/10');
  });

  it('redraws at most 10 times a second', () => {
    const s = new FakeTty();
    const c = clock();
    const p = createProgress({ total: 1000, label: 'job', stream: s, now: c.now, env: { NO_COLOR: '1' } });
    for (let i = 0; i < 1000; i++) {
      c.advance(1); // 1000 ticks over one second
      p.tick();
    }
    // the first tick draws, then one draw per 100 ms: t=1,101,...,901 -> 10 frames in the second
    expect(s.chunks.length).toBe(10);
    p.done();
    expect(s.chunks.length).toBe(11);
  });

  it('shows percentage, count, rows/s and ETA, and ends the line on done', () => {
    const s = new FakeTty(true, 100);
    const c = clock();
    const p = createProgress({ total: 200, label: 'iris-demo', stream: s, now: c.now, env: { NO_COLOR: '1' } });
    c.advance(2000);
    p.tick(50); // 50 rows in 2 s: 25 rows/s, 150 left -> 6 s
    expect(lastFrame(s)).toBe('iris-demo [██████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░]  25% 50/200 25.0 rows/s ETA 0:06');
    c.advance(6000);
    p.tick(150);
    p.done();
    const all = s.chunks.join('');
    expect(all.endsWith('\n')).toBe(true);
    expect(lastFrame(s)).toBe('iris-demo [████████████████████████████████████████] 100% 200/200 25.0 rows/s in 0:08\n');
    const before = s.chunks.length;
    p.tick(5);
    p.done();
    expect(s.chunks.length).toBe(before);
  });

  it('colours the bar only without NO_COLOR', () => {
    const coloured = new FakeTty();
    const plain = new FakeTty();
    for (const [s, env] of [[coloured, {}], [plain, { NO_COLOR: '1' }]] as const) {
      const c = clock();
      const p = createProgress({ total: 4, label: 'x', stream: s, now: c.now, env });
      c.advance(1000);
      p.tick(2);
      p.done();
    }
    expect(coloured.chunks.join('')).toContain('\x1b[32m');
    expect(plain.chunks.join('')).not.toMatch(/\x1b\[\d+m/);
    expect(stripAnsi(coloured.chunks.join(''))).toBe(plain.chunks.join(''));
  });

  it('setTotal changes the percentage; an unknown total shows count and rate only', () => {
    const s = new FakeTty();
    const c = clock();
    const p = createProgress({ total: 0, label: 'job', stream: s, now: c.now, env: { NO_COLOR: '1' } });
    c.advance(1000);
    p.tick(30);
    expect(lastFrame(s)).toBe('job 30 30.0 rows/s');
    p.setTotal(60);
    c.advance(1000);
    p.tick(0);
    expect(lastFrame(s)).toContain(' 50% 30/60 15.0 rows/s ETA 0:02');
  });
});

describe('createProgress phases', () => {
  it('shows set-up phases by name with their own clock, then counts the rate and ETA from the scoring phase only', () => {
    const s = new FakeTty(true, 100);
    const c = clock();
    const p = createProgress({ total: 0, label: 'job', stream: s, now: c.now, env: { NO_COLOR: '1' } });
    p.phase('admission');
    expect(lastFrame(s)).toBe('job · admission 0:00');
    c.advance(3000);
    p.phase('hashing');
    expect(lastFrame(s)).toBe('job · hashing 0:00');
    c.advance(20_000); // 20 s of hashing must not count against the rate
    p.tick(0);
    expect(lastFrame(s)).toBe('job · hashing 0:20');
    p.phase('sanity');
    c.advance(2000);
    p.phase('scoring');
    // the lanes' first report (total known, no row scored yet) draws at once, without rate or ETA
    p.setTotal(100);
    p.tick(0);
    expect(lastFrame(s)).toBe('job [░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░]   0% 0/100 - rows/s ETA --:--');
    c.advance(1000);
    p.tick(10); // 10 rows in the first second of scoring: 10 rows/s, 90 left -> 9 s
    expect(lastFrame(s)).toBe('job [████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░]  10% 10/100 10.0 rows/s ETA 0:09');
    c.advance(9000);
    p.tick(90);
    p.done();
    // the rate is the scoring rate; the time is the whole job's (3 + 20 + 2 + 10 s)
    expect(lastFrame(s)).toBe('job [████████████████████████████████████████] 100% 100/100 10.0 rows/s in 0:35\n');
  });

  it('redraws on every phase change, ignores a repeated phase and anything after done', () => {
    const s = new FakeTty();
    const c = clock();
    const p = createProgress({ total: 5, label: 'job', stream: s, now: c.now, env: { NO_COLOR: '1' } });
    p.phase('admission');
    p.phase('admission');
    p.phase('hashing');
    expect(s.chunks.length).toBe(2);
    p.phase('scoring'); // draws with its first tick, not before
    expect(s.chunks.length).toBe(2);
    p.tick(5);
    expect(s.chunks.length).toBe(3);
    p.done();
    const n = s.chunks.length;
    p.phase('hashing');
    expect(s.chunks.length).toBe(n);
  });

  it('escapes control characters in a phase name and fits narrow terminals', () => {
    expect(renderProgressLine({ label: 'job', done: 0, total: 0, elapsedMs: 0, finished: false, unit: 'rows', phase: 'x\x1b[2J' }, 80))
      .toBe('job · x\\u001b[2J 0:00');
    expect(renderProgressLine({ label: 'job', done: 0, total: 0, elapsedMs: 0, finished: false, unit: 'rows', phase: 'hashing' }, 8)).toBe('job · h');
  });
});

describe('renderProgressLine', () => {
  const state = { label: 'a-long-benchmark-name', done: 5, total: 10, elapsedMs: 1000, finished: false, unit: 'rows' };

  it('never reaches the last column, shrinking then dropping the bar', () => {
    for (const cols of [120, 80, 60, 50, 40, 20, 5, 1, 0]) {
      const line = renderProgressLine(state, cols);
      expect(line.length).toBeLessThanOrEqual(Math.max(0, cols - 1));
    }
    expect(renderProgressLine(state, 65)).toBe('a-long-benchmark-name [█████░░░░░]  50% 5/10 5.0 rows/s ETA 0:01');
    expect(renderProgressLine(state, 64)).toBe('a-long-benchmark-name  50% 5/10 5.0 rows/s ETA 0:01');
  });

  it('measures wide labels in columns and never cuts a character in half', () => {
    const wide = { ...state, label: '名前'.repeat(10) }; // 40 columns
    for (const cols of [80, 41, 30, 7, 2]) expect(displayWidth(renderProgressLine(wide, cols))).toBeLessThanOrEqual(cols - 1);
    expect(renderProgressLine(wide, 7)).toBe('名前名');
    expect(renderProgressLine({ ...state, label: '🚀'.repeat(30) }, 10)).toBe('🚀'.repeat(4));
  });

  it('escapes control characters in the label', () => {
    expect(renderProgressLine({ ...state, label: 'x\x1b[2J' }, 200)).toMatch(/^x\\u001b\[2J \[/);
  });

  it('formats durations and rates', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--:--');
    expect(formatDuration(Number.NaN)).toBe('--:--');
    expect(formatRate(12.345)).toBe('12.3');
    expect(formatRate(1234.5)).toBe('1235');
    expect(formatRate(Number.NaN)).toBe('-');
  });
});
