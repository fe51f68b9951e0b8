// A metric whose state grows with the rows (a list that is not an exact sum: every row's values)
// must declare stateRevealsRows, since a federation sends states off the party's machine and
// refuses such metrics unless the spec opts in (docs/federated.md). Checked on every registered metric.
import { describe, expect, it } from 'vitest';
import { isExactSumKey, registry } from '../../scoring/index.ts';

/** State fields (at any depth) that start as an empty list and are not exact sums: per-row lists. */
function rowLists(state: unknown, key = ''): string[] {
  if (Array.isArray(state)) {
    if (state.length === 0) return isExactSumKey(key) ? [] : [key];
    return state.flatMap((v) => rowLists(v, key));
  }
  if (state && typeof state === 'object') return Object.entries(state).flatMap(([k, v]) => rowLists(v, k));
  return [];
}

describe('metrics declare when their state reveals rows', () => {
  for (const name of registry.names()) {
    it(name, () => {
      const m = registry.get(name);
      const lists = rowLists(m.init(m.optionsSchema.parse({}), { numClasses: 3 }));
      expect(m.stateRevealsRows === true, `${name}: per-row lists ${lists.join(', ') || '(none)'}`).toBe(lists.length > 0);
    });
  }
  it('roc_auc, average_precision and spearman do', () => {
    for (const n of ['roc_auc', 'average_precision', 'spearman']) expect(registry.get(n).stateRevealsRows).toBe(true);
  });
});
