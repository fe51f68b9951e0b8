import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoSubmissions } from '../../benchmarks/tabular-demo/make-submissions.ts';
import { writeDemoDataset } from '../../datasets/tabular-demo/make.ts';
import { loadBenchmark } from '../../src/spec/loader.ts';
import { REPO, tempDir } from '../helpers.ts';

describe('the committed demo files', () => {
  it('are exactly what the seeded scripts make', () => {
    const files = demoSubmissions();
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(6);
    for (const [name, bytes] of Object.entries(files)) {
      const committed = readFileSync(path.join(REPO, 'benchmarks/tabular-demo/submissions', name));
      expect(Buffer.compare(committed, Buffer.from(bytes)), name).toBe(0);
    }
  });

  it('the hidden set regenerates byte for byte and matches the spec commitment', () => {
    const dir = tempDir();
    const res = writeDemoDataset(dir);
    const b = loadBenchmark(path.join(REPO, 'benchmarks/tabular-demo'));
    expect(res.sha256).toBe(b.spec.dataset.sha256);
    for (const f of ['hidden.arrow', 'hidden.csv', 'schema.yaml']) {
      expect(Buffer.compare(readFileSync(path.join(dir, f)), readFileSync(path.join(REPO, 'datasets/tabular-demo', f))), f).toBe(0);
    }
  });
});
