// The metric registry: a frozen name -> metric map that refuses duplicates and, for an unknown
// name, suggests the nearest registered names (edit distance), as lm-evaluation-harness does.
import type { AnyMetric } from './types.ts';
import { MetricError } from './errors.ts';

export interface MetricRegistry {
  /** The metric with that name; throws MetricError E_METRIC_UNKNOWN with suggestions. */
  get(name: string): AnyMetric;
  has(name: string): boolean;
  /** Registered names, sorted (code-unit order), so listings are deterministic. */
  names(): string[];
}

/** Levenshtein distance (insert, delete, substitute all cost 1). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(up + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** Up to `max` registered names close to `name`: nearest first, ties by name. */
export function suggestNames(name: string, names: readonly string[], max = 3): string[] {
  const lower = name.toLowerCase();
  const scored = names.map((n) => {
    const d = editDistance(lower, n.toLowerCase());
    // A prefix or substring match is a strong hint even when the distance is large (e.g. "f1" -> "macro_f1"), ranked after true one-edit typos.
    const contains = n.toLowerCase().includes(lower) || lower.includes(n.toLowerCase());
    return { n, d: contains ? Math.min(d, 2) : d };
  });
  const limit = Math.max(2, Math.floor(lower.length / 2));
  return scored
    .filter((s) => s.d <= limit)
    .sort((x, y) => x.d - y.d || (x.n < y.n ? -1 : x.n > y.n ? 1 : 0))
    .slice(0, max)
    .map((s) => s.n);
}

export function createRegistry(metrics: readonly AnyMetric[]): MetricRegistry {
  const byName = new Map<string, AnyMetric>();
  for (const m of metrics) {
    if (typeof m.name !== 'string' || !/^[a-z][a-z0-9_@]*$/.test(m.name)) {
      throw new TypeError(`metric name must match /^[a-z][a-z0-9_@]*$/, found ${JSON.stringify(m.name)}`);
    }
    if (byName.has(m.name)) throw new TypeError(`duplicate metric name "${m.name}": each name is registered once`);
    byName.set(m.name, Object.freeze(m));
  }
  const sorted = Object.freeze([...byName.keys()].sort());
  const registry: MetricRegistry = {
    get(name: string): AnyMetric {
      const m = byName.get(name);
      if (m) return m;
      const near = suggestNames(String(name), sorted);
      const hint = near.length > 0 ? ` Did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : '';
      throw new MetricError('E_METRIC_UNKNOWN', `unknown metric "${String(name)}".${hint} Known metrics: ${sorted.join(', ')}.`, {
        name,
        suggestions: near,
      });
    },
    has(name: string): boolean {
      return byName.has(name);
    },
    names(): string[] {
      return [...sorted];
    },
  };
  return Object.freeze(registry);
}
