// Terminal primitives shared by the CLI output and the progress bar: whether to colour a stream
// (TTY only, NO_COLOR respected), colour helpers, and making user text safe to print.
// Lives in report/ so that report modules need not import from cli/ (cli depends on report).

/** The slice of a stream the colour decision needs (process.stdout, process.stderr, a tty.WriteStream). */
export interface TtyLike {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Whether to emit ANSI colours on `stream`: only to a TTY, and never when NO_COLOR is set to a
 * non-empty value (https://no-color.org).
 */
export function shouldColor(stream: TtyLike | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream?.isTTY === true;
}

export type ColorName = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'cyan' | 'gray';
export type Colors = Record<ColorName, (text: string) => string> & { enabled: boolean };

const SGR: Record<ColorName, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
  gray: [90, 39],
};

/** Colour helpers; with `enabled` false every helper returns its text unchanged. */
export function createColors(enabled: boolean): Colors {
  const make = (name: ColorName) => {
    const [open, close] = SGR[name];
    return enabled ? (t: string) => `\x1b[${open}m${t}\x1b[${close}m` : (t: string) => t;
  };
  return {
    enabled,
    bold: make('bold'),
    dim: make('dim'),
    red: make('red'),
    green: make('green'),
    yellow: make('yellow'),
    blue: make('blue'),
    cyan: make('cyan'),
    gray: make('gray'),
  };
}

/** Colour helpers for one stream: plain text unless it is a TTY and NO_COLOR is unset. */
export function colorsFor(stream: TtyLike | undefined, env: NodeJS.ProcessEnv = process.env): Colors {
  return createColors(shouldColor(stream, env));
}

// eslint-disable-next-line no-control-regex
const ANSI_SGR = /\x1b\[[0-9;]*m/g;

/** Removes the colour sequences this module emits (for width computations and tests). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_SGR, '');
}

/**
 * Makes user text safe for a terminal: control characters (ESC, CR, LF, TAB, DEL, C1) are shown
 * as `\u001b`-style escapes so a participant name cannot move the cursor, recolour or clear
 * the screen, or break a table row; so are the bidirectional controls (U+202A–U+202E,
 * U+2066–U+2069, U+200E, U+200F, U+061C), which would visually reorder the rest of the line.
 */
export function sanitizeTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Wide (2-column) ranges: Hangul Jamo, CJK, Hangul syllables, compatibility ideographs,
// fullwidth forms, emoji; zero-width: combining marks, ZWJ/ZWNJ, variation selectors.
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf],
  [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe30, 0xfe4f], [0xff00, 0xff60], [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f900, 0x1f9ff], [0x20000, 0x3fffd],
];
const ZERO: ReadonlyArray<readonly [number, number]> = [
  [0x0300, 0x036f], [0x200b, 0x200f], [0x20d0, 0x20ff], [0xfe00, 0xfe0f], [0xfe20, 0xfe2f],
];
const inRanges = (cp: number, ranges: ReadonlyArray<readonly [number, number]>) => ranges.some(([a, b]) => cp >= a && cp <= b);

/**
 * Display width in terminal columns, colour sequences ignored: CJK and emoji count 2,
 * combining marks 0, everything else 1 (a close approximation of wcwidth).
 */
export function displayWidth(text: string): number {
  let n = 0;
  for (const ch of stripAnsi(text)) n += charWidth(ch);
  return n;
}

function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  return inRanges(cp, ZERO) ? 0 : inRanges(cp, WIDE) ? 2 : 1;
}

/** The longest prefix of plain (uncoloured) text that fits in `width` columns; never splits a code point. */
export function truncateToWidth(text: string, width: number): string {
  let n = 0;
  let out = '';
  for (const ch of text) {
    const w = charWidth(ch);
    if (n + w > width) break;
    n += w;
    out += ch;
  }
  return out;
}
