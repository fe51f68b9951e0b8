// Format-blind mutations shared by every surface: byte-level edits of an encoded file (flip,
// overwrite with boundary integers, truncate, splice, repeat, delete) and value-level edits of a
// parsed JSON/YAML tree (delete, retype, rename, grow, nest, `__proto__` keys).
import type { Rng } from './rng.ts';

/** Integers that sit on the edges parsers get wrong, written little-endian as 1, 2, 4 or 8 bytes. */
const BOUNDARY = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0x10000000n, 0xfffffff8n, 0x1fffffffffffffn];

function writeLE(b: Uint8Array, at: number, v: bigint, width: number): void {
  for (let i = 0; i < width && at + i < b.length; i++) b[at + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

/** One byte-level edit; `aligned` prefers 4/8-byte aligned integer overwrites (length and offset fields). */
export function mutateBytesOnce(r: Rng, src: Uint8Array, aligned = false): Uint8Array {
  if (src.length === 0) return r.bytes(r.range(1, 16));
  const b = Uint8Array.from(src);
  const at = r.int(b.length);
  const op = r.weighted<string>([[3, 'flip'], [2, 'byte'], [aligned ? 6 : 2, 'int'], [2, 'truncate'], [1, 'splice'], [1, 'repeat'], [1, 'delete'], [1, 'insert'], [1, 'swap']]);
  switch (op) {
    case 'flip': b[at]! ^= 1 << r.int(8); return b;
    case 'byte': b[at] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]); return b;
    case 'int': {
      const width = r.pick([1, 2, 4, 8]);
      const pos = aligned ? at - (at % width) : at;
      const v = r.chance(0.8) ? r.pick(BOUNDARY) : BigInt(r.int(2 ** 31)) * BigInt(r.range(1, 4096));
      writeLE(b, pos, v, width);
      return b;
    }
    case 'truncate': return b.subarray(0, at);
    case 'splice': {
      const from = r.int(b.length);
      const len = r.range(1, Math.min(256, b.length - from));
      const out = new Uint8Array(b.length + len);
      out.set(b.subarray(0, at)); out.set(b.subarray(from, from + len), at); out.set(b.subarray(at), at + len);
      return out;
    }
    case 'repeat': {
      const len = r.range(1, Math.min(64, b.length - at));
      const times = r.pick([2, 16, 256]);
      const chunk = b.subarray(at, at + len);
      const out = new Uint8Array(b.length + len * (times - 1));
      out.set(b.subarray(0, at));
      for (let k = 0; k < times; k++) out.set(chunk, at + k * len);
      out.set(b.subarray(at + len), at + len * times);
      return out;
    }
    case 'delete': {
      const len = r.range(1, Math.min(64, b.length - at));
      const out = new Uint8Array(b.length - len);
      out.set(b.subarray(0, at)); out.set(b.subarray(at + len), at);
      return out;
    }
    case 'insert': {
      const ins = r.bytes(r.range(1, 32));
      const out = new Uint8Array(b.length + ins.length);
      out.set(b.subarray(0, at)); out.set(ins, at); out.set(b.subarray(at), at + ins.length);
      return out;
    }
    default: { // swap two ranges' first bytes
      const other = r.int(b.length);
      const t = b[at]!; b[at] = b[other]!; b[other] = t;
      return b;
    }
  }
}

export function mutateBytes(r: Rng, src: Uint8Array, aligned = false): Uint8Array {
  let b = src;
  const n = r.weighted([[6, 1], [3, 2], [2, 4], [1, 8]] as const);
  for (let i = 0; i < n; i++) b = mutateBytesOnce(r, b, aligned);
  return b;
}

/** Strings that break naive handling: empty, huge, control bytes, path tricks, unicode oddities. */
export const NASTY_STRINGS = [
  '', ' ', '\0', 'a\0b', '\n', '\r\n', '\t', '..', '../../etc/passwd', '/etc/passwd', '.', './', 'C:\\x', '\\\\server\\x',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'NaN', 'Infinity', '-0', '1e309', '0x10', '007',
  '\u202e', '\ud800', '\udfff', '\ufeff', '\u0000\u0001\u001b[31m', 'é', '漢字', '🤖', 'a'.repeat(300), 'x'.repeat(70_000),
  '%s%n', '${x}', '{{x}}', '*', '&a', '!!binary', 'true', 'null', '~', '- a', ': b', '#',
];

/** Numbers on the edges: signs, zero, fractions, unsafe integers, huge, tiny. */
export const NASTY_NUMBERS = [0, -0, 1, -1, 0.5, -0.5, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 1e21, 1e-7, 0.1 + 0.2, 255, 256, 65536, 1e6, 10_000];

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A value nested `depth` levels deep (arrays or maps). */
export function deep(depth: number, map: boolean): Json {
  let v: Json = 0;
  for (let i = 0; i < depth; i++) v = map ? { a: v } : [v];
  return v;
}

