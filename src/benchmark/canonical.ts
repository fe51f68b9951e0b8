// RFC 8785 JSON Canonicalization Scheme (JCS): one byte sequence per JSON value, so a hash or a
// signature over it means the same thing on every machine. Numbers use ECMAScript's shortest
// round-trip form (which the RFC adopts), strings JSON.stringify's escaping, object members are
// sorted by UTF-16 code units, and there is no whitespace.
import { createHash } from 'node:crypto';

// With the `u` flag a surrogate pair is one code point, so this matches only lone surrogates.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * The canonical JSON text of `value`. Accepts null, booleans, finite numbers, well-formed strings,
 * arrays and plain objects; object members whose value is `undefined` are left out (as
 * JSON.stringify does). Throws TypeError on NaN, Infinity, bigint, functions, symbols, lone
 * surrogates and `undefined` array elements: RFC 8785 (via I-JSON) has no form for them.
 */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  write(value, out, '$');
  return out.join('');
}

function write(value: unknown, out: string[], path: string): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} has no JSON form (RFC 8785 §3.2.2.3)`);
      // ECMAScript Number::toString is exactly the RFC's serialisation; -0 becomes "0".
      out.push(JSON.stringify(value));
      return;
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new TypeError(`${path}: string has a lone surrogate (not valid Unicode)`);
      out.push(JSON.stringify(value));
      return;
    case 'object': {
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((v, i) => {
          if (v === undefined) throw new TypeError(`${path}[${i}]: undefined has no JSON form`);
          if (i > 0) out.push(',');
          write(v, out, `${path}[${i}]`);
        });
        out.push(']');
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`${path}: only plain objects can be canonicalised, found ${proto?.constructor?.name ?? 'object'}`);
      }
      // Array.prototype.sort on strings compares UTF-16 code units, which is the RFC's order.
      const keys = Object.keys(value).sort();
      out.push('{');
      let first = true;
      for (const k of keys) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) continue;
        if (LONE_SURROGATE.test(k)) throw new TypeError(`${path}: member name has a lone surrogate`);
        if (!first) out.push(',');
        first = false;
        out.push(JSON.stringify(k), ':');
        write(v, out, `${path}.${k}`);
      }
      out.push('}');
      return;
    }
    default:
      throw new TypeError(`${path}: a ${typeof value} has no JSON form`);
  }
}

/** sha256 of the UTF-8 bytes of a string, lowercase hex. */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 of the canonical JSON of a value: the hash used for receipt bodies and specs. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalize(value));
}

/** The canonical JSON arbiter hashes specs and results with (RFC 8785). */
export const canonicalJson = canonicalize;
