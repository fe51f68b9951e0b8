import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { RewardsSpecSchema } from '../../../src/ranking/rewards/schema.ts';

describe('RewardsSpecSchema', () => {
  it('exports to JSON Schema (the spec schema embeds it) with one branch per scheme', () => {
    const js = z.toJSONSchema(RewardsSpecSchema, { io: 'input' }) as { oneOf?: unknown[]; anyOf?: unknown[] };
    const branches = (js.oneOf ?? js.anyOf) as Array<{ properties: { scheme: { const: string } }; additionalProperties: boolean }>;
    expect(branches.map((b) => b.properties.scheme.const).sort()).toEqual(
      ['geometric', 'linear', 'proportional', 'softmax', 'top-k', 'winner-take-all'].sort(),
    );
    expect(branches.every((b) => b.additionalProperties === false)).toBe(true);
  });

  it('says what was expected for a float pool', () => {
    const r = RewardsSpecSchema.safeParse({ pool: '12.5', scheme: 'linear' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toMatch(/non-negative integer written as a decimal string/);
  });

  it('q and shares accept numbers and decimal strings, not other text', () => {
    expect(RewardsSpecSchema.safeParse({ pool: '1', scheme: 'geometric', q: '0.85' }).success).toBe(true);
    expect(RewardsSpecSchema.safeParse({ pool: '1', scheme: 'geometric', q: 'abc' }).success).toBe(false);
    expect(RewardsSpecSchema.safeParse({ pool: '1', scheme: 'top-k', shares: [] }).success).toBe(false);
    expect(RewardsSpecSchema.safeParse({ pool: '1', scheme: 'softmax', temperature: 0 }).success).toBe(false);
    expect(RewardsSpecSchema.safeParse({ pool: '1', scheme: 'winner-take-all', topPercent: 0 }).success).toBe(false);
  });
});
