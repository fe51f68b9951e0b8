// Merge invariance over the whole registry: random splits, states round-tripped through JSON and
// merged in random order and grouping give bit-identical finals to one pass.
import { describe, expect, it } from 'vitest';
import { registry } from '../../scoring/index.ts';
import { mulberry32, randomBatch, single, splitMerged } from './helpers.ts';

describe('merge invariance (every registered metric)', () => {
  for (const name of registry.names()) {
    it(name, () => {
      const m = registry.get(name);
      const options = m.optionsSchema.parse({});
      const rand = mulberry32(name.length * 7919 + name.charCodeAt(0));
      for (let t = 0; t < 8; t++) {
        let k = 2 + (t % 4);
        try {
          m.init(options, { numClasses: k });
        } catch {
          k = 2;
        }
        const b = randomBatch(m, 40 + Math.floor(rand() * 300), k, rand);
        const want = JSON.stringify(single(m, options, { numClasses: k }, b));
        for (let r = 0; r < 3; r++) {
          expect(JSON.stringify(splitMerged(m, options, { numClasses: k }, b, rand))).toBe(want);
        }
      }
    });
  }
});
