// `arbiter dataset inputs` and `dataset sample-submission` (in-process) on the tabular demo set, plain
// and encrypted: ids and input columns only (never labels), and a constant prediction file that
// `arbiter check` admits and `arbiter score` scores. Also: `spec validate` refuses a split that
// `score` would refuse, and the LM task kinds are refused with E_USAGE.
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBenchmark } from '../../src/benchmark/loader.ts';
import { sampleSubmissionCsv } from '../../src/data/host-files.ts';
import { REPO, tempDir } from '../helpers.ts';
import { arbiter } from './in-process-env.ts';

const dir = tempDir('arbiter-inputs-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = path.join(REPO, 'benchmarks/tabular-demo/benchmark.yaml');
const HIDDEN = path.join(REPO, 'datasets/tabular-demo/hidden.arrow');
const hidden = tableFromIPC(readFileSync(HIDDEN));
const keyHex = 'c3'.repeat(32);
const keyFile = path.join(dir, 'k.key');
writeFileSync(keyFile, keyHex, { mode: 0o600 });

/** The tabular demo spec in `dir`, with absolute dataset paths and edits. */
function demoBench(name: string, edit: (yaml: string) => string = (y) => y): string {
  const yaml = readFileSync(DEMO, 'utf8').replaceAll('../../datasets/', `${path.join(REPO, 'datasets')}/`);
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, edit(yaml));
  return file;
}

describe('arbiter dataset inputs', () => {
  it('CSV: the id and every input value, in id order; no label column', async () => {
    const out = path.join(dir, 'inputs.csv');
    const r = await arbiter(['dataset', 'inputs', '-b', 'tabular-demo', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(['id', ...Array.from({ length: 32 }, (_, k) => `features_${k}`)].join(','));
    expect(lines).toHaveLength(hidden.numRows + 1);
    expect(lines[0]).not.toContain('label');
    const first = hidden.get(0)!.toJSON() as { id: bigint; features: { toArray(): Float32Array } };
    const cells = lines[1]!.split(',');
    expect(cells[0]).toBe(String(first.id));
    expect(Float32Array.from(cells.slice(1).map(Number))).toEqual(first.features.toArray());
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: hidden.numRows, set: 'live' });
  });

  it('Arrow: the id and input columns with their types; an encrypted set with the host key gives the same file', async () => {
    const out = path.join(dir, 'inputs.arrow');
    expect((await arbiter(['dataset', 'inputs', '-b', 'tabular-demo', '-o', out])).code).toBe(0);
    const t = tableFromIPC(readFileSync(out));
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'features']);
    expect(t.numRows).toBe(hidden.numRows);
    expect(Array.from(t.getChild('id')!.toArray())).toEqual(Array.from(hidden.getChild('id')!.toArray()));
    expect(String(t.schema.fields[1]!.type)).toBe(String(hidden.schema.fields.find((f) => f.name === 'features')!.type));
    expect(t.getChild('features')!.get(7)!.toArray()).toEqual(hidden.getChild('features')!.get(7)!.toArray());

    const enc = path.join(dir, 'hidden.arrow.enc');
    expect((await arbiter(['dataset', 'encrypt', HIDDEN, '-o', enc, '--key-file', keyFile])).code).toBe(0);
    const b = demoBench('encrypted', (y) => y.replace(/path: .*hidden\.arrow/, `path: ${enc}\n  encrypted: true`));
    const out2 = path.join(dir, 'inputs-enc.arrow');
    const r = await arbiter(['dataset', 'inputs', '-b', b, '-o', out2, '--dataset-key-file', keyFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out2).equals(readFileSync(out))).toBe(true);
    const noKey = await arbiter(['dataset', 'inputs', '-b', b, '-o', path.join(dir, 'x.csv')]);
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain('E_DATASET_KEY');
  });

  it('a language-model benchmark takes model folders: inputs and sample-submission refuse with E_USAGE', async () => {
    for (const cmd of ['inputs', 'sample-submission']) {
      const r = await arbiter(['dataset', cmd, '-b', 'qwen-chat-demo', '-o', path.join(dir, 'lm.csv'), '--json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error.code).toBe('E_USAGE');
      expect(r.stderr).toMatch(/chat-loss task, whose submissions are model folders/);
    }
  });
});

