// scaffoldBenchmark: everything but the split key is seeded (two scaffolds agree byte for byte),
// the spec validates, and an existing folder is never touched.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scaffoldBenchmark } from '../../src/benchmark/scaffold.ts';
import { loadBenchmark } from '../../src/benchmark/loader.ts';
import { ArbiterError } from '../../src/errors.ts';
import { tempDir } from '../helpers.ts';

describe('scaffoldBenchmark', () => {
  it('is deterministic except for the secret split key', () => {
    const a = scaffoldBenchmark('one', tempDir());
    const b = scaffoldBenchmark('one', tempDir());
    for (const f of ['data/hidden.arrow', 'data/hidden.csv', 'data/public-sample.arrow', 'data/public-sample.csv', 'data/schema.yaml', 'submissions/baseline.onnx', 'benchmark.yaml', 'pack.sh']) {
      expect(Buffer.compare(readFileSync(path.join(a.dir, f)), readFileSync(path.join(b.dir, f))), f).toBe(0);
    }
    expect(readFileSync(path.join(a.dir, 'split.key'), 'utf8')).not.toBe(readFileSync(path.join(b.dir, 'split.key'), 'utf8'));
    expect(readFileSync(path.join(a.dir, 'split.key'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    const spec = loadBenchmark(a.dir).spec;
    expect(spec.dataset.sha256).toBe(a.datasetSha256);
    expect(spec.dataset.publicSample).toBe('data/public-sample.arrow');
  });

  it('refuses an existing folder and leaves it as it was', () => {
    const parent = tempDir();
    scaffoldBenchmark('two', parent);
    writeFileSync(path.join(parent, 'two', 'mine.txt'), 'keep');
    const before = readdirSync(path.join(parent, 'two')).sort();
    let err: unknown;
    try { scaffoldBenchmark('two', parent); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ArbiterError);
    expect((err as ArbiterError).code).toBe('E_USAGE');
    expect(readdirSync(path.join(parent, 'two')).sort()).toEqual(before);
  });

  it('refuses ids the spec would reject', () => {
    for (const id of ['Upper', '-dash', 'under_score', '']) expect(() => scaffoldBenchmark(id, tempDir()), id).toThrow(/lowercase letters, digits and dashes/);
  });
});
