// Small text formatters shared by every report format (terminal, Markdown, CSV, HTML):
// how a score, a hash and a UTC time are shown, and HTML escaping. Pure and deterministic.

/**
 * A score for humans: 6 significant digits, no exponent for ordinary magnitudes, trailing zeros
 * dropped (0.912345678 -> "0.912346", 1234567.8 -> "1234570", 12 -> "12").
 */
export function formatScore(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/** The first 12 hex digits of a sha256: enough to tell submissions apart on a leaderboard. */
export function shortHash(sha: string): string {
  return sha.slice(0, 12);
}

/** 'YYYY-MM-DD HH:MM' in UTC for an epoch-milliseconds value (no local time zone, no clock). */
export function formatUtcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text safe inside HTML/SVG element content and inside quoted attribute values: the five
 * markup characters become entities, and control characters (which HTML forbids) are shown as
 * `\u001b`-style escapes. Line breaks and tabs are kept.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    // bidirectional embeddings, overrides and isolates would reorder the text around a name
    .replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Bidirectional embedding / override (U+202A–U+202E) and isolate (U+2066–U+2069) controls, plus the marks U+200E, U+200F, U+061C. */
export const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/**
 * Epoch milliseconds of an ISO 8601 time, NaN when unparseable. A time without a zone is read
 * as UTC (Date.parse would read it in the machine's zone, making the page machine-dependent).
 */
export function parseIsoUtc(text: string): number {
  const noZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text);
  return Date.parse(noZone ? `${text}Z` : text);
}
