// A one-line progress bar for long scoring jobs, drawn on stderr so stdout stays clean for
// --json. It draws only on a TTY (a pipe or a CI log gets nothing at all), redraws at most
// 10 times a second, shows rows/s and an ETA, and drops colour under NO_COLOR.
// Before the first row is scored a job goes through phases (admission, hashing the hidden set,
// the sanity run): they are shown by name with their own clock, and the rate and ETA count from
// the start of the scoring phase only, so set-up time never inflates the first ETA.
// It reads a clock, so it must never feed anything that is scored; it only displays.
import { colorsFor, displayWidth, sanitizeTerminal, truncateToWidth } from './terminal.ts';

/** What the bar needs from its stream: process.stderr, a tty.WriteStream, or any Writable. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** units of work expected (rows); 0 or less means unknown: no bar, percentage or ETA */
  total: number;
  /** shown before the bar, e.g. the benchmark id */
  label: string;
  /** default process.stderr */
  stream?: ProgressStream;
  /** default process.env (for NO_COLOR) */
  env?: NodeJS.ProcessEnv;
  /** milliseconds clock; default performance.now (tests pass a fake clock) */
  now?: () => number;
  /** minimum time between redraws in ms; default 100 (10 Hz) */
  minIntervalMs?: number;
  /** unit name after the rate; default 'rows' */
  unit?: string;
}

export interface Progress {
  /** records n more units done (default 1); redraws if the last draw is old enough */
  tick(n?: number): void;
  /** changes the expected total (e.g. once a resumed job knows what is left) */
  setTotal(total: number): void;
  /**
   * enters a named phase and redraws at once: before 'scoring' the line shows the phase and its
   * elapsed time; entering 'scoring' restarts the rate clock (rows/s and ETA count from here)
   * and lets the next tick draw at once
   */
  phase(name: string): void;
  /** draws the final state and ends the line; later calls to any method do nothing */
  done(): void;
}

/** The phase whose start is the origin of the rate and the ETA. */
export const SCORING_PHASE = 'scoring';

const NOOP: Progress = { tick() {}, setTotal() {}, phase() {}, done() {} };

/** m:ss below an hour, h:mm:ss above; '--:--' when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Rates: one decimal below 100/s, whole numbers above. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  return perSecond < 100 ? perSecond.toFixed(1) : String(Math.round(perSecond));
}

export interface ProgressState {
  label: string;
  done: number;
  total: number;
  elapsedMs: number;
  finished: boolean;
  unit: string;
  /** a set-up phase in progress (not scoring): shown by name with `elapsedMs`, no rate or ETA */
  phase?: string;
  /** time since the job started, shown when finished; default elapsedMs */
  totalElapsedMs?: number;
}

/**
 * The text of one frame, at most `columns - 1` visible characters (so the cursor never wraps),
 * as a pure function of the state: `label [█████░░░░░]  45% 450/1000 12.5 rows/s ETA 0:44`.
 * When finished, the ETA becomes the elapsed time. The bar shrinks, then disappears, on narrow terminals.
 */
export function renderProgressLine(state: ProgressState, columns: number, color: (t: string) => string = (t) => t): string {
  const label = sanitizeTerminal(state.label);
  const budget = Math.max(0, columns - 1);
  const secs = state.elapsedMs / 1000;
  if (state.phase !== undefined && !state.finished) {
    return truncateToWidth(`${label} · ${sanitizeTerminal(state.phase)} ${formatDuration(secs)}`, budget);
  }
  const known = state.total > 0;
  const rate = secs > 0 ? state.done / secs : Number.NaN;
  const frac = known ? Math.min(1, Math.max(0, state.done / state.total)) : 0;
  const pct = known ? `${String(Math.floor(frac * 100)).padStart(3)}%` : '';
  const count = known ? `${state.done}/${state.total}` : `${state.done}`;
  const time = state.finished ? `in ${formatDuration((state.totalElapsedMs ?? state.elapsedMs) / 1000)}` : known ? `ETA ${formatDuration((state.total - state.done) / rate)}` : '';
  const tail = [pct, count, `${formatRate(rate)} ${state.unit}/s`, time].filter((p) => p !== '').join(' ');
  const room = budget - displayWidth(label) - tail.length - 4; // spaces and brackets around the bar
  if (known && room >= 10) {
    const width = Math.min(40, room);
    const filled = Math.floor(frac * width);
    const bar = color('█'.repeat(filled)) + '░'.repeat(width - filled);
    return `${label} [${bar}] ${tail}`;
  }
  const plain = `${label} ${tail}`;
  return truncateToWidth(plain, budget);
}

/**
 * A progress bar on `stream` (default stderr). Returns no-op methods when the stream is not a
 * TTY, so callers never need to check.
 */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  if (stream.isTTY !== true) return NOOP;
  const now = opts.now ?? (() => performance.now());
  const minInterval = opts.minIntervalMs ?? 100;
  const colors = colorsFor(stream, opts.env ?? process.env);
  const start = now();
  let total = opts.total;
  let count = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let finished = false;
  // Without phases (a caller that never calls phase()) the rate counts from creation.
  let phase: string | undefined;
  let phaseStart = start;
  let rateStart = start;

  const draw = (final: boolean) => {
    const t = now();
    const inSetUp = phase !== undefined && phase !== SCORING_PHASE;
    const line = renderProgressLine(
      {
        label: opts.label, done: count, total,
        elapsedMs: inSetUp ? t - phaseStart : t - rateStart, totalElapsedMs: t - start,
        finished: final, unit: opts.unit ?? 'rows', ...(inSetUp ? { phase } : {}),
      },
      // A terminal that reports 0 columns (some CI ptys, a detached tmux) gets the default width, not a blank bar.
      stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80,
      colors.green,
    );
    // \r returns to column 0, \x1b[K clears what a longer previous frame left behind
    stream.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    lastDraw = t;
  };

  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      if (now() - lastDraw >= minInterval) draw(false);
    },
    setTotal(t: number) {
      if (finished) return;
      total = t;
    },
    phase(name: string) {
      if (finished || name === phase) return;
      phase = name;
      phaseStart = now();
      if (name !== SCORING_PHASE) draw(false);
      else {
        // The first report of the scoring phase (it carries the total) draws at once.
        rateStart = phaseStart;
        lastDraw = Number.NEGATIVE_INFINITY;
      }
    },
    done() {
      if (finished) return;
      finished = true;
      draw(true);
    },
  };
}
