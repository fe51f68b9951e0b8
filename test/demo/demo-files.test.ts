import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoSubmissions } from '../../benchmarks/tabular-demo/make-submissions.ts';
import { writeDemoDataset } from '../../datasets/tabular-demo/make.ts';
import { loadBenchmark } from '../../src/benchmark/loader.ts';
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

describe('the demo public sample', () => {
  it('regenerates byte for byte, has the hidden set\'s schema and none of its ids', async () => {
    const { writeDemoPublicSample } = await import('../../datasets/tabular-demo/make.ts');
    const { openArrowStream } = await import('../../src/data/arrow-stream.ts');
    const dir = tempDir();
    writeDemoDataset(dir);
    const res = writeDemoPublicSample(dir);
    expect(res.rows).toBe(200);
    for (const f of ['public-sample.arrow', 'public-sample.csv']) {
      expect(Buffer.compare(readFileSync(path.join(dir, f)), readFileSync(path.join(REPO, 'datasets/tabular-demo', f))), f).toBe(0);
    }
    const b = loadBenchmark(path.join(REPO, 'benchmarks/tabular-demo'));
    expect(path.resolve(b.dir, b.spec.dataset.publicSample!)).toBe(path.join(REPO, 'datasets/tabular-demo/public-sample.arrow'));
    const ids = async (file: string) => {
      const { schema, batches } = await openArrowStream(file, 'x');
      const out = new Set<string>();
      for await (const batch of batches) { const c = batch.getChild('id')!; for (let i = 0; i < batch.numRows; i++) out.add(String(c.get(i))); }
      return { schema: schema.fields.map((f) => `${f.name}:${f.type}`).join(','), ids: out };
    };
    const hidden = await ids(path.join(REPO, 'datasets/tabular-demo/hidden.arrow'));
    const sample = await ids(path.join(REPO, 'datasets/tabular-demo/public-sample.arrow'));
    expect(sample.schema).toBe(hidden.schema);
    expect([...sample.ids].filter((id) => hidden.ids.has(id))).toEqual([]);
  });
});
