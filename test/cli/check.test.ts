// `arbiter check` run in process (test/cli-in-process.ts: same output and exit code as a child):
// the human output (inline snapshots), the --json shape, exit codes, and the main failures (bad
// file, contract, format, prediction ids, no sample).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arbiterInProcess } from '../cli-in-process.ts';
import { REPO, tempDir } from '../helpers.ts';

const SUBS = path.join(REPO, 'benchmarks/tabular-demo/submissions');

function arbiter(args: string[], cwd = REPO) {
  return arbiterInProcess(args, { cwd });
}

describe('arbiter check', () => {
  it('passes a good model and prints every rule and the sample metrics (snapshot)', async () => {
    const r = await arbiter(['check', path.join(SUBS, 'alice.onnx'), '-b', 'tabular-demo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`check alice.onnx against tabular-demo v1
  PASS  file          ONNX model, 38303 bytes, sha256 f1d045924b54
  PASS  admission     size 38303 ≤ 10485760 bytes; parses as ONNX; inputs features float32 [batch, 32]; output probabilities float32 [batch, 4]; sanity run on 8 public sample rows: contracted shape, finite
  PASS  sample-score  scored 200 sample rows

metrics on the public sample public-sample.arrow (200 rows, split as \`arbiter score\` splits; ranked on private):
  metric      public  private*
  --------  --------  --------
  log_loss  0.115895  0.232686
  accuracy  0.959184  0.907285
  macro_f1  0.959002  0.903775

ok: this submission would be admitted and scored
`);
  });

  it('fails a contract violation with its code and skips the sample pass (snapshot, exit 3)', async () => {
    const r = await arbiter(['check', path.join(SUBS, 'erin.onnx'), '-b', 'tabular-demo']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(`check erin.onnx against tabular-demo v1
  PASS  file          ONNX model, 665 bytes, sha256 4064f99e14db
  FAIL  admission     E_MODEL_CONTRACT output "probabilities" axis 1 must be 4, found 3 (shape [batch, 3]; contract [batch, 4])
  SKIP  sample-score  not run: rule "admission" failed

not admitted: fix the failing rule above, then run arbiter check again
`);
  });

  it('--json: one object with the documented shape; a bad ONNX file is E_MODEL_FORMAT', async () => {
    const r = await arbiter(['check', path.join(SUBS, 'frank.onnx'), '-b', 'tabular-demo', '--json']);
    expect(r.code).toBe(3);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]!);
    expect(Object.keys(o).sort()).toEqual(['benchmark', 'ok', 'rankSplit', 'rules', 'sample', 'sampleScores', 'submission']);
    expect(o.ok).toBe(false);
    expect(o.rules.map((x: { rule: string; status: string }) => `${x.rule}:${x.status}`)).toEqual(['file:pass', 'admission:fail', 'sample-score:skip']);
    expect(o.rules[1].error.code).toBe('E_MODEL_FORMAT');
    for (const x of o.rules) expect(Object.keys(x).sort()).toEqual(['error', 'message', 'rule', 'status', 'title']);
    expect(Object.keys(o.submission).sort()).toEqual(['bytes', 'kind', 'path', 'sha256']);
  });

  it('--json on a passing model carries the sample scores per split', async () => {
    const r = await arbiter(['check', path.join(SUBS, 'bob.onnx'), '-b', 'tabular-demo', '--json']);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.ok).toBe(true);
    expect(o.sample.rows).toBe(200);
    expect(o.sample.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(o.sampleScores).sort()).toEqual(['private', 'public']);
    expect(Object.keys(o.sampleScores.private).sort()).toEqual(['accuracy', 'log_loss', 'macro_f1']);
  });

  it('a missing file fails the file rule (exit 3)', async () => {
    const r = await arbiter(['check', 'no/such/model.onnx', '-b', 'tabular-demo']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('FAIL  file');
    expect(r.stdout).toContain('E_SUBMISSION_NOT_FOUND');
  });

  it('prediction files: the hidden-set file fails on the sample with a hint; a sample file passes', async () => {
    const hiddenFile = await arbiter(['check', path.join(SUBS, 'grace.csv'), '-b', 'tabular-demo']);
    expect(hiddenFile.code).toBe(3);
    expect(hiddenFile.stdout).toContain('FAIL  sample-score  E_PREDICTIONS');
    expect(hiddenFile.stdout).toContain('give one row per id of the public sample public-sample.arrow');
    // uniform probabilities for every public-sample id
    const ids = readFileSync(path.join(REPO, 'datasets/tabular-demo/public-sample.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    const file = path.join(tempDir(), 'uniform.csv');
    writeFileSync(file, ['id,p0,p1,p2,p3', ...ids.map((id) => `${id},0.25,0.25,0.25,0.25`)].join('\n') + '\n');
    const r = await arbiter(['check', file, '-b', 'tabular-demo', '--json']);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.submission.kind).toBe('predictions');
    expect(o.sampleScores.private.log_loss).toBeCloseTo(Math.log(4), 12);
  });

  it('a benchmark without a public sample: the sample pass is skipped with a reason, exit 0', async () => {
    const dir = tempDir();
    const yaml = readFileSync(path.join(REPO, 'benchmarks/tabular-demo/benchmark.yaml'), 'utf8')
      .replace(/^ {2}publicSample: .*\n/m, '')
      .replace('../../datasets/tabular-demo/hidden.arrow', path.join(REPO, 'datasets/tabular-demo/hidden.arrow'));
    expect(yaml).not.toContain('publicSample');
    writeFileSync(path.join(dir, 'benchmark.yaml'), yaml);
    const r = await arbiter(['check', path.join(SUBS, 'alice.onnx'), '-b', path.join(dir, 'benchmark.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SKIP  sample-score  the benchmark has no dataset.publicSample');
  });

  it('never opens the hidden set: check passes with the hidden file deleted (score then fails)', async () => {
    const cwd = tempDir();
    expect((await arbiter(['init', 'nohidden'], cwd)).code).toBe(0);
    rmSync(path.join(cwd, 'benchmarks/nohidden/data/hidden.arrow'));
    const r = await arbiter(['check', 'benchmarks/nohidden/submissions/baseline.onnx', '-b', 'nohidden', '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).ok).toBe(true);
    const s = await arbiter(['score', '-b', 'nohidden', '--db', path.join(cwd, 's.db'), '-w', '1', '--json'], cwd);
    expect(s.code).toBe(3);
    expect(JSON.parse(s.stdout).error.code).toBe('E_DATASET_INVALID');
  });

  it('an unknown benchmark is a spec error as {"error": ...} under --json (exit 3)', async () => {
    const r = await arbiter(['check', path.join(SUBS, 'alice.onnx'), '-b', 'no-such-benchmark', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toBe('E_SPEC_NOT_FOUND');
  });
});