describe('arbiter dataset sample-submission', () => {
  it('writes uniform probabilities for every hidden id, which score scores; for the public sample, which check admits', async () => {
    const out = path.join(dir, 'sample-submission.csv');
    const r = await arbiter(['dataset', 'sample-submission', '-b', 'tabular-demo', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('id,p0,p1,p2,p3');
    expect(lines).toHaveLength(hidden.numRows + 1);
    expect(lines[1]).toBe(`${hidden.getChild('id')!.get(0)},0.25,0.25,0.25,0.25`);
    const s = await arbiter(['score', '-b', 'tabular-demo', '-s', out, '--db', path.join(dir, 's.db'), '--isolation', 'thread', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const row = JSON.parse(s.stdout).rows[0];
    expect(row.status).toBe('scored');
    expect(row.scores.accuracy).toBeGreaterThan(0);

    const sample = path.join(dir, 'sample-for-check.csv');
    expect((await arbiter(['dataset', 'sample-submission', '-b', 'tabular-demo', '--set', 'sample', '-o', sample])).code).toBe(0);
    const c = await arbiter(['check', sample, '-b', 'tabular-demo', '--json']);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).ok).toBe(true);
    // the hidden set's Merkle root is not the sample's: check still scores the sample
    const root = JSON.parse((await arbiter(['dataset', 'commit', HIDDEN, '--json'])).stdout).root as string;
    const committed = demoBench('committed', (y) => y.replace('  idColumn: id', `  idColumn: id\n  commitment: ${root}`));
    const cc = await arbiter(['check', sample, '-b', committed, '--json']);
    expect(cc.code, cc.stdout + cc.stderr).toBe(0);
  });

  it('class ids when no metric reads probabilities; regression: 0, or the row position when a correlation needs varying predictions', () => {
    const base = readFileSync(DEMO, 'utf8').replace(/  primary: .*\n  tieBreak: .*\n/, '');
    const classes = parseBenchmark(base.replace(/metrics:\n(  - .*\n)+/, 'metrics:\n  - name: accuracy\n'), DEMO);
    expect(sampleSubmissionCsv(classes, ['1', 'a,b']).csv).toBe('id,prediction\n1,0\n"a,b",0\n');
    const regression = (metrics: string) => parseBenchmark(base
      .replace(/task:\n(  .*\n)+?dataset:/, 'task:\n  type: regression\n  targetColumn: label\ndataset:')
      .replace(/shape: \[batch, 4\]/, 'shape: [batch]')
      .replace(/metrics:\n(  - .*\n)+/, `metrics:\n${metrics}`), DEMO);
    expect(sampleSubmissionCsv(regression('  - name: mse\n'), ['7', '9']).csv).toBe('id,prediction\n7,0\n9,0\n');
    expect(sampleSubmissionCsv(regression('  - name: pearson\n'), ['7', '9', '11']).csv).toBe('id,prediction\n7,0\n9,1\n11,2\n');
  });
});

describe('arbiter spec validate checks the data', () => {
  it('refuses a publicFraction that leaves a split empty (score would), unless --no-data; and a bad sha256', async () => {
    const tiny = demoBench('tiny', (y) => y.replace('publicFraction: 0.3', 'publicFraction: 0.00001'));
    const r = await arbiter(['spec', 'validate', tiny, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'E_DATASET_INVALID' });
    expect(r.stderr).toMatch(/found none in the public split \(3000 rows, publicFraction 0.00001\)/);
    expect((await arbiter(['spec', 'validate', tiny, '--no-data'])).code).toBe(0);
    const moved = path.join(dir, 'hidden-copy.arrow');
    copyFileSync(HIDDEN, moved);
    writeFileSync(moved, Buffer.concat([readFileSync(moved), Buffer.from([0])]));
    const sha = demoBench('sha', (y) => y.replace(/path: .*hidden\.arrow/, `path: ${moved}`));
    const s = await arbiter(['spec', 'validate', sha]);
    expect(s.code).toBe(3);
    expect(s.stderr).toContain('E_DATASET_COMMITMENT');
    const ok = await arbiter(['spec', 'validate', demoBench('ok'), '--json']);
    expect(JSON.parse(ok.stdout).data).toEqual([expect.objectContaining({ set: 'live', rows: 3000, publicRows: 874, privateRows: 2126 })]);
  });
});
