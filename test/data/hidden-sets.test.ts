import { describe, expect, it } from 'vitest';
import { HiddenSetsSchema, setFor, visibleSetScores } from '../../src/data/hidden-sets.ts';

const root = (c: string) => c.repeat(64);
const A = { name: 'A', file: 'hidden-a.arrows.enc', commitment: root('a'), leaderboard: 'live' as const };
const B = { name: 'B', file: 'hidden-b.arrows.enc', commitment: root('b'), leaderboard: 'final' as const };

describe('hidden sets', () => {
  it('accepts one live set and an optional final set', () => {
    expect(HiddenSetsSchema.safeParse([A]).success).toBe(true);
    expect(HiddenSetsSchema.safeParse([A, B]).success).toBe(true);
  });
  it('refuses two live sets, two final sets, duplicate names, bad roots and a third set', () => {
    expect(HiddenSetsSchema.safeParse([A, { ...A, name: 'A2' }]).success).toBe(false);
    expect(HiddenSetsSchema.safeParse([B]).success).toBe(false);
    expect(HiddenSetsSchema.safeParse([A, { ...B, name: 'A' }]).success).toBe(false);
    expect(HiddenSetsSchema.safeParse([{ ...A, commitment: 'abc' }]).success).toBe(false);
    expect(HiddenSetsSchema.safeParse([A, B, { ...B, name: 'C' }]).success).toBe(false);
  });
  it('ranks the final board by set B, falling back to A when there is no B', () => {
    expect(setFor([A, B], 'final').name).toBe('B');
    expect(setFor([A, B], 'live').name).toBe('A');
    expect(setFor([A], 'final').name).toBe('A');
  });
  it("hides set B's scores until the host releases them", () => {
    const scores = { B: { accuracy: 0.91 }, A: { accuracy: 0.9 } };
    expect(visibleSetScores(scores, [A, B], new Set())).toEqual({ A: { accuracy: 0.9 } });
    expect(visibleSetScores(scores, [A, B], new Set(['B']))).toEqual(scores);
    expect(Object.keys(visibleSetScores(scores, [A, B], new Set(['B'])))).toEqual(['A', 'B']);
  });
});
