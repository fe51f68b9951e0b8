// Nothing hidden reaches output when a tabular model fails on hidden rows: onnxruntime's message for
// an out-of-range Gather quotes the index, here a hidden feature value (x 1000). With the sanity run
// off (so the first batch the model sees is hidden), the model fails on the hidden set in both
// isolation modes; the row says E_MODEL_RUNTIME with the withheld message, and neither stdout,
// stderr (a real CLI process, where onnxruntime runs in this process's threads), the store file
// nor the receipt holds the index onnxruntime saw or its text.
import { execFile } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildModel } from '../../src/models/onnx/builder.ts';
import { score } from '../../src/run/lifecycle.ts';
import { HIDDEN_BATCH_FAILURE } from '../../src/inference/task.ts';
import { REPO, tempDir } from '../helpers.ts';

const run = promisify(execFile);

/** features [batch, 32] -> Gather(table[4], int64(features * 1000)) -> MatMul -> probabilities [batch, 4]. */
function gatherBomb(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 32] }],
    outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 4] }],
    initializers: [
      { name: 'k', dtype: 'float32', dims: [], data: Float32Array.of(1000) },
      { name: 'table', dtype: 'float32', dims: [4], data: Float32Array.of(0.25, 0.25, 0.25, 0.25) },
      { name: 'W', dtype: 'float32', dims: [32, 4], data: new Float32Array(128).fill(0.01) },
    ],
    nodes: [
      { op: 'Mul', inputs: ['features', 'k'], outputs: ['scaled'] },
      { op: 'Cast', inputs: ['scaled'], outputs: ['idx'], attrs: { to: 7 } },
      { op: 'Gather', inputs: ['table', 'idx'], outputs: ['g'] },
      { op: 'MatMul', inputs: ['g', 'W'], outputs: ['probabilities'] },
    ],
  });
}

describe('a tabular model failing on hidden rows leaks none of their values', () => {
  const dir = tempDir('arbiter-hidden-values-');
  const bundled = path.join(REPO, 'benchmarks/tabular-demo');
  const spec = path.join(dir, 'bench', 'benchmark.yaml');
  cpSync(path.join(bundled, 'benchmark.yaml'), spec);
  const yaml = readFileSync(spec, 'utf8')
    .replace(/(path|publicSample): (\.\.\/\S+)/g, (_m, k: string, p: string) => `${k}: ${path.resolve(bundled, p)}`)
    .concat('admission:\n  sanity:\n    enabled: false\n');
  writeFileSync(spec, yaml);
  const model = path.join(dir, 'mallory.onnx');
  writeFileSync(model, gatherBomb());

  it('onnxruntime itself names the index (the value this test must not find)', async () => {
    const s = await ort.InferenceSession.create(gatherBomb(), { logSeverityLevel: 4 });
    const err = await s.run({ features: new ort.Tensor('float32', new Float32Array(32).fill(1.5), [1, 32]) }).catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/idx=1500\b/);
  });

  it.each(['process', 'thread'] as const)('isolation %s: E_MODEL_RUNTIME with the withheld message; no index in the result or the store', async (isolation) => {
    const db = path.join(dir, `${isolation}.db`);
    const r = await score({ benchmark: spec, submissions: [model], workers: 1, isolation, db });
    const row = r.rows[0]!;
    expect(row.status).toBe('failed');
    expect(row.error).toEqual({ code: 'E_MODEL_RUNTIME', message: HIDDEN_BATCH_FAILURE });
    const stored = readFileSync(db).toString('latin1');
    expect(stored).not.toMatch(/idx=|indices element|out of data bounds/);
  });

  it('the CLI (worker threads: onnxruntime in this process) prints no index on stdout or stderr, and none goes in the receipt', async () => {
    const db = path.join(dir, 'cli.db');
    const out = await run(process.execPath, [path.join(REPO, 'bin/arbiter.js'), 'score', '-b', spec, '-s', model, '--isolation', 'thread', '-w', '1', '--db', db, '--json'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const printed = out.stdout + out.stderr;
    expect(printed).toContain('E_MODEL_RUNTIME');
    expect(printed).not.toMatch(/idx=|indices element|out of data bounds|\[E:onnxruntime/);
    const receipts = path.join(dir, 'receipts');
    const receipt = readdirSync(receipts).map((f) => readFileSync(path.join(receipts, f), 'utf8')).join('');
    expect(receipt).toContain('E_MODEL_RUNTIME');
    expect(receipt).not.toMatch(/idx=|indices element|out of data bounds/);
  });
});
