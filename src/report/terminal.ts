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
 * the screen, or break a table row.
 */
export function sanitizeTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Display width in terminal columns: code points, with colour sequences ignored. */
export function displayWidth(text: string): number {
  let n = 0;
  for (const _ of stripAnsi(text)) n++;
  return n;
}
