// Published messages (receipts, `score --json`, the store's error text) name the participant's
// file, never a path of the validator's machine: every absolute path in a message is cut down to
// its base name (a blob in the store is then just `<sha256>.<ext>`, which says nothing about where
// the store lives). Pure and idempotent, so a verifier sanitising its own re-score gets the same text.

// An absolute POSIX path (/a/b, at least one separator after the root) or a Windows one (C:\a\b,
// \\server\share\a), up to the first character that cannot be part of a path in a message.
const STOP = `\\s'"\`<>|,;()\\[\\]{}`;
const POSIX = new RegExp(`(^|[${STOP}=:])(/(?:[^${STOP}/]+/)+)([^${STOP}/:]*)`, 'g');
const WINDOWS = new RegExp(`(^|[${STOP}=])((?:[A-Za-z]:|\\\\\\\\[^${STOP}\\\\]+)\\\\(?:[^${STOP}\\\\]+\\\\)*)([^${STOP}\\\\:]*)`, 'g');

/** `message` with every absolute path replaced by its base name (a trailing separator keeps the last folder's name). */
export function sanitizeMessage(message: string): string {
  return message
    .replace(POSIX, (_m, pre: string, dir: string, base: string) => pre + (base || lastName(dir, '/')))
    .replace(WINDOWS, (_m, pre: string, dir: string, base: string) => pre + (base || lastName(dir, '\\')));
}

function lastName(dir: string, sep: string): string {
  const parts = dir.split(sep).filter(Boolean);
  return parts[parts.length - 1] ?? '';
}
