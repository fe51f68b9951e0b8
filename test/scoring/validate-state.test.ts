// validateState over the whole registry: every metric's real states (empty, folded, merged, JSON
// round-tripped as shard parts carry them) pass; impossible ones (a count that is negative or
// fractional, a field missing or extra, a wrong class count, totals that do not add up, a
// negative loss sum) are refused with a description.
import { describe, expect, it } from 'vitest';
import { registry, validateState } from '../../scoring/index.ts';
import { mulberry32, randomBatch } from './helpers.ts';

const CTX = { numClasses: 3 };
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Every corruption that applies to a state: [what, corrupted state]. */
function corruptions(state: Record<string, unknown>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [['not an object', [1, 2]], ['an extra field', { ...state, extra: 1 }]];
  const keys = Object.keys(state);
  out.push([`missing ${keys[0]}`, Object.fromEntries(Object.entries(state).slice(1))]);
  for (const k of keys) {
    const v = state[k];
    if (typeof v === 'number') {
      out.push([`${k} negative`, { ...state, [k]: -1 }], [`${k} NaN as a string`, { ...state, [k]: 'NaN' }]);
      if (['n', 'total', 'correct', 'examples', 'tokens', 'rows', 'hits'].includes(k)) out.push([`${k} fractional`, { ...state, [k]: v + 0.5 }]);
    }
    if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'number' && ['tp', 'pred', 'true', 'cm', 'stats', 'correct', 'total'].includes(k)) {
      out.push([`${k} too short`, { ...state, [k]: v.slice(1) }], [`${k}[0] negative`, { ...state, [k]: [-1, ...v.slice(1)] }]);
    }
    if (['sum', 'nll'].includes(k) && Array.isArray(v) && v.length > 0) out.push([`${k} negative`, { ...state, [k]: [-1e9] }]);
  }
  if (typeof state.correct === 'number' && typeof state.total === 'number') out.push(['correct > total (accuracy 470)', { ...state, correct: (state.total as number) * 470 + 470 }]);
  if (typeof state.hits === 'number') out.push(['hits > n', { ...state, hits: (state.n as number) + 1 }]);
  if (Array.isArray(state.tp)) out.push(['per-class counts not adding up to n', { ...state, n: (state.n as number) + 1 }]);
  if (Array.isArray(state.cm)) out.push(['confusion matrix not adding up to n', { ...state, n: (state.n as number) + 1 }]);
  if (Array.isArray(state.x)) out.push(['x and y of different lengths', { ...state, x: [...(state.x as number[]), 1] }], ['a string among the values', { ...state, x: ['1', ...(state.x as number[]).slice(1)] }]);
  if ('k' in state) out.push(['another class count', { ...state, k: 4 }]);
  return out;
}

describe('validateState', () => {
  for (const name of registry.names()) {
    it(name, () => {
      const m = registry.get(name);
      const o = m.optionsSchema.parse({});
      const rand = mulberry32(7);
      const empty = m.init(o, CTX);
      const a = m.update(m.init(o, CTX), randomBatch(m, 40, 3, rand), o);
      const b = m.update(m.init(o, CTX), randomBatch(m, 23, 3, rand), o);
      const aJson = clone(a);
      const merged = m.merge(a, b, o);
      for (const s of [empty, aJson, merged]) expect(validateState(m, clone(s), o, CTX)).toBeNull();
      const cs = corruptions(clone(merged) as Record<string, unknown>);
      expect(cs.length).toBeGreaterThan(3);
      for (const [what, bad] of cs) expect(validateState(m, bad, o, CTX), `${name}: ${what}`).toEqual(expect.any(String));
    });
  }

  it('names what is wrong: accuracy 470', () => {
    const m = registry.get('accuracy');
    expect(validateState(m, { k: 3, correct: 470, total: 1 }, m.optionsSchema.parse({}), CTX)).toBe('expected correct <= total, found correct 470 > total 1');
    const ll = registry.get('log_loss');
    expect(validateState(ll, { k: 3, n: 2, sum: [-3] }, ll.optionsSchema.parse({}), CTX)).toBe('sum: expected a sum of non-negative terms (>= 0), found -3');
  });
});