export function randomValue(r: Rng): Json {
  switch (r.int(9)) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: case 3: return r.pick(NASTY_NUMBERS);
    case 4: case 5: return r.pick(NASTY_STRINGS);
    case 6: return r.chance(0.5) ? [] : {};
    case 7: return deep(r.pick([2, 50, 500, 1000]), r.chance(0.5)); // deeper nesting is sent as text (a recursive generator would overflow first)
    default: return Array.from({ length: r.pick([1, 3, 1000]) }, () => r.pick<Json>([0, 'a', null, {}]));
  }
}

type Path = Array<string | number>;

function paths(v: Json, at: Path, out: Path[], limit: number): void {
  if (out.length >= limit || at.length > 64) return;
  out.push(at);
  if (Array.isArray(v)) v.slice(0, 64).forEach((x, i) => paths(x, [...at, i], out, limit));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k]!, [...at, k], out, limit);
}

function getAt(v: Json, p: Path): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of p) cur = cur && typeof cur === 'object' ? (cur as Record<string | number, Json>)[k] : undefined;
  return cur;
}

/** One structural edit of a JSON tree, in place (the root itself is never replaced). */
export function mutateTreeOnce(r: Rng, root: Json): void {
  const all: Path[] = [];
  paths(root, [], all, 5000);
  const p = r.pick(all.length > 1 ? all.slice(1) : all);
  if (p.length === 0) return;
  const parent = getAt(root, p.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = p[p.length - 1]!;
  const cur = (parent as Record<string | number, Json>)[key]!;
  const op = r.weighted<string>([[4, 'set'], [2, 'delete'], [1, 'rename'], [1, 'extra'], [1, 'proto'], [2, 'retype'], [1, 'grow'], [1, 'nudge']]);
  switch (op) {
    case 'set': (parent as Record<string | number, Json>)[key] = randomValue(r); return;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1); else delete (parent as Record<string, Json>)[key];
      return;
    case 'rename':
      if (!Array.isArray(parent)) { delete parent[key]; parent[r.pick([...NASTY_STRINGS.slice(0, 30), `${key}x`, String(key).toUpperCase()])] = cur; }
      return;
    case 'extra': {
      const target = cur && typeof cur === 'object' ? cur : parent;
      if (Array.isArray(target)) target.push(randomValue(r)); else (target as Record<string, Json>)[r.pick(['extra', 'x-y', '', 'constructor'])] = randomValue(r);
      return;
    }
    case 'proto': {
      // an own "__proto__" key (JSON.parse and YAML make one; a naive merge would pollute Object.prototype)
      const target = cur && typeof cur === 'object' && !Array.isArray(cur) ? cur : (Array.isArray(parent) ? null : parent);
      if (target) Object.defineProperty(target, '__proto__', { value: { polluted: true, isAdmin: true }, enumerable: true, configurable: true, writable: true });
      return;
    }
    case 'retype':
      (parent as Record<string | number, Json>)[key] = typeof cur === 'number' ? String(cur) : typeof cur === 'string' ? (Number(cur) || r.pick(NASTY_NUMBERS)) : Array.isArray(cur) ? { 0: cur[0] ?? null } : cur && typeof cur === 'object' ? Object.values(cur) : [cur];
      return;
    case 'grow':
      if (Array.isArray(cur) && cur.length > 0) (parent as Record<string | number, Json>)[key] = [...cur, ...Array.from({ length: r.pick([1, 10, 500]) }, () => structuredClone(cur[r.int(cur.length)]!))];
      else if (typeof cur === 'string') (parent as Record<string | number, Json>)[key] = cur.repeat(Math.min(r.pick([2, 100, 5000]), Math.ceil(200_000 / Math.max(1, cur.length))));
      else (parent as Record<string | number, Json>)[key] = [cur, cur];
      return;
    default:
      if (typeof cur === 'number') (parent as Record<string | number, Json>)[key] = r.pick([cur + 1, cur - 1, -cur, cur * 2 ** 40, cur / 3, Math.floor(cur) + 0.5]);
      else if (typeof cur === 'string' && cur.length > 0) { const i = r.int(cur.length); (parent as Record<string | number, Json>)[key] = cur.slice(0, i) + String.fromCharCode(r.int(0x10000)) + cur.slice(i + 1); }
      else (parent as Record<string | number, Json>)[key] = randomValue(r);
  }
}

export function mutateTree(r: Rng, root: Json): Json {
  const n = r.weighted([[6, 1], [3, 2], [1, 5]] as const);
  for (let i = 0; i < n; i++) mutateTreeOnce(r, root);
  return root;
}

/** Text-level edits of a serialized document (JSON or YAML): byte edits on its UTF-8, decoded back leniently. */
export function mutateText(r: Rng, text: string): string {
  return Buffer.from(mutateBytes(r, Buffer.from(text, 'utf8'))).toString('utf8');
}
