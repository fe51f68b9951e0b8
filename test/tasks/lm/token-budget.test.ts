// Token-budget batching is a pure function of the sequence lengths and the budget: passes are
// consecutive and cover every sequence once, in order; each holds at most maxTokens padded tokens
// (a sequence over the budget runs alone); each is as long as the budget allows (the next
// sequence would not fit); and the same lengths give the same cut every time.
import { describe, expect, it } from 'vitest';
import { paddedTokens, tokenBudgetPasses } from '../../../src/tasks/lm/token-budget.ts';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

describe('tokenBudgetPasses', () => {
  it('cuts by rows x longest: a hand-checked case', () => {
    // 10: [10] 10 tokens; + 20 -> 2 x 20 = 40 <= 40; + 5 -> 3 x 20 = 60 > 40: cut.
    expect(tokenBudgetPasses([10, 20, 5, 5, 5, 30, 8], 40)).toEqual([[0, 2], [2, 5], [5, 6], [6, 7]]);
    // 5, 5, 5 -> 15 <= 40, + 30 -> 4 x 30 = 120 > 40; 30 alone; 8 alone at the end
  });

  it('no budget: one pass; no sequences: no pass; an over-long sequence runs alone', () => {
    expect(tokenBudgetPasses([3, 700, 2], undefined)).toEqual([[0, 3]]);
    expect(tokenBudgetPasses([], 64)).toEqual([]);
    expect(tokenBudgetPasses([3, 700, 2], 64)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(tokenBudgetPasses([0, 0, 0], 2)).toEqual([[0, 2], [2, 3]]); // an empty sequence pads to one position
  });

  it('on random lengths: ordered cover, within budget, maximal, deterministic', () => {
    const rnd = seeded(17);
    for (let trial = 0; trial < 200; trial++) {
      const n = Math.floor(rnd() * 40);
      const lengths = Array.from({ length: n }, () => 1 + Math.floor(rnd() * 300));
      const budget = 64 + Math.floor(rnd() * 2000);
      const passes = tokenBudgetPasses(lengths, budget);
      expect(tokenBudgetPasses([...lengths], budget)).toEqual(passes);
      let next = 0;
      for (const [a, b] of passes) {
        expect(a).toBe(next);
        expect(b).toBeGreaterThan(a);
        if (b - a > 1) expect(paddedTokens(lengths, a, b)).toBeLessThanOrEqual(budget);
        if (b < n) expect(paddedTokens(lengths, a, b + 1)).toBeGreaterThan(budget);
        next = b;
      }
      expect(next).toBe(n);
    }
  });
});
