import { describe, expect, it } from 'vitest';
import { AdmissionRulesSchema, ModelContractSchema } from '../../src/models/admission/schema.ts';
import { specMutations } from './specs.ts';

const fullRules = {
  maxBytes: 1024, maxExternalBytes: 0, allowedOpsets: { min: 13, max: 17 }, irVersions: [8], opAllowlist: ['MatMul'],
  maxParams: 100, maxNodes: 10, maxGraphDepth: 2, sanity: { enabled: true, rows: 4, rejectConstant: true },
  duplicates: { weights: true, predictionAgreement: 0.99, predictionDigits: 4, policy: 'rank-after' }, earlierAdvantage: 0.01,
  archive: { maxEntries: 4 },
};
const fullContract = {
  inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }],
  outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', 3] }],
};

describe('broken admission rules and contracts (every field wrong in turn)', () => {
  it('the full rules and contract are valid', () => {
    expect(AdmissionRulesSchema.safeParse(fullRules).success).toBe(true);
    expect(ModelContractSchema.safeParse(fullContract).success).toBe(true);
  });

  it('refuses every mutation, with an issue at the mutated path', () => {
    let tried = 0;
    for (const [schema, base] of [[AdmissionRulesSchema, fullRules], [ModelContractSchema, fullContract]] as const) {
      for (const m of specMutations(base)) {
        // Empty lists that are meaningful stay valid: an allowlist of nothing, a scalar (rank-0) tensor.
        if (m.how === 'empty' && ['opAllowlist', 'inputs.0.shape', 'outputs.0.shape'].includes(m.path)) continue;
        // A dim is a number or a symbolic name: swapping one for the other is still a dim.
        if (m.how === 'wrong-type' && /shape\.\d+$/.test(m.path)) continue;
        tried++;
        const r = (schema as typeof AdmissionRulesSchema).safeParse(m.spec);
        expect([m.path, m.how, r.success]).toEqual([m.path, m.how, false]);
        if (!r.success) {
          const paths = r.error.issues.map((i) => i.path.join('.'));
          const target = m.how === 'unknown-key' ? m.path.replace(/\.?unexpectedField$/, '').replace('(root)', '') : m.path;
          expect([m.path, paths.some((p) => p === target || p.startsWith(`${target}.`) || target.startsWith(p))]).toEqual([m.path, true]);
        }
      }
    }
    expect(tried).toBeGreaterThan(60);
  });
});
