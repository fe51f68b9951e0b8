// Generator of broken specs: takes a valid spec object and makes one variant per field and way of
// being wrong (wrong type, null, an unknown extra key next to it), each with the path it breaks.
// The lead runs the same generator over a whole benchmark.yaml; here it runs over the admission rules.
export interface SpecMutation { path: string; how: 'wrong-type' | 'null' | 'unknown-key' | 'empty'; spec: unknown }

function wrongTypeFor(v: unknown): unknown {
  if (typeof v === 'number') return `${v}`;
  if (typeof v === 'string') return 12345;
  if (typeof v === 'boolean') return 'yes';
  if (Array.isArray(v)) return { notAnArray: true };
  if (v && typeof v === 'object') return ['not', 'an', 'object'];
  return 0;
}

function setAt(root: unknown, path: Array<string | number>, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (let i = 0; i < path.length - 1; i++) cur = cur[path[i]!] as Record<string | number, unknown>;
  cur[path[path.length - 1]!] = value;
  return copy;
}

/** Every field wrong in turn. Keys are visited in sorted order so the list is deterministic. */
export function specMutations(base: unknown): SpecMutation[] {
  const out: SpecMutation[] = [];
  const walk = (v: unknown, path: Array<string | number>): void => {
    const p = path.join('.') || '(root)';
    if (path.length > 0) {
      out.push({ path: p, how: 'wrong-type', spec: setAt(base, path, wrongTypeFor(v)) });
      out.push({ path: p, how: 'null', spec: setAt(base, path, null) });
    }
    if (Array.isArray(v)) {
      if (v.length > 0 && path.length > 0) out.push({ path: p, how: 'empty', spec: setAt(base, path, []) });
      v.forEach((x, i) => walk(x, [...path, i]));
    } else if (v && typeof v === 'object') {
      const withExtra = { ...(v as object), unexpectedField: 1 };
      out.push({ path: `${p}.unexpectedField`, how: 'unknown-key', spec: path.length ? setAt(base, path, withExtra) : withExtra });
      for (const k of Object.keys(v).sort()) walk((v as Record<string, unknown>)[k], [...path, k]);
    }
  };
  walk(base, []);
  return out;
}
